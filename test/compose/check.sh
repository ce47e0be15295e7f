#!/usr/bin/env bash
# make compose-test: runs compose.yaml for real, on free host ports and under a project name of its own, then
# checks from outside: PostgreSQL healthy by its own healthcheck, the one-shot migrate applied the migrations
# and exited 0, both replicas ready, a greeting written through one replica (HTTP) and one through the other
# (gRPC by reflection) counted by both, the migrations applied by migrate alone, and both replicas stopped by
# SIGTERM with exit 0 inside their grace period. Everything it made is removed at the end.
# Podman runs it here (podman-compose from PyPI, into .tools; a stand-in PostgreSQL image built from Debian's
# packages by test/compose/postgres, since no registry here serves images); where containers cannot run, it
# prints a notice and exits 3. DOCKER=docker uses a Docker engine and `docker compose` instead.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
CHECK=compose-test
# shellcheck source=../support/containers.sh
. test/support/containers.sh

PODMAN_COMPOSE_VERSION=1.6.0
project="helloworld-check-$$"
export HELLOWORLD_IMAGE="localhost/helloworld-ts:compose-$$"
export POSTGRES_PASSWORD="check-$$-$RANDOM"

if [ "$DOCKER" = podman ]; then
  containers_ready .
  compose=(.tools/podman-compose/bin/podman-compose)
  if [ ! -x "${compose[0]}" ]; then
    say "installing podman-compose $PODMAN_COMPOSE_VERSION from PyPI into .tools/podman-compose"
    { python3 -m venv .tools/podman-compose && .tools/podman-compose/bin/pip install -q "podman-compose==$PODMAN_COMPOSE_VERSION"; } >&2 ||
      { rm -rf .tools/podman-compose; say "notice: podman-compose could not be installed; compose.yaml is not run"; exit 3; }
  fi
  # Podman 4 on CNI resolves the services' names (postgres:5432) only with the dnsname plugin.
  if [ "$(podman info --format '{{.Host.NetworkBackend}}')" = cni ] && [ ! -x /usr/lib/cni/dnsname ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-github-containernetworking-plugin-dnsname >/dev/null ||
      { say "notice: podman's dnsname plugin could not be installed; compose.yaml is not run"; exit 3; }
  fi
  if [ -z "${POSTGRES_IMAGE:-}" ]; then
    export POSTGRES_IMAGE=localhost/helloworld-check/postgres:15
    podman build -q --build-arg BASE=node:24-bookworm-slim -t "$POSTGRES_IMAGE" test/compose/postgres >/dev/null ||
      fail "the stand-in PostgreSQL image did not build"
  fi
  name_of() { echo "${project}_$1_1"; }
else
  compose=(docker compose)
  name_of() { echo "$project-$1-1"; }
fi

# compose runs compose.yaml under this check's project, without podman's complaints that no systemd is here to
# time healthchecks, and that podman 4.3 cannot wait for `service_healthy` (the check waits for it itself).
compose() { "${compose[@]}" -p "$project" "$@" 2> >(grep -v -e 'systemd connection' -e 'condition check' >&2); }
on_fail() {
  for service in migrate helloworld-1 helloworld-2; do
    "$DOCKER" inspect "$(name_of "$service")" >/dev/null 2>&1 || continue
    say "logs of $service:"
    "$DOCKER" logs "$(name_of "$service")" 2>&1 | tail -n 10 >&2 || true
  done
}
cleanup() {
  # The containers' anonymous volumes (the image's VOLUME /app/data) are not removed by down -v.
  local volumes
  volumes=$("$DOCKER" ps -a --filter "label=com.docker.compose.project=$project" -q |
    xargs -r "$DOCKER" inspect -f '{{range .Mounts}}{{.Name}} {{end}}' 2>/dev/null || true)
  compose down -v >/dev/null 2>&1 || true
  for volume in $volumes; do "$DOCKER" volume rm -f "$volume" >/dev/null 2>&1 || true; done
  "$DOCKER" rmi -f "$HELLOWORLD_IMAGE" >/dev/null 2>&1 || true
}
trap cleanup EXIT

export HTTP_PORT_1 GRPC_PORT_1 HTTP_PORT_2 GRPC_PORT_2
HTTP_PORT_1=$(free_port) GRPC_PORT_1=$(free_port) HTTP_PORT_2=$(free_port) GRPC_PORT_2=$(free_port)

start=$SECONDS
"$DOCKER" build -q -t "$HELLOWORLD_IMAGE" . >/dev/null || fail "the image did not build"
say "built $HELLOWORLD_IMAGE in $((SECONDS - start)) s; PostgreSQL from $POSTGRES_IMAGE"

# The order compose.yaml's depends_on gives, step by step, since podman-compose on podman 4.3 cannot wait for
# service_healthy and fails to start a container whose dependency has one of its own.
up_start=$(date +%s.%N)
compose up -d postgres >/dev/null || fail "postgres did not start"
postgres=$(name_of postgres)
healthy() {
  if [ "$DOCKER" = podman ]; then podman healthcheck run "$postgres" >/dev/null 2>&1
  else [ "$(docker inspect -f '{{.State.Health.Status}}' "$postgres")" = healthy ]; fi
}
for _ in $(seq 300); do healthy && break; sleep 0.2; done
healthy || fail "postgres was not healthy within 60 s"
say "postgres: healthy (pg_isready) in $(seconds_since "$up_start") s"

compose up -d --no-deps migrate >/dev/null || fail "migrate did not start"
migrate=$(name_of migrate)
code=$(timeout 60 "$DOCKER" wait "$migrate") || fail "migrate did not exit within 60 s"
[ "$code" = 0 ] || fail "migrate exited $code"
# The logs are read whole before grep: grep -q stops at its match, and podman, cut off mid-write, fails the pipeline.
logs=$("$DOCKER" logs "$migrate" 2>&1)
grep -q '"msg":"applied migration 0001_greeters"' <<<"$logs" || fail "migrate did not apply 0001_greeters"
say "migrate: applied 0001_greeters, exit 0"

compose up -d --no-deps helloworld-1 helloworld-2 >/dev/null || fail "the replicas did not start"
await_ready "http://127.0.0.1:$HTTP_PORT_1/readyz" "$(name_of helloworld-1)"
await_ready "http://127.0.0.1:$HTTP_PORT_2/readyz" "$(name_of helloworld-2)"
ready_s=$(seconds_since "$up_start")
say "both replicas ready, $ready_s s after compose up began"

say_hello_http "$HTTP_PORT_1"
want=1
if [ -x "$GRPCURL" ]; then
  say_hello_grpc "$GRPC_PORT_2"
  want=2
else
  say "notice: no grpcurl (make tools, on a machine with Go); the gRPC call is not checked"
fi
for port in "$HTTP_PORT_1" "$HTTP_PORT_2"; do
  count=$(greet_count "$port")
  [ "$count" = "$want" ] || fail "greet count $count on :$port after $want greetings through both replicas"
done
say "one PostgreSQL: greet count $want on both replicas"
for service in helloworld-1 helloworld-2; do
  logs=$("$DOCKER" logs "$(name_of "$service")" 2>&1)
  if grep -q '"msg":"applied migration' <<<"$logs"; then fail "$service applied a migration again"; fi
done

stop_start=$(date +%s.%N)
compose stop helloworld-1 helloworld-2 >/dev/null
stop_s=$(seconds_since "$stop_start")
for service in helloworld-1 helloworld-2; do
  code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$(name_of "$service")")
  [ "$code" = 0 ] || fail "$service exited $code after SIGTERM"
done
awk -v s="$stop_s" 'BEGIN { exit !(s < 15) }' || fail "the stop took $stop_s s, more than the 15 s grace period"
say "SIGTERM: both replicas exit 0 in $stop_s s"
echo "COMPOSE TEST OK replicas=2 ready_s=$ready_s stop_s=$stop_s"
