#!/usr/bin/env bash
# Runs the Python SDK's whole suite: unit tests, then the scenario suite against the platform named by
# WRENN_API_URL / WRENN_API_KEY (scripts/with-platform.sh sets them):
#
#   scripts/with-platform.sh sdk/python/run-tests.sh
#
# Standard library only (Python 3.9+); nothing is installed.
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z "${WRENN_API_URL:-}" || -z "${WRENN_API_KEY:-}" ]]; then
  echo "run-tests.sh: WRENN_API_URL and WRENN_API_KEY must be set (run it through scripts/with-platform.sh);" >&2
  echo "run-tests.sh: refusing to run, so that the scenario suite is never skipped silently" >&2
  exit 2
fi
python3 --version
PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v tests.test_unit tests.test_integration
