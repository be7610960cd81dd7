#!/usr/bin/env bash
# Runs the TypeScript SDK's whole suite: npm ci, build (ESM + CJS + .d.ts), unit tests, then the
# scenario suite against the platform named by WRENN_API_URL / WRENN_API_KEY (scripts/with-platform.sh sets them):
#
#   scripts/with-platform.sh sdk/typescript/run-tests.sh
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z "${WRENN_API_URL:-}" || -z "${WRENN_API_KEY:-}" ]]; then
  echo "run-tests.sh: WRENN_API_URL and WRENN_API_KEY must be set (run it through scripts/with-platform.sh);" >&2
  echo "run-tests.sh: refusing to run, so that the scenario suite is never skipped silently" >&2
  exit 2
fi
node --version
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
node --test --test-concurrency=1 test/
