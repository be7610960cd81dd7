#!/usr/bin/env bash
# Fails when anything Wrenn makes is left on this machine: network namespaces, veth/tap links, mounts,
# iptables and ip6tables chains and rules, runc and crun containers, loop devices, cgroups, or processes (envd, the agent,
# the control plane, Firecracker, QEMU, console log rotators). `make test` runs
# it after every suite (scripts/leak-check.sh "after SUITE": the label says which one left it) and at the end.
#
#   scripts/leak-check.sh [LABEL]
set -uo pipefail

label="leak-check${1:+ $1}"

leaks=()
add() { leaks+=("$1"); }

if command -v ip >/dev/null 2>&1; then
  while read -r ns _; do [[ -n "$ns" ]] && add "network namespace $ns"; done < <(ip netns list 2>/dev/null | grep -i wrenn)
  while read -r link; do [[ -n "$link" ]] && add "link $link"; done < <(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -i -E 'wrenn|veth-|tap-')
fi
if command -v iptables-save >/dev/null 2>&1; then
  while read -r rule; do [[ -n "$rule" ]] && add "iptables $rule"; done < <(iptables-save 2>/dev/null | grep -i -E '^(:|-A ).*wrenn' )
fi
if command -v ip6tables-save >/dev/null 2>&1; then
  while read -r rule; do [[ -n "$rule" ]] && add "ip6tables $rule"; done < <(ip6tables-save 2>/dev/null | grep -i -E '^(:|-A ).*wrenn' )
fi
while read -r mount; do [[ -n "$mount" ]] && add "mount $mount"; done < <(awk '{print $2}' /proc/mounts | grep -i wrenn)
if command -v runc >/dev/null 2>&1; then
  while read -r container; do [[ -n "$container" ]] && add "runc container $container"; done < <(runc list -q 2>/dev/null)
fi
if command -v crun >/dev/null 2>&1; then
  while read -r container; do [[ -n "$container" ]] && add "crun container $container"; done < <(crun list -q 2>/dev/null)
fi
# Agents sharing a machine keep their containers' state in a directory of their own (WRENN_OCI_STATE_DIR;
# docs/multihost-testing.md puts it under /run with "wrenn" in its path): a container left there is as much a
# leftover as one runc or crun lists from its default directory (skipped here: listed above). runc keeps a
# container's state in <dir>/<id>/state.json, crun in <dir>/<id>/status (container ids are wrenn-<sandbox>).
while read -r state; do [[ -n "$state" ]] && add "OCI container ${state%/*}"; done < <(find /run -maxdepth 6 \( -name state.json -path '*wrenn*' -o -name status -path '*/wrenn-*/status' \) -not -path '/run/runc/*' -not -path '/run/crun/*' 2>/dev/null)
while read -r loop; do [[ -n "$loop" ]] && add "loop device $loop"; done < <(losetup -a 2>/dev/null | grep -i wrenn)
# runc's /wrenn/<id> and the qemu runtime's /wrenn-qemu/<id> (one per VM, in every hierarchy on v1, at
# the root on v2): any group under a *wrenn* parent is a leftover, and so is a parent with processes
# in it. An empty parent is not: it is where sandboxes go, runc never removes it, and `wrenn up
# --ephemeral` removes it on stop (docs/cli.md says what stays).
for hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*/; do
  for parent in "${hierarchy%/}"/*wrenn*/; do
    [[ -d "$parent" ]] || continue
    while read -r group; do [[ -n "$group" ]] && add "cgroup $group"; done < <(find "$parent" -mindepth 1 -maxdepth 2 -type d 2>/dev/null)
    if [[ -s "${parent}cgroup.procs" ]]; then add "cgroup ${parent%/} (holds processes)"; fi
  done
done
for name in envd wrenn-agent wrenn-cp firecracker; do
  while read -r pid; do [[ -n "$pid" ]] && add "process $name (pid $pid)"; done < <(pgrep -x "$name" 2>/dev/null)
done
# Console log rotators (a shell whose $0 is console-log: ConsoleLog.RotatorScript) end as soon as their console's last
# writer closes, a sandbox's or a prepared disk's: one still running belongs to something left behind. A sandbox just
# removed may still have one finishing, so a second look follows a first that found any.
rotators() { pgrep -f -- ' console-log ' 2>/dev/null; }
if [[ -n "$(rotators)" ]]; then sleep 2; fi
while read -r pid; do [[ -n "$pid" ]] && add "process console log rotator (pid $pid)"; done < <(rotators)
# QEMU's process name is cut to 15 characters; Wrenn's VMs carry "-name wrenn-<sandbox id>".
while read -r pid; do [[ -n "$pid" ]] && add "process qemu (pid $pid)"; done < <(pgrep -f 'qemu-system-x86_64 -name wrenn-' 2>/dev/null)

if ((${#leaks[@]} > 0)); then
  echo "$label: FAILED, left on this machine:" >&2
  printf '  %s\n' "${leaks[@]}" >&2
  exit 1
fi
echo "$label: nothing left behind"
