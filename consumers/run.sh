#!/usr/bin/env bash
# Runs the consumer apps in consumers/ against the package as users get it: packs the checkout
# (npm pack runs the build), copies each app to a temporary directory, installs the tarball and
# the app's dependencies with plain `npm install` (so a peer range that does not fit fails, as it
# would for them), then type-checks and tests the app. Cleans up after itself.
#
# Usage: consumers/run.sh [app ...]   (default: every directory in consumers/ with a package.json)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/config-reloader-consumers.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step() {
  echo "[consumers] ($(basename "$PWD")) \$ $*"
  "$@"
}

if [ "$#" -gt 0 ]; then
  apps=("$@")
else
  apps=()
  for dir in "$here"/*/; do
    [ -f "$dir/package.json" ] && apps+=("$(basename "$dir")")
  done
fi

cd "$root"
step npm run build || exit 1
# The build just ran; --ignore-scripts keeps prepare from running it again inside npm pack.
echo "[consumers] ($(basename "$PWD")) \$ npm pack --ignore-scripts --json --pack-destination $work"
tarball="$(npm pack --ignore-scripts --json --pack-destination "$work" | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].filename))')" ||
  { echo "[consumers] npm pack failed"; exit 1; }
tarball="$work/$tarball"
echo "[consumers] packed $tarball ($(wc -c <"$tarball") bytes)"

run_app() {
  local app="$1"
  local copy="$work/$app"
  mkdir -p "$copy"
  tar -C "$here/$app" --exclude=./node_modules --exclude=./dist --exclude='./*.tsbuildinfo' \
    -cf - . | tar -C "$copy" -xf -
  cd "$copy" || return 1
  step npm install --no-audit --no-fund --loglevel=error "$tarball" &&
    step npm ls --depth=0 &&
    step npm run typecheck &&
    step npm run test:e2e
}

failed=()
for app in "${apps[@]}"; do
  echo
  echo "[consumers] === $app"
  start=$SECONDS
  if (run_app "$app"); then
    echo "[consumers] === $app: passed in $((SECONDS - start)) s"
  else
    echo "[consumers] === $app: FAILED after $((SECONDS - start)) s"
    failed+=("$app")
  fi
done

echo
if [ "${#failed[@]}" -gt 0 ]; then
  echo "[consumers] failed: ${failed[*]}"
  exit 1
fi
echo "[consumers] all passed: ${apps[*]}"
