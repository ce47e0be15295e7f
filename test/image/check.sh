#!/usr/bin/env bash
# make docker-test: builds the image and runs it as a user would, with configs/ mounted at /data/conf and a
# volume for the SQLite file, then checks from outside: the exact body of GET /helloworld/kratos, SayHello over
# gRPC through reflection (grpcurl, no proto files), the image's HEALTHCHECK, a greeting that survives a
# restart of the container on the same volume, and a SIGTERM stop that exits 0 within 5 s.
# Podman runs it here, through ../shared/tools/container-smoke.sh (stand-in base images, no registry); where
# containers cannot run, it prints a notice and exits 3. DOCKER=docker uses a Docker engine instead.
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
CHECK=docker-test
# shellcheck source=../support/containers.sh
. test/support/containers.sh

tag="localhost/helloworld-ts:check-$$"
name="helloworld-check-$$"
volume="helloworld-check-$$"
on_fail() { [ -n "${started:-}" ] && "$DOCKER" logs "$name" 2>&1 | tail -n 20 >&2; }
cleanup() {
  "$DOCKER" rm -f "$name" >/dev/null 2>&1 || true
  "$DOCKER" volume rm -f "$volume" >/dev/null 2>&1 || true
  "$DOCKER" rmi -f "$tag" >/dev/null 2>&1 || true
}

containers_ready .
trap cleanup EXIT
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
container run -d --name "$name" "${net[@]}" -p "127.0.0.1:$http_port:8000" -p "127.0.0.1:$grpc_port:9000" \
  -v "$PWD/configs:/data/conf:ro" -v "$volume:/app/data" "$tag" >/dev/null || fail "the container did not start"
started=1

await_ready "http://127.0.0.1:$http_port/readyz" "$name"
say_hello_http "$http_port"
if [ -x "$GRPCURL" ]; then
  say_hello_grpc "$grpc_port"
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

before=$(greet_count "$http_port")
[ "$before" = "$want" ] || fail "greet count $before after $want greetings"
container restart -t 10 "$name" >/dev/null || fail "the container did not restart"
await_ready "http://127.0.0.1:$http_port/readyz" "$name"
after=$(greet_count "$http_port")
[ "$after" = "$before" ] || fail "greet count $after after a restart on the same volume, $before before it"
say "restart on the same volume: greet count $before before, $after after"

stop_start=$(date +%s.%N)
container stop -t 10 "$name" >/dev/null
stop_s=$(seconds_since "$stop_start")
code=$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
awk -v s="$stop_s" 'BEGIN { exit !(s < 5) }' || fail "the stop took $stop_s s"
say "SIGTERM: exit 0 in $stop_s s"
echo "DOCKER TEST OK size_mb=$((size / 1000000)) stop_s=$stop_s"
