#!/usr/bin/env bash
# Installs builds/wrenn_*.deb (make package) with apt, checks what it put where, runs the installed
# binaries from their installed paths the way the systemd units would (there is no init to run the units
# here: the control plane as the wrenn user with no capabilities, no new privileges and a read-only root
# file system but for its state directory and /tmp; the agent as root under the unit's capability
# bounding set), registers the agent, checks /health, makes a sandbox and runs a command in it, stops
# both by PID, purges the package and checks that nothing of it is left. It purges on failure too.
#
#   scripts/package-test.sh      (make package first; make test runs both)
#
# The agent's part runs under the machine-wide sandbox lock (/tmp/wrenn-sandbox-tests.lock): the script
# takes it just before starting the agent and lets go once the agent has stopped, unless an ancestor
# (`flock -o ... make test`) holds it already. Needs root, the .deb and the minimal image
# (WRENN_TEST_IMAGES, default /var/lib/wrenn/images). Refuses to run where the package, /etc/wrenn or a
# wrenn user already exist: it would remove an operator's installation.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
lock=/tmp/wrenn-sandbox-tests.lock

# Held by an ancestor? /proc/locks names the holder's PID and the file's inode.
lock_held_by_ancestor() {
  [[ -e "$lock" ]] || return 1
  local inode pid
  inode="$(stat -c %i "$lock")"
  pid=$$
  local holders
  holders="$(awk -v inode="$inode" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == inode) print $5 }' /proc/locks)"
  while [[ "$pid" -gt 1 ]]; do
    if grep -qx "$pid" <<<"$holders"; then return 0; fi
    pid="$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 1)"
    [[ -n "$pid" ]] || pid=1
  done
  return 1
}
[[ $EUID -eq 0 ]] || { echo "package-test: needs root (it installs a package)" >&2; exit 1; }
shopt -s nullglob
debs=("$repo"/builds/wrenn_*_amd64.deb)
shopt -u nullglob
[[ ${#debs[@]} -eq 1 ]] || { echo "package-test: expected one builds/wrenn_*_amd64.deb, found ${#debs[@]}; run make package" >&2; exit 1; }
deb="${debs[0]}"
images="${WRENN_TEST_IMAGES:-/var/lib/wrenn/images}"
[[ -d "$images/minimal" ]] || { echo "package-test: $images/minimal missing; run make image" >&2; exit 1; }

if dpkg-query -W -f='${Status}' wrenn 2>/dev/null | grep -qv '^unknown\|not-installed'; then
  echo "package-test: the wrenn package is already on this machine ($(dpkg-query -W -f='${Status}' wrenn)); not touching it" >&2
  exit 1
fi
for taken in /etc/wrenn /usr/lib/wrenn /var/lib/wrenn-cp; do
  [[ ! -e "$taken" ]] || { echo "package-test: $taken exists; not touching it" >&2; exit 1; }
done
if getent passwd wrenn >/dev/null || getent group wrenn >/dev/null; then
  echo "package-test: a wrenn user or group exists; not touching it" >&2
  exit 1
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
step() { echo "package-test: $*"; }

work="$(mktemp -d /tmp/pkgtest-XXXXXX)"
# Sandbox root (an unprivileged host id in its user namespace) must pass through to the bundles.
chmod 711 "$work"
cp_pid=""
agent_pid=""

stop_pid() { # pid seconds
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $(($2 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "package-test: pid $pid did not stop in $2 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  stop_pid "$cp_pid" 30
  stop_pid "$agent_pid" 120
  if [[ $status -ne 0 ]]; then
    for log in "$work"/*.log; do echo "--- $log (last 40 lines)" >&2; tail -n 40 "$log" >&2 || true; done
  fi
  if dpkg-query -W -f='${Status}' wrenn 2>/dev/null | grep -qv 'not-installed'; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 wrenn >/dev/null 2>&1 \
      || dpkg --purge wrenn >/dev/null 2>&1 || echo "package-test: could not purge wrenn" >&2
  fi
  rm -rf --one-file-system "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- install -------------------------------------------------------------------------------------
step "installing $(basename "$deb")"
# Every dependency must be here already (scripts/install-deps.sh): apt would fetch anything else.
others="$(apt-get install -s --no-install-recommends "$deb" 2>/dev/null | awk '$1 == "Inst" && $2 != "wrenn" {print $2}' | tr '\n' ' ')"
[[ -z "$others" ]] || fail "apt would install more than wrenn: ${others}(run scripts/install-deps.sh test)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o DPkg::Lock::Timeout=120 "$deb" >"$work/apt-install.log" 2>&1 || { cat "$work/apt-install.log" >&2; fail "apt-get install $deb"; }
dpkg-query -W -f='${Status}' wrenn | grep -q 'install ok installed' || fail "dpkg does not list wrenn as installed"

for path in /usr/lib/wrenn/wrenn-cp /usr/lib/wrenn/wrenn-agent /usr/lib/wrenn/wrenn-qemu-launch /usr/lib/wrenn/wrenn /usr/lib/wrenn/envd \
            /usr/sbin/wrenn-cp /usr/sbin/wrenn-agent /usr/bin/wrenn; do
  [[ -x "$path" ]] || fail "$path is not installed or not executable"
done
for path in /lib/systemd/system/wrenn-cp.service /lib/systemd/system/wrenn-agent.service \
            /usr/share/doc/wrenn/deploy.md /usr/share/doc/wrenn/configuration.md; do
  [[ -f "$path" ]] || fail "$path is not installed"
done
getent passwd wrenn >/dev/null || fail "postinst made no wrenn user"
[[ "$(stat -c '%a %U:%G' /etc/wrenn/wrenn-cp.env)" == "640 root:wrenn" ]] || fail "/etc/wrenn/wrenn-cp.env is $(stat -c '%a %U:%G' /etc/wrenn/wrenn-cp.env), not 640 root:wrenn"
[[ "$(stat -c '%a %U:%G' /etc/wrenn/wrenn-agent.env)" == "600 root:root" ]] || fail "/etc/wrenn/wrenn-agent.env is $(stat -c '%a %U:%G' /etc/wrenn/wrenn-agent.env), not 600 root:root"
[[ "$(dpkg-query -W -f='${Conffiles}' wrenn | awk 'NF {print $1}' | sort | tr '\n' ' ')" == "/etc/wrenn/wrenn-agent.env /etc/wrenn/wrenn-cp.env " ]] \
  || fail "conffiles are not the two env files: $(dpkg-query -W -f='${Conffiles}' wrenn)"
# Self-contained: no .NET runtime on PATH or in DOTNET_ROOT is needed.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/bin/wrenn --help >"$work/wrenn-help.log" 2>&1 || fail "/usr/bin/wrenn --help failed without a .NET runtime in its environment"
grep -q 'wrenn' "$work/wrenn-help.log" || fail "/usr/bin/wrenn --help printed nothing useful"

# --- the units -------------------------------------------------------------------------------------
step "systemd-analyze verify"
for unit in wrenn-cp wrenn-agent; do
  # verify exits 0 on warnings too: any line about our unit is a finding.
  if ! SYSTEMD_LOG_COLOR=0 systemd-analyze verify "/lib/systemd/system/$unit.service" >"$work/verify-$unit.log" 2>&1 \
     || grep -q "$unit" "$work/verify-$unit.log"; then
    cat "$work/verify-$unit.log" >&2
    fail "systemd-analyze verify $unit.service"
  fi
done
# The control plane's exposure as systemd scores it (0 = locked down, 10 = unprotected); 2.5 is "OK".
SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=true --threshold=25 --no-pager /lib/systemd/system/wrenn-cp.service \
  >"$work/security-wrenn-cp.log" 2>&1 || { tail -n 5 "$work/security-wrenn-cp.log" >&2; fail "wrenn-cp.service is exposed beyond 2.5 by systemd-analyze security"; }
step "systemd-analyze security: $(grep -o 'Overall exposure level.*' "$work/security-wrenn-cp.log" | sed 's/\x1b\[[0-9;]*m//g')"

# --- run the installed binaries ---------------------------------------------------------------------
cp_port="$(free_port)"; proxy_port="$(free_port)"; agent_port="$(free_port)"
api="http://127.0.0.1:$cp_port"
mkdir -p "$work/cp-state" "$work/cp-tmp" "$work/agent"
chown wrenn:wrenn "$work/cp-state" "$work/cp-tmp"
chmod 700 "$work/cp-state" "$work/cp-tmp"
ln -s "$images" "$work/agent/images"

step "starting /usr/sbin/wrenn-cp as wrenn on $api"
# As wrenn-cp.service runs it: systemd's clean environment for User=wrenn, the installed settings file
# (the variables set here win over it, as they would from the unit's Environment=), no capabilities, no
# new privileges, and the whole file system read-only but its state directory and a temp directory
# (ProtectSystem=strict, StateDirectory=, PrivateTmp=: TMPDIR stands in for the private /tmp).
# unshare and setpriv exec: the PID is the control plane's.
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent USER=wrenn LOGNAME=wrenn \
  TMPDIR="$work/cp-tmp" WRENN_DIR="$work/cp-state" WRENN_CP_LISTEN_ADDR="127.0.0.1:$cp_port" \
  WRENN_PROXY_LISTEN_ADDR="127.0.0.1:$proxy_port" WRENN_CP_METRICS_LISTEN_ADDR=off WRENN_HEARTBEAT_INTERVAL_SEC=2 \
  unshare --mount --propagation private -- sh -c '
    for rw in "$1" "$2"; do mount --bind "$rw" "$rw" || exit 97; done
    mount -o remount,bind,ro / || exit 97
    exec setpriv --reuid=wrenn --regid=wrenn --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all \
      -- /usr/sbin/wrenn-cp --env-file /etc/wrenn/wrenn-cp.env' sh "$work/cp-state" "$work/cp-tmp" \
  </dev/null >"$work/wrenn-cp.log" 2>&1 &
cp_pid=$!

credentials=""
for _ in $(seq 1 900); do
  kill -0 "$cp_pid" 2>/dev/null || fail "wrenn-cp exited while starting"
  shopt -s nullglob; found=("$work"/cp-state/admin-credentials.*.json); shopt -u nullglob
  if [[ ${#found[@]} -gt 0 ]] && curl -s -o /dev/null "$api/health"; then credentials="${found[0]}"; break; fi
  sleep 0.1
done
[[ -n "$credentials" ]] || fail "wrenn-cp did not answer and write its administrator's credentials within 90 s"
[[ "$(stat -c %U "$work/cp-state/wrenn.db")" == wrenn ]] || fail "the database is not the wrenn user's"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$credentials" "$1"; }
session="$(curl -sf -X POST "$api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$(field email)\", \"password\": \"$(field password)\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')" \
  || fail "could not log in as the first administrator"
token="$(curl -sf -X POST "$api/v1/hosts" -H "Authorization: Bearer $session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["registration_token"])')" \
  || fail "could not get a host registration token"

# The control plane runs as its unit would: it answers, as the wrenn user, and made its database.
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/health")" == 503 ]] || fail "GET /health before any host joined is not 503"
step "wrenn-cp answers as user wrenn (GET /health: 503 until a host joins)"

# From here on an agent runs: sandbox tests must not overlap (the lock's holder is an ancestor under make test).
if ! lock_held_by_ancestor; then
  step "waiting for the sandbox lock ($lock)"
  exec 9>>"$lock"
  flock 9
fi

# The unit's CapabilityBoundingSet=, as setpriv's argument: the agent gets exactly what its unit allows.
caps="$(sed -n 's/^CapabilityBoundingSet=//p' /lib/systemd/system/wrenn-agent.service)"
[[ -n "$caps" ]] || fail "wrenn-agent.service has no CapabilityBoundingSet="
bounding="-all$(for c in $caps; do printf ',+%s' "$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done)"

step "starting /usr/sbin/wrenn-agent (bounding set: $caps)"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root LOGNAME=root \
WRENN_DIR="$work/agent" WRENN_HOST_LISTEN_ADDR="127.0.0.1:$agent_port" WRENN_RUNTIME=container \
WRENN_PREPARED_SLOTS=0 WRENN_PREPARED_DISKS=0 WRENN_LXCFS=off WRENN_SANDBOX_NAMESERVERS=none \
WRENN_AGENT_METRICS_LISTEN_ADDR=off \
  setpriv --bounding-set="$bounding" --inh-caps=-all -- \
  /usr/sbin/wrenn-agent --env-file /etc/wrenn/wrenn-agent.env --destroy-on-stop \
    --register "$token" --address "127.0.0.1:$agent_port" --cp-url "$api" \
  </dev/null >"$work/wrenn-agent.log" 2>&1 9>&- &
agent_pid=$!

healthy=""
for _ in $(seq 1 900); do
  kill -0 "$agent_pid" 2>/dev/null || fail "wrenn-agent exited while starting"
  kill -0 "$cp_pid" 2>/dev/null || fail "wrenn-cp exited"
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$api/health")" == 200 ]]; then healthy=1; break; fi
  sleep 0.1
done
[[ -n "$healthy" ]] || fail "GET /health did not answer 200 within 90 s of the agent's start"
step "GET /health: 200 (control plane and registered agent)"

key="$(field api_key)"
sandbox="$(curl -sf -X POST "$api/v1/sandboxes" -H "X-API-Key: $key" -H 'Content-Type: application/json' -d '{}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" || fail "could not create a sandbox"
output="$(curl -sf -X POST "$api/v1/sandboxes/$sandbox/exec" -H "X-API-Key: $key" -H 'Content-Type: application/json' \
  -d '{"cmd": "echo installed-$((6*7))"}' | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["exit_code"], r["stdout"].strip())')" \
  || fail "exec in sandbox $sandbox failed"
[[ "$output" == "0 installed-42" ]] || fail "exec in sandbox $sandbox printed '$output', not '0 installed-42'"
curl -sf -o /dev/null -X DELETE "$api/v1/sandboxes/$sandbox" -H "X-API-Key: $key" || fail "could not delete sandbox $sandbox"
step "sandbox $sandbox: exec printed installed-42, deleted"

step "stopping wrenn-cp (pid $cp_pid) and wrenn-agent (pid $agent_pid)"
stop_pid "$cp_pid" 30; cp_pid=""
stop_pid "$agent_pid" 120; agent_pid=""
exec 9>&-

# --- purge -------------------------------------------------------------------------------------------
step "purging"
files="$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^/*$')"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 wrenn >"$work/apt-purge.log" 2>&1 \
  || { cat "$work/apt-purge.log" >&2; fail "apt-get purge wrenn"; }
left=()
if dpkg-query -W -f='${Status}' wrenn 2>/dev/null | grep -qv 'not-installed'; then left+=("dpkg status: $(dpkg-query -W -f='${Status}' wrenn)"); fi
# Directories the package shares with others (/usr/bin, /etc, ...) stay; anything of its own must go.
while read -r path; do
  case "$path" in /usr|/usr/bin|/usr/sbin|/usr/lib|/usr/share|/usr/share/doc|/lib|/lib/systemd|/lib/systemd/system|/etc) continue ;; esac
  [[ -e "$path" || -L "$path" ]] && left+=("$path")
done <<<"$files"
for path in /etc/wrenn /usr/lib/wrenn /usr/share/doc/wrenn /var/lib/wrenn-cp /var/lib/dpkg/info/wrenn.list; do
  [[ -e "$path" ]] && left+=("$path")
done
getent passwd wrenn >/dev/null && left+=("user wrenn")
getent group wrenn >/dev/null && left+=("group wrenn")
for exe in /proc/[0-9]*/exe; do
  target="$(readlink "$exe" 2>/dev/null || true)"
  [[ "$target" == /usr/lib/wrenn/* ]] && left+=("process ${exe#/proc/} running $target")
done
if [[ ${#left[@]} -gt 0 ]]; then
  printf 'package-test: left after purge: %s\n' "${left[@]}" >&2
  fail "the purge left ${#left[@]} thing(s) behind"
fi
step "OK: installed, ran, purged; nothing left ($(echo "$files" | wc -l) paths checked)"
