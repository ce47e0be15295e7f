# Sourced by the container checks (test/image/check.sh, test/compose/check.sh): the engine to use, podman made
# ready through ../shared/tools/container-smoke.sh where no Docker engine answers, and small helpers.
# Callers set CHECK (the name in their messages) and may define on_fail, run before a failure exits.

# docker where a Docker engine answers, else podman.
DOCKER=${DOCKER:-$(docker info >/dev/null 2>&1 && echo docker || echo podman)}
SMOKE=${SMOKE:-../shared/tools/container-smoke.sh}
GRPCURL=${GRPCURL:-.tools/bin/grpcurl}

say() { printf '[%s] %s\n' "$CHECK" "$*" >&2; }
fail() {
  say "FAIL: $*"
  if declare -F on_fail >/dev/null; then on_fail; fi
  exit 1
}

# containers_ready makes podman usable here (stand-in base images for the Dockerfiles given, podman's config
# exported), or exits 3 with a notice where containers cannot run. With docker it does nothing.
containers_ready() {
  [ "$DOCKER" = podman ] || return 0
  if [ ! -f "$SMOKE" ]; then say "notice: $SMOKE not found; containers cannot run here"; exit 3; fi
  local rc=0
  bash "$SMOKE" --check >&2 || rc=$?
  if [ "$rc" = 3 ]; then say "notice: this machine cannot run podman"; exit 3; fi
  [ "$rc" = 0 ] || fail "container-smoke.sh --check exited $rc"
  # CONTAINERS_CONF, and BUILDAH_FORMAT=docker to keep HEALTHCHECK in built images.
  eval "$(bash "$SMOKE" --prepare "$@")"
}

# container runs the engine without podman's complaint, at each start and stop, that no systemd is here to
# time HEALTHCHECKs.
container() { "$DOCKER" "$@" 2> >(grep -v -e 'systemd connection' -e 'Removing timer' >&2); }

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }

# await_ready URL CONTAINER: waits until URL answers 200, at most 60 s; fails at once if CONTAINER exits.
await_ready() {
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$2")" = true ] || fail "$2 exited"
    sleep 0.1
  done
  fail "$1 did not answer 200 within 60 s"
}

# greet_count HTTP_PORT: the greet count of the greeter "kratos", read back through the HTTP API.
greet_count() {
  curl -sf "http://127.0.0.1:$1/v1/greeters?hello=kratos" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).greeters[0]?.greetCount ?? 0))'
}

# say_hello_http PORT / say_hello_grpc PORT: SayHello("kratos") over each transport, the reply checked exactly.
say_hello_http() {
  local body
  body=$(curl -sf "http://127.0.0.1:$1/helloworld/kratos") || fail "GET /helloworld/kratos on :$1 failed"
  [ "$body" = '{"message":"Hello kratos"}' ] || fail "GET /helloworld/kratos on :$1: $body"
  say "HTTP :$1: $body"
}
say_hello_grpc() {
  local reply
  reply=$("$GRPCURL" -plaintext -d '{"name":"kratos"}' "127.0.0.1:$1" helloworld.v1.Greeter/SayHello) || fail "grpcurl SayHello on :$1 failed"
  [ "$(printf '%s' "$reply" | tr -d ' \n')" = '{"message":"Hellokratos"}' ] || fail "gRPC SayHello on :$1: $reply"
  say "gRPC (reflection) :$1: $(printf '%s' "$reply" | tr -d '\n')"
}

# seconds_since START: seconds, to a tenth, since START (date +%s.%N).
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
