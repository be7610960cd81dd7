#!/usr/bin/env bash
# Builds builds/wrenn_VERSION_amd64.deb (make package): self-contained wrenn-cp, wrenn-agent and wrenn
# (no .NET on the target: Debian does not package it), envd from builds/, the systemd units and default
# settings from packaging/, and the user documentation. Install it with: apt install ./builds/wrenn_*.deb
# Layout and maintainer scripts: docs/deploy.md, "The package".
#
# Needs builds/envd and dashboard/dist (make build makes both; make package runs it first).
#   scripts/package.sh [VERSION]    default: 0.1.0~git<commit time>.<commit>
set -euo pipefail
cd "$(dirname "$0")/.."

out=builds
work=builds/.package
root="$work/root"
[[ -x "$out/envd" ]] || { echo "package: $out/envd missing; run make build" >&2; exit 1; }
[[ -f dashboard/dist/index.html ]] || { echo "package: dashboard/dist missing (wrenn-cp embeds it); run make build" >&2; exit 1; }

# Newer commits sort higher, so apt treats the next package as an upgrade.
commit_time="$(git log -1 --format=%cd --date=format:%Y%m%d%H%M%S 2>/dev/null || date -u +%Y%m%d%H%M%S)"
commit="$(git rev-parse --short=8 HEAD 2>/dev/null || echo local)"
version="${1:-0.1.0~git${commit_time}.${commit}}"

rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/lib/wrenn" "$root/usr/bin" "$root/usr/sbin" \
  "$root/lib/systemd/system" "$root/etc/wrenn" "$root/usr/share/doc/wrenn/runtimes"

# Self-contained single files. Native libraries (SQLite's) stay beside them instead of being
# extracted at start: the control plane's service may not write anywhere but its state directory.
# Their own intermediate directory, so the framework-dependent builds of scripts/publish.sh are not redone.
publish() { # project name
  dotnet publish "src/$1" -c Release -r linux-x64 --self-contained true --nologo -v quiet \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false -p:DebugType=none \
    --artifacts-path "$work/artifacts" -o "$work/publish/$2"
  install -m 0755 "$work/publish/$2/$2" "$root/usr/lib/wrenn/$2"
  find "$work/publish/$2" -maxdepth 1 -name '*.so' -exec install -m 0644 {} "$root/usr/lib/wrenn/" \;
}
publish Wrenn.ControlPlane wrenn-cp
publish Wrenn.Agent wrenn-agent
install -m 0755 "$work/publish/wrenn-agent/wrenn-qemu-launch" "$root/usr/lib/wrenn/wrenn-qemu-launch"
publish Wrenn.Cli wrenn
install -m 0755 "$out/envd" "$root/usr/lib/wrenn/envd"

# Links, so that each program finds its siblings beside its real path (wrenn up starts wrenn-cp and
# wrenn-agent, wrenn image build puts envd into images).
ln -s ../lib/wrenn/wrenn "$root/usr/bin/wrenn"
ln -s ../lib/wrenn/wrenn-cp "$root/usr/sbin/wrenn-cp"
ln -s ../lib/wrenn/wrenn-agent "$root/usr/sbin/wrenn-agent"

install -m 0644 packaging/systemd/wrenn-cp.service packaging/systemd/wrenn-agent.service "$root/lib/systemd/system/"
# Owners and modes of these are set by postinst (the wrenn group does not exist yet here).
install -m 0600 packaging/etc/wrenn-cp.env packaging/etc/wrenn-agent.env "$root/etc/wrenn/"
install -m 0644 docs/*.md "$root/usr/share/doc/wrenn/"
install -m 0644 docs/runtimes/*.md "$root/usr/share/doc/wrenn/runtimes/"
install -m 0644 README.md "$root/usr/share/doc/wrenn/README.md"

install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
installed_kib="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kib/" packaging/debian/control >"$root/DEBIAN/control"
(cd "$root" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums" "$root/DEBIAN/control"

rm -f "$out"/wrenn_*.deb
deb="$out/wrenn_${version}_amd64.deb"
# gzip, not dpkg-deb's default xz: a few hundred MB of binaries compress in seconds instead of minutes.
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "package: $deb ($(du -h "$deb" | cut -f1); installed $((installed_kib / 1024)) MiB)"
