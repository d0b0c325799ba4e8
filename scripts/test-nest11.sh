#!/usr/bin/env bash
# Runs the type check and the unit suite against NestJS 11, the other major the peer ranges
# accept. The repository's devDependencies are Nest 12; a throwaway copy of the checkout gets the
# Nest 11 family instead (with the @nestjs/event-emitter and @nestjs/terminus majors a Nest 11
# app has), installed by plain npm install, then type-checks lib/, test/ and the sample app
# against Nest 11's declarations and runs the suite on the sources, minus:
#   - the file-system suites whose subject is not Nest (editor save patterns, torn reads, a
#     writer killed 30 times): the slowest third of the run, and the same code on either major;
#   - the etcd cluster harness, the etcd outage suite and the fleet suites (status records,
#     overlays, trials, the rollout wait), which exercise the etcd client and the source rather
#     than Nest (test/sources/etcd/etcd-source.test.ts runs the source through the module on
#     Nest 11 too);
#   - the command-line suites: the CLI uses no Nest code at run time (one type from
#     @nestjs/common, checked by the type check above);
#   - the sample bot's HTTP test, which asserts terminus 12's 'degraded' overall status (the
#     indicator's terminus 11 answer is covered in test/notify/health.test.ts);
#   - the README Quick start test: the Quick start is a Nest 12 app (its package.json says so),
#     and building it with two compilers and running it takes 30 to 50 s.
#
# Usage: scripts/test-nest11.sh [more vitest arguments...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/config-reloader-nest11.XXXXXX")"
trap 'rm -rf "$work"' EXIT

step() {
  echo
  echo "[nest11] \$ $*"
  "$@"
}

echo "[nest11] copying the checkout to $work"
tar -C "$root" \
  --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./dist-check \
  --exclude=./sample-app/dist --exclude=./bench/dist --exclude=./coverage \
  --exclude='./.dist-staging-*' --exclude='./consumers/*/node_modules' \
  -cf - . | tar -C "$work" -xf -
cd "$work"

step npm pkg set \
  'devDependencies.@nestjs/common=^11.1.0' \
  'devDependencies.@nestjs/core=^11.1.0' \
  'devDependencies.@nestjs/testing=^11.1.0' \
  'devDependencies.@nestjs/platform-express=^11.1.0' \
  'devDependencies.@nestjs/event-emitter=^3.0.0' \
  'devDependencies.@nestjs/terminus=^11.0.0' \
  'devDependencies.@nestjs/config=^4.0.0'
rm -f package-lock.json
step npm install --no-audit --no-fund --loglevel=error
step npm ls --depth=0 @nestjs/common @nestjs/core @nestjs/testing @nestjs/event-emitter @nestjs/terminus

# The check that matters most: the sources must type-check against Nest 11's declarations.
step npm run typecheck
step npx vitest run \
  --exclude test/sources/file/save-patterns.test.ts \
  --exclude test/sources/file/torn-read.test.ts \
  --exclude test/sources/file/interrupted-write.test.ts \
  --exclude test/sources/etcd/etcd-cluster.test.ts \
  --exclude test/sources/etcd/etcd-outages.test.ts \
  --exclude 'test/sources/etcd/fleet/**' \
  --exclude 'test/cli/**' \
  --exclude test/sample-app/sample-app.http.e2e.test.ts \
  --exclude test/readme-quick-start.test.ts \
  "$@"
