#!/usr/bin/env bash
# Runs the Go SDK's whole suite: go vet, then unit tests and integration tests against the
# platform named by WRENN_API_URL / WRENN_API_KEY (scripts/with-platform.sh sets them):
#
#   scripts/with-platform.sh sdk/go/run-tests.sh
#
# Needs Debian's golang-go (Go 1.19+). Uses the standard library only and never downloads
# anything: the module proxy and toolchain downloads are off, caches live under /tmp.
set -euo pipefail

cd "$(dirname "$0")"

if [[ -z "${WRENN_API_URL:-}" || -z "${WRENN_API_KEY:-}" ]]; then
  echo "run-tests.sh: WRENN_API_URL and WRENN_API_KEY must be set (run it through scripts/with-platform.sh);" >&2
  echo "run-tests.sh: refusing to run, so that integration tests are never skipped silently" >&2
  exit 2
fi
command -v go >/dev/null || { echo "run-tests.sh: go not found; apt-get install -y --no-install-recommends golang-go" >&2; exit 2; }

export GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GO111MODULE=on GOFLAGS=
export GOCACHE="${GOCACHE:-/tmp/wrenn-go-sdk/cache}" GOPATH="${GOPATH:-/tmp/wrenn-go-sdk/gopath}"
export GOMODCACHE="$GOPATH/pkg/mod"

go version
unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then echo "run-tests.sh: not gofmt-formatted: $unformatted" >&2; exit 1; fi
go vet ./...
# WRENN_GO_RACE=1 adds the race detector (needs cgo and gcc; a cold build of it takes a minute,
# too long for make test's budget, so it is off by default).
race=()
if [[ "${WRENN_GO_RACE:-0}" == "1" ]]; then race=(-race); fi
log="$(mktemp /tmp/wrenn-go-sdk-test.XXXXXX)"
trap 'rm -f "$log"' EXIT
# -v so the log shows every test that ran; the integration tests refuse to skip here (see above).
set +e
go test -count=1 -timeout 150s "${race[@]}" -v ./... 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if grep -q -- '--- SKIP' "$log"; then
  echo "run-tests.sh: some tests were skipped:" >&2
  grep -- '--- SKIP' "$log" >&2
  status=1
fi
echo "run-tests.sh: $(grep -cE -- '^\s*--- PASS' "$log" || true) passed, $(grep -cE -- '^\s*--- FAIL' "$log" || true) failed (exit $status)"
exit "$status"
