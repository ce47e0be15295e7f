#!/usr/bin/env bash
# make new-test: Kratos's "kratos new" story, end to end, as a user of the packed framework lives it:
#   the framework packed (npm pack, the layout bundled in it) and its CLI run by npx from the tarball, no --layout:
#   npx kratos-ts new demo (the tarball vendored into the service; it installs and runs make api)
#   kratos-ts proto add api/blog/v1/post.proto, make api, kratos-ts proto server api/blog/v1/post.proto
#   make test in the new service: its lint, build, Go tools and every test it has, green
#   kratos-ts run on free ports: GET /demo/kratos answers, SIGTERM stops it with exit 0; then run --watch: an
#   edit to the service is served after tsc rebuilds and node restarts it
#   the new service's image built and run by its own make docker-test, where containers can run (else a notice).
# The last line is "NEW SERVICE TEST OK ..." with the time each stage took.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
say() { echo "[new-test] $*"; }
fail() { say "FAIL: $*"; exit 1; }
stage() { local name=$1 start=$SECONDS; shift; "$@"; times+=("${name}_s=$((SECONDS - start))"); }
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
times=()

make framework >/dev/null
tarball=$(cd packages/kratos && npm pack --silent --pack-destination "$work" 2>/dev/null)
say "packed the framework: $tarball; npx runs its CLI from the tarball, with the layout bundled in it"
# From $work, outside this repository: the layout can only be the one in the tarball.
stage new bash -c 'cd "$1" && npx --yes --package "./$2" kratos-ts new demo --framework "./$2"' _ "$work" "$tarball"
cd "$work/demo"
[ -f "vendor/$tarball" ] || fail "the framework's tarball is not in vendor/"
[ "$(node -p 'require("./package.json").dependencies["@kratos-ts/kratos"]')" = "file:vendor/$tarball" ] || fail "package.json does not depend on vendor/$tarball"
kratos=node_modules/.bin/kratos-ts
stage proto_add "$kratos" proto add api/blog/v1/post.proto
stage api make api
stage proto_server "$kratos" proto server api/blog/v1/post.proto
grep -q "export class PostService implements PostServer" internal/service/post.ts
stage test make test
say "make test in the new service passed"

# serve PATH WANT: waits (at most 120 s: run builds first) until GET PATH on the run's HTTP port answers WANT.
serve() {
  local body=""
  for _ in $(seq 1200); do
    body=$(curl -s "http://127.0.0.1:$http_port$1" || true)
    [ "$body" = "$2" ] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || fail "kratos-ts run exited before GET $1 answered $2"
    sleep 0.1
  done
  fail "GET $1 answered '$body', not $2, within 120 s"
}
# stop: SIGTERM to kratos-ts run, which passes it on; the service's exit code is run's.
stop() {
  local code=0
  kill -TERM "${pids[-1]}"
  wait "${pids[-1]}" || code=$?
  [ "$code" = 0 ] || fail "kratos-ts run exited $code after SIGTERM"
}
run_stage() {
  http_port=$(free_port) grpc_port=$(free_port)
  mkdir -p "$work/conf"
  sed -e "s/0.0.0.0:8000/127.0.0.1:$http_port/" -e "s/0.0.0.0:9000/127.0.0.1:$grpc_port/" configs/config.yaml >"$work/conf/config.yaml"
  grep -q "127.0.0.1:$http_port" "$work/conf/config.yaml" || fail "configs/config.yaml has no 0.0.0.0:8000 to replace"
  "$kratos" run --conf "$work/conf" >"$work/run.log" 2>&1 &
  pids+=($!)
  serve /demo/kratos '{"message":"Hello kratos"}'
  stop
  say "kratos-ts run: served GET /demo/kratos on :$http_port, exit 0 after SIGTERM"
  "$kratos" run --watch --conf "$work/conf" >"$work/watch.log" 2>&1 &
  pids+=($!)
  serve /demo/kratos '{"message":"Hello kratos"}'
  # tsc watches the sources once its first compilation is done: an edit before that may be missed.
  for _ in $(seq 1200); do grep -q "Watching for file changes" "$work/watch.log" && break; sleep 0.1; done
  grep -q "Watching for file changes" "$work/watch.log" || fail "tsc --watch did not start watching within 120 s"
  sed -i 's/`Hello ${g.hello}`/`Hi ${g.hello}`/' internal/service/greeter.ts
  serve /demo/kratos '{"message":"Hi kratos"}'
  stop
  say "kratos-ts run --watch: an edit to internal/service/greeter.ts served after the rebuild"
  git checkout -q internal/service/greeter.ts
}
stage run run_stage

# The new service's own image check (its test/image/check.sh), with this repo's container-smoke.sh and grpcurl.
image_stage() {
  local code=0
  SMOKE="$root/../shared/tools/container-smoke.sh" GRPCURL="$root/.tools/bin/grpcurl" bash test/image/check.sh >"$work/image.log" 2>&1 || code=$?
  case $code in
    0) say "$(grep -o 'DOCKER TEST OK.*' "$work/image.log")" ;;
    3) say "notice: containers cannot run here; the new service's image is not checked" ;;
    *) cat "$work/image.log"; fail "the new service's make docker-test exited $code" ;;
  esac
}
stage image image_stage
echo "NEW SERVICE TEST OK ${times[*]}"
