#!/usr/bin/env bash
# Runs the C# SDK's whole suite: unit tests (no platform) and the scenario suite against the platform
# named by WRENN_API_URL / WRENN_API_KEY (scripts/with-platform.sh sets them):
#
#   scripts/with-platform.sh sdk/dotnet/run-tests.sh
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z "${WRENN_API_URL:-}" || -z "${WRENN_API_KEY:-}" ]]; then
  echo "run-tests.sh: WRENN_API_URL and WRENN_API_KEY must be set (run it through scripts/with-platform.sh);" >&2
  echo "run-tests.sh: refusing to run, so that the scenario suite is never skipped silently" >&2
  exit 2
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test --project Wrenn.Sdk.Tests -c Release 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
passed="$(sed -n 's/^ *succeeded: *\([0-9]*\).*/\1/p' "$log" | tail -1)"
failed="$(sed -n 's/^ *failed: *\([0-9]*\).*/\1/p' "$log" | tail -1)"
echo "dotnet: ${passed:-0} passed, ${failed:-0} failed"
if [[ $rc -eq 0 && -z "$passed" ]]; then echo "run-tests.sh: no tests ran" >&2; exit 1; fi
exit "$rc"
