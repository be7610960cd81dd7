#!/usr/bin/env bash
# Installs the Debian packages Wrenn needs, only those that are missing.
#   scripts/install-deps.sh run    what running the platform needs
#   scripts/install-deps.sh build  what building it needs (NativeAOT for envd wants clang and zlib)
#   scripts/install-deps.sh test   both, and what the tests use
set -euo pipefail

# cpio and lz4: `wrenn image kernel` packs the initramfs and unpacks the kernel (Debian's cloud kernel is LZ4).
run_packages=(runc tini debootstrap iproute2 iptables nftables e2fsprogs util-linux procps ca-certificates cpio lz4)
# lxcfs: container sandboxes see their own vCPUs and memory in /proc (docs/runtimes/container.md).
run_packages+=(lxcfs)
# crun: a faster OCI runtime than runc, used when WRENN_OCI_RUNTIME=auto finds it can run here (docs/runtimes/container.md).
run_packages+=(crun)
# python3-pip, -setuptools, -wheel: scripts/package-sdks.sh builds the Python SDK's wheel offline with them.
build_packages=(clang zlib1g-dev python3-pip python3-setuptools python3-wheel)
# postgresql: the control plane suite runs a second time on a throwaway PostgreSQL (scripts/with-postgres.sh).
# chromium: the dashboard's browser tests (Playwright drives Debian's Chromium; it downloads no browser of its own).
# tmux: `wrenn sandbox shell` is tested on a real terminal screen (tmux capture-pane).
test_packages=(chromium curl python3 postgresql golang-go bsdutils qemu-system-x86 qemu-utils busybox-static libcap2-bin tmux)
# systemd: scripts/package-test.sh checks the units with systemd-analyze (no init needed). adduser: the
# package's maintainer scripts add and remove the wrenn user (Debian installs it almost everywhere).
test_packages+=(systemd adduser)

# The VM runtime's programs, when WRENN_RUNTIME asks for it (or "auto" will pick it: /dev/kvm is here and the
# CPU has hardware virtualization; a /dev/kvm without vmx/svm, such as PVM's, runs no ordinary guest);
# its guest kernel is fetched by `wrenn up` itself (wrenn image kernel).
qemu_packages=(qemu-system-x86 qemu-utils)
case "${WRENN_RUNTIME:-auto}" in
  qemu) run_packages+=("${qemu_packages[@]}") ;;
  auto) if [[ -e /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then run_packages+=("${qemu_packages[@]}"); fi ;;
esac

case "${1:-run}" in
  run)   wanted=("${run_packages[@]}") ;;
  build) wanted=("${build_packages[@]}") ;;
  test)  wanted=("${run_packages[@]}" "${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 run|build|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $EUID -ne 0 ]]; then
    echo "install-deps: missing packages ${missing[*]}; run as root (sudo make ...) so they can be installed" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web console (dashboard/) is built with Vite 8, which needs Node.js 20.19+ or 22.12+ and npm; the
# E2B-compatibility tests need Node.js 18+. Debian 12's nodejs package is 18: too old for the build.
if [[ "${1:-run}" != run ]]; then
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: Node.js 20.19+ (or 22.12+) with npm is required to build the dashboard; none is on PATH." >&2
    echo "install-deps: install it from https://nodejs.org or your distribution's backports (Debian 12's nodejs 18 is too old), then run make again" >&2
    exit 1
  fi
  node_version="$(node -p 'process.versions.node')"
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit((a===20&&b>=19)||(a===22&&b>=12)||a>=24||(a===23)?0:1)'; then
    echo "install-deps: the dashboard's build (Vite 8) needs Node.js 20.19+ or 22.12+; found $node_version." >&2
    echo "install-deps: install a newer Node.js from https://nodejs.org, then run make again" >&2
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps: the .NET 10 SDK (dotnet) is not on PATH; install it first" >&2
  exit 1
fi
if ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "install-deps: the .NET 10 SDK is required; found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 1
fi
