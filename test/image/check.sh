#!/usr/bin/env bash
# make docker-test: builds the image and runs it as a user would, with configs/ mounted at /data/conf and a
# volume for the SQLite file, then checks from outside: the exact body of GET /helloworld/kratos, SayHello over
# gRPC through reflection (grpcurl, no proto files), the image's HEALTHCHECK, a greeting that survives a
# restart of the container on the same volume, and a SIGTERM stop that exits 0 within 5 s.
# Podman runs it here, through ../shared/tools/container-smoke.sh (stand-in base images, no registry); where
# containers cannot run, it prints a notice and exits 3. DOCKER=docker uses a Docker engine instead.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."

# docker where a Docker engine answers, else podman.
DOCKER=${DOCKER:-$(docker info >/dev/null 2>&1 && echo docker || echo podman)}
SMOKE=${SMOKE:-../shared/tools/container-smoke.sh}
GRPCURL=${GRPCURL:-.tools/bin/grpcurl}
tag="localhost/helloworld-ts:check-$$"
name="helloworld-check-$$"
volume="helloworld-check-$$"

say() { printf '[docker-test] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; [ -n "${started:-}" ] && "$DOCKER" logs "$name" 2>&1 | tail -n 20 >&2; exit 1; }
cleanup() {
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" volume rm -f "$volume" >/dev/null 2>&1 || true
  "$DOCKER" rmi -f "$tag" >/dev/null 2>&1 || true
}

if [ "$DOCKER" = podman ]; then
  if [ ! -f "$SMOKE" ]; then say "notice: $SMOKE not found; the image is not checked"; exit 3; fi
  rc=0
  bash "$SMOKE" --check >&2 || rc=$?
  if [ "$rc" = 3 ]; then say "notice: this machine cannot run podman; the image is not checked"; exit 3; fi
  [ "$rc" = 0 ] || fail "container-smoke.sh --check exited $rc"
  # The stand-in base images and podman's config (CONTAINERS_CONF, BUILDAH_FORMAT=docker to keep HEALTHCHECK).
  eval "$(bash "$SMOKE" --prepare .)"
fi
trap cleanup EXIT

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
http_port=$(free_port)
grpc_port=$(free_port)

start=$SECONDS
"$DOCKER" build -q -t "$tag" . >/dev/null || fail "the image did not build"
size=$("$DOCKER" image inspect -f '{{.Size}}' "$tag")
say "built $tag in $((SECONDS - start)) s: $((size / 1000000)) MB"

"$DOCKER" volume create "$volume" >/dev/null
net=()
# podman: its own network namespace, as docker run -p.
[ "$DOCKER" = podman ] && net=(--network slirp4netns)
# run, restart and stop without podman's complaint, once each, that no systemd is here to time the HEALTHCHECK.
container() { "$DOCKER" "$@" 2> >(grep -v -e 'systemd connection' -e 'Removing timer' >&2); }
container run -d --name "$name" "${net[@]}" -p "127.0.0.1:$http_port:8000" -p "127.0.0.1:$grpc_port:9000" \
  -v "$PWD/configs:/data/conf:ro" -v "$volume:/app/data" "$tag" >/dev/null || fail "the container did not start"
started=1

# ready waits until /readyz answers 200, at most 60 s.
ready() {
  for _ in $(seq 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/readyz")" = 200 ] && return 0
    [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$name")" = true ] || fail "the container exited"
    sleep 0.1
  done
  fail "/readyz did not answer 200 within 60 s"
}
# count prints the greet count of the greeter "kratos", read back through the HTTP API.
count() {
  curl -sf "http://127.0.0.1:$http_port/v1/greeters?hello=kratos" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).greeters[0]?.greetCount ?? 0))'
}

ready
body=$(curl -sf "http://127.0.0.1:$http_port/helloworld/kratos") || fail "GET /helloworld/kratos failed"
[ "$body" = '{"message":"Hello kratos"}' ] || fail "GET /helloworld/kratos: $body"
say "HTTP: $body"

if [ -x "$GRPCURL" ]; then
  reply=$("$GRPCURL" -plaintext -d '{"name":"kratos"}' "127.0.0.1:$grpc_port" helloworld.v1.Greeter/SayHello) || fail "grpcurl SayHello failed"
  [ "$(printf '%s' "$reply" | tr -d ' \n')" = '{"message":"Hellokratos"}' ] || fail "gRPC SayHello: $reply"
  say "gRPC (reflection): $(printf '%s' "$reply" | tr -d '\n')"
  want=2
else
  say "notice: no grpcurl (make tools, on a machine with Go); the gRPC call is not checked"
  want=1
fi

if [ "$DOCKER" = podman ]; then
  "$DOCKER" healthcheck run "$name" >/dev/null || fail "the image's HEALTHCHECK did not pass"
else
  # docker runs it on its own schedule: the first run comes after the 10 s interval.
  for _ in $(seq 300); do [ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$name")" = healthy ] && break; sleep 0.1; done
  [ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' "$name")" = healthy ] || fail "the image's HEALTHCHECK did not pass"
fi
say "HEALTHCHECK: healthy"

before=$(count)
[ "$before" = "$want" ] || fail "greet count $before after $want greetings"
container restart -t 10 "$name" >/dev/null || fail "the container did not restart"
ready
after=$(count)
[ "$after" = "$before" ] || fail "greet count $after after a restart on the same volume, $before before it"
say "restart on the same volume: greet count $before before, $after after"

stop_start=$(date +%s.%N)
container stop -t 10 "$name" >/dev/null
stop_s=$(awk -v a="$stop_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
awk -v s="$stop_s" 'BEGIN { exit !(s < 5) }' || fail "the stop took $stop_s s"
say "SIGTERM: exit 0 in $stop_s s"
echo "DOCKER TEST OK size_mb=$((size / 1000000)) stop_s=$stop_s"
