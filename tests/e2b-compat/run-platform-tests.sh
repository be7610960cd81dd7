#!/usr/bin/env bash
# E2B's unmodified JavaScript SDK (the newest 2.x and 2.50.0, pinned in package-lock.json) against a
# real Wrenn platform: E2B's REST routes, envd through the traffic proxy, proxied sandbox ports,
# lifecycle. Run it through scripts/with-platform.sh, which sets what it needs:
#
#   flock /tmp/wrenn-sandbox-tests.lock scripts/with-platform.sh tests/e2b-compat/run-platform-tests.sh
#
# Extra arguments go to node --test (e.g. --test-name-pattern=proxy).
set -euo pipefail
cd "$(dirname "$0")"
for name in WRENN_API_URL WRENN_API_KEY WRENN_PROXY_URL WRENN_TEST_PLATFORM_DIR; do
  if [[ -z "${!name:-}" ]]; then
    echo "run-platform-tests.sh: $name is not set (run it through scripts/with-platform.sh);" >&2
    echo "run-platform-tests.sh: refusing to run, so that the suite is never skipped silently" >&2
    exit 2
  fi
done
npm ci --no-audit --no-fund --loglevel=error
# One file at a time (sandboxes are created in parallel only within a file, a few at once).
node --test --test-concurrency=1 --test-reporter=spec "$@" platform/
