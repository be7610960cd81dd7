#!/usr/bin/env bash
# Runs a command against a throwaway Wrenn platform: `wrenn up --ephemeral` on a temp $WRENN_DIR and
# free loopback ports, reusing the cached base image. The command sees WRENN_API_URL and WRENN_API_KEY
# (and XDG_CONFIG_HOME pointing at the config wrenn up wrote), WRENN_PROXY_URL (the sandbox traffic
# proxy, http://127.0.0.1:PORT), WRENN_PROXY_DOMAIN (sandbox hosts are PORT-ID.$WRENN_PROXY_DOMAIN)
# and WRENN_TEST_PLATFORM_DIR (the platform's $WRENN_DIR, for suites that need its administrator's
# credentials). Everything is removed afterwards, and the command's exit status is this script's; a
# `wrenn up` that stops uncleanly (a child died or hung in its stop: wrenn up exits 1) fails it too.
# With WRENN_TEST_LEAK_CHECK_EACH set (make test sets it), scripts/leak-check.sh runs after the stop.
#
#   scripts/with-platform.sh python3 -m unittest discover -s sdk/python/tests
#
# WRENN_TEST_RUNTIME=qemu runs the platform with the QEMU runtime (default: container).
#
# Needs root, builds/ (make build) and the minimal image (make image).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
builds="${WRENN_TEST_BUILDS:-$repo/builds}"
images="${WRENN_TEST_IMAGES:-${WRENN_DIR:-/var/lib/wrenn}/images}"
[[ $# -gt 0 ]] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
command_line="$*"
[[ -x "$builds/wrenn" ]] || { echo "with-platform: $builds/wrenn missing; run make build" >&2; exit 1; }
[[ -d "$images/minimal" ]] || { echo "with-platform: $images/minimal missing; run make image" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

root="$(mktemp -d /tmp/wrenn-platform-XXXXXX)"
# Sandbox root (an unprivileged host id in its user namespace) must pass through to the bundles.
chmod 711 "$root"
mkdir -p "$root/wrenn-dir"
ln -s "$images" "$root/wrenn-dir/images"
# Guest kernels for WRENN_TEST_RUNTIME=qemu (wrenn image kernel puts them beside the images).
if [[ -d "$(dirname "$images")/kernels" ]]; then ln -s "$(dirname "$images")/kernels" "$root/wrenn-dir/kernels"; fi
cp_port="$(free_port)"
agent_port="$(free_port)"
proxy_port="$(free_port)"
WRENN_PROXY_DOMAIN="localhost:$proxy_port"

XDG_CONFIG_HOME="$root/config" WRENN_SANDBOX_NAMESERVERS=none WRENN_PROXY_DOMAIN="$WRENN_PROXY_DOMAIN" \
  "$builds/wrenn" up --ephemeral --wrenn-dir "$root/wrenn-dir" \
  --listen "127.0.0.1:$cp_port" --host-listen "127.0.0.1:$agent_port" \
  --proxy-listen "127.0.0.1:$proxy_port" --runtime "${WRENN_TEST_RUNTIME:-container}" \
  </dev/null >"$root/up.log" 2>&1 &
up_pid=$!

stop() {
  local status=$? up_status=0
  if kill -0 "$up_pid" 2>/dev/null; then
    kill -TERM "$up_pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  wait "$up_pid" 2>/dev/null || up_status=$?
  # A child that died or hung in its stop skipped its cleanup (wrenn up says which, and exits 1): the
  # run fails here, with the logs, instead of at a leak check suites later.
  if [[ $up_status -ne 0 && $status -eq 0 ]]; then
    echo "with-platform: wrenn up exited with $up_status when stopped; its output and the platform's logs follow" >&2
    cat "$root/up.log" >&2 2>/dev/null || true
    tail -n 50 "$root"/wrenn-dir/logs/* >&2 2>/dev/null || true
    status=1
  fi
  rm -rf "$root"
  # make test sets this: each platform must leave nothing behind, and the failure names the command.
  if [[ -n "${WRENN_TEST_LEAK_CHECK_EACH:-}" && $status -eq 0 ]]; then
    "$repo/scripts/leak-check.sh" "after with-platform $command_line" || status=1
  fi
  exit "$status"
}
trap stop EXIT

for _ in $(seq 1 1200); do
  grep -q '^Wrenn is up' "$root/up.log" 2>/dev/null && break
  if ! kill -0 "$up_pid" 2>/dev/null; then
    echo "with-platform: wrenn up exited before it was ready:" >&2
    cat "$root/up.log" >&2
    cat "$root"/wrenn-dir/logs/* >&2 2>/dev/null || true
    exit 1
  fi
  sleep 0.1
done
grep -q '^Wrenn is up' "$root/up.log" || { echo "with-platform: not ready after 120 s" >&2; cat "$root/up.log" >&2; exit 1; }

config="$root/config/wrenn/config.json"
WRENN_API_URL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$config")"
WRENN_API_KEY="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_key"])' "$config")"
WRENN_PROXY_URL="http://127.0.0.1:$proxy_port"
export WRENN_API_URL WRENN_API_KEY WRENN_PROXY_URL WRENN_PROXY_DOMAIN
export WRENN_TEST_PLATFORM_DIR="$root/wrenn-dir"
export XDG_CONFIG_HOME="$root/config"

status=0
"$@" || status=$?
if [[ $status -ne 0 ]]; then
  echo "with-platform: command failed ($status); platform logs follow" >&2
  tail -n 50 "$root"/wrenn-dir/logs/* >&2 2>/dev/null || true
fi
exit "$status"
