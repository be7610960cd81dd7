#!/usr/bin/env bash
# make soak: long runs that do not belong in make test. Against a throwaway platform
# (scripts/with-platform.sh), it
#   1. streams a 2 GiB file up and down through the API and checks that neither the control plane
#      nor the agent grew with it;
#   2. runs SOAK_CYCLES create → exec → destroy cycles, SOAK_PARALLEL at a time, and compares the
#      agent's and control plane's memory before and after;
# then, on a fleet of three (the multi-host harness of tests/e2e/Wrenn.E2E.Tests/MultiHost: a control
# plane on PostgreSQL and three agents, each in a network namespace of its own on a bridge),
#   3. runs SOAK_MULTIHOST_CYCLES cycles, SOAK_MULTIHOST_PARALLEL at a time, spread over the hosts, cuts
#      one agent's link halfway and restores it, and checks that no sandbox is ever on two hosts and that
#      everything is gone afterwards (docs/multihost-testing.md, "The soak");
# then the leak check runs over the whole machine. Numbers go to bench/results/soak-<time>.json and
# bench/results/soak-multihost-<time>.json. SOAK_PHASES picks phases: "single" (1 and 2), "multihost" (3),
# both by default.
# The single-host agent keeps a warm pool (WRENN_WARM_POOL, default minimal=4): creates claim pooled
# sandboxes while the pool lasts and take the cold path when it is empty, so both run under load.
# It holds the machine-wide sandbox lock (/tmp/wrenn-sandbox-tests.lock) while it runs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export SOAK_CYCLES="${SOAK_CYCLES:-1000}" SOAK_PARALLEL="${SOAK_PARALLEL:-20}" SOAK_FILE_MIB="${SOAK_FILE_MIB:-2048}"
export SOAK_MULTIHOST_CYCLES="${SOAK_MULTIHOST_CYCLES:-300}" SOAK_MULTIHOST_PARALLEL="${SOAK_MULTIHOST_PARALLEL:-6}"
export SOAK_RESULTS="$repo/bench/results"
phases="${SOAK_PHASES:-single multihost}"
mkdir -p "$SOAK_RESULTS"

if [[ -z "${WRENN_SOAK_LOCKED:-}" ]]; then
  # Real sandboxes and agents: one such run on the machine at a time (-o: the daemons do not keep the lock).
  exec env WRENN_SOAK_LOCKED=1 flock -o /tmp/wrenn-sandbox-tests.lock "$0" "$@"
fi

if [[ " $phases " == *" single "* ]]; then
  WRENN_WARM_POOL="${WRENN_WARM_POOL:-minimal=4}" "$repo/scripts/with-platform.sh" python3 "$repo/scripts/soak.py"
fi

if [[ " $phases " == *" multihost "* ]]; then
  # The harness's agents take the environment: no warm pool there, so every sandbox on a host is the soak's.
  env -u WRENN_WARM_POOL WRENN_TEST_BUILDS="${WRENN_TEST_BUILDS:-$repo/builds}" \
    WRENN_TEST_IMAGES="${WRENN_TEST_IMAGES:-${WRENN_DIR:-/var/lib/wrenn}/images}" \
    dotnet test --project "$repo/tests/e2e/Wrenn.E2E.Tests" -c Release -- \
    --filter-class '*MultiHostSoakTests' --explicit only
  cat "$(ls -t "$SOAK_RESULTS"/soak-multihost-*.json | head -1)"; echo
fi

"$repo/scripts/leak-check.sh"
