#!/usr/bin/env bash
# databases.sh: a PostgreSQL and a MariaDB server on 127.0.0.1 for the tests, each with a throwaway database
# and user, then the two lines that point the tests at them, on stdout (the rest goes to stderr):
#   export TEST_POSTGRES_URL=postgres://helloworld:helloworld@127.0.0.1:5432/helloworld_test
#   export TEST_MYSQL_URL=mysql://helloworld:helloworld@127.0.0.1:3306/helloworld_test
# Use: eval "$(bash .ci/databases.sh)" (or `make databases` to see them). .ci/run does this before the tests.
#
# Runs as root on Debian (as CI does; a developer runs it with sudo). Idempotent: what is installed, running
# or created already is kept, so a second run only checks and prints (about a second). What it does when
# something is missing:
#   - apt-get update once, then apt-get install postgresql and mariadb-server (Debian's packages);
#   - starts them without systemd (CI has none, and Debian's policy-rc.d in such images keeps the
#     packages from starting them): pg_ctlcluster for PostgreSQL (a cluster made with pg_createcluster
#     when there is none), /etc/init.d/mariadb (mysqld_safe) for MariaDB;
#   - creates the user with its password and the database it owns; the password is set again on each run.
# Names and password: DB_TEST_USER, DB_TEST_PASSWORD, DB_TEST_NAME (default helloworld, helloworld,
# helloworld_test). The servers listen on loopback only (both packages' defaults).
set -euo pipefail

user=${DB_TEST_USER:-helloworld}
password=${DB_TEST_PASSWORD:-helloworld}
dbname=${DB_TEST_NAME:-helloworld_test}
for v in "$user" "$password" "$dbname"; do
  # They go into SQL and URLs unquoted: keep them plain.
  [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "databases.sh: '$v' is not a plain name" >&2; exit 1; }
done

log() { echo "databases: $*" >&2; }
start=$SECONDS

if [ "$(id -u)" != 0 ]; then
  echo "databases.sh: run it as root (apt-get, pg_ctlcluster and the MariaDB init script need it)" >&2
  exit 1
fi

# --- packages -------------------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
installed postgresql || missing+=(postgresql)
installed mariadb-server || missing+=(mariadb-server)
installed mariadb-client || missing+=(mariadb-client)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  t=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  log "installed in $((SECONDS - t))s"
fi

# --- PostgreSQL -----------------------------------------------------------------------------------------
# The newest cluster that pg_lsclusters lists (Debian's package makes `<version> main`), else a new one.
cluster=$(pg_lsclusters -h | sort -k1,1V | tail -n 1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  log "creating PostgreSQL cluster $version main"
  pg_createcluster "$version" main >&2
  cluster=$(pg_lsclusters -h | sort -k1,1V | tail -n 1)
fi
read -r pg_version pg_name pg_port pg_status _ <<<"$cluster"
if [ "$pg_status" != online ]; then
  log "starting PostgreSQL $pg_version/$pg_name on port $pg_port"
  pg_ctlcluster "$pg_version" "$pg_name" start >&2
fi
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$pg_port" -tA "$@"; }
for _ in $(seq 1 30); do psql_admin -c 'select 1' >/dev/null 2>&1 && break; sleep 1; done
psql_admin -c 'select 1' >/dev/null
if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$user'")" != 1 ]; then
  log "PostgreSQL: creating user $user"
  psql_admin -c "create role $user login password '$password'"
else
  psql_admin -c "alter role $user login password '$password'"
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '$dbname'")" != 1 ]; then
  log "PostgreSQL: creating database $dbname"
  psql_admin -c "create database $dbname owner $user"
fi

# --- MariaDB --------------------------------------------------------------------------------------------
if ! mariadb-admin ping >/dev/null 2>&1; then
  log "starting MariaDB"
  if [ -x /etc/init.d/mariadb ]; then
    /etc/init.d/mariadb start >&2
  else
    install -d -o mysql -g mysql /run/mysqld
    (setsid mysqld_safe </dev/null >/dev/null 2>&1 &)
  fi
  for _ in $(seq 1 30); do mariadb-admin ping >/dev/null 2>&1 && break; sleep 1; done
fi
mariadb-admin ping >/dev/null
my_port=$(mariadb -N -B -e 'select @@port')
# root connects over the unix socket (unix_socket auth, Debian's default); the user over TCP from 127.0.0.1.
mariadb -e "create database if not exists $dbname;
  create user if not exists '$user'@'127.0.0.1' identified by '$password';
  create user if not exists '$user'@'localhost' identified by '$password';
  alter user '$user'@'127.0.0.1' identified by '$password';
  alter user '$user'@'localhost' identified by '$password';
  grant all privileges on $dbname.* to '$user'@'127.0.0.1';
  grant all privileges on $dbname.* to '$user'@'localhost';"

# --- check the URLs as the tests will use them, then print them ------------------------------------------
PGPASSWORD=$password psql -X -h 127.0.0.1 -p "$pg_port" -U "$user" -d "$dbname" -tA -c 'select 1' >/dev/null
mariadb -h 127.0.0.1 -P "$my_port" -u "$user" -p"$password" "$dbname" -N -B -e 'select 1' >/dev/null
log "PostgreSQL $pg_version on 127.0.0.1:$pg_port and MariaDB $(mariadb -N -B -e 'select version()') on 127.0.0.1:$my_port ready in $((SECONDS - start))s"
echo "export TEST_POSTGRES_URL=postgres://$user:$password@127.0.0.1:$pg_port/$dbname"
echo "export TEST_MYSQL_URL=mysql://$user:$password@127.0.0.1:$my_port/$dbname"
