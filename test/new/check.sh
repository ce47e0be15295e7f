#!/usr/bin/env bash
# make new-test: Kratos's "kratos new" story, end to end, as a user of the packed framework lives it:
#   kratos-ts new demo (from this layout, depending on the framework's npm pack tarball; it installs and runs make api)
#   kratos-ts proto add api/blog/v1/post.proto, make api, kratos-ts proto server api/blog/v1/post.proto
#   make test in the new service: its lint, build, Go tools and every test it has, green.
# The last line is "NEW SERVICE TEST OK ..." with the time each stage took.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { echo "[new-test] $*"; }
stage() { local name=$1 start=$SECONDS; shift; "$@"; times+=("${name}_s=$((SECONDS - start))"); }
times=()

make framework >/dev/null
tarball=$(cd packages/kratos && npm pack --silent --pack-destination "$work")
say "packed the framework: $tarball"
stage new node packages/kratos/bin/kratos-ts.js new demo --dir "$work/demo" --layout "$root" --framework "file:$work/$tarball"
cd "$work/demo"
kratos=node_modules/.bin/kratos-ts
stage proto_add "$kratos" proto add api/blog/v1/post.proto
stage api make api
stage proto_server "$kratos" proto server api/blog/v1/post.proto
grep -q "export class PostService implements PostServer" internal/service/post.ts
stage test make test
say "make test in the new service passed"
echo "NEW SERVICE TEST OK ${times[*]}"
