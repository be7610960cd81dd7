#!/usr/bin/env bash
# make soak: long runs that do not belong in make test. Against a throwaway platform
# (scripts/with-platform.sh), it
#   1. streams a 2 GiB file up and down through the API and checks that neither the control plane
#      nor the agent grew with it;
#   2. runs SOAK_CYCLES create → exec → destroy cycles, SOAK_PARALLEL at a time, and compares the
#      agent's and control plane's memory before and after;
# then the leak check runs over the whole machine. Numbers go to bench/results/soak-<time>.json.
# The agent keeps a warm pool (WRENN_WARM_POOL, default minimal=4): creates claim pooled sandboxes while
# the pool lasts and take the cold path when it is empty, so both run under load.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export SOAK_CYCLES="${SOAK_CYCLES:-1000}" SOAK_PARALLEL="${SOAK_PARALLEL:-20}" SOAK_FILE_MIB="${SOAK_FILE_MIB:-2048}"
export SOAK_RESULTS="$repo/bench/results"
export WRENN_WARM_POOL="${WRENN_WARM_POOL:-minimal=4}"
mkdir -p "$SOAK_RESULTS"
"$repo/scripts/with-platform.sh" python3 "$repo/scripts/soak.py"
"$repo/scripts/leak-check.sh"
