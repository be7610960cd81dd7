#!/usr/bin/env bash
# The four SDKs as packages to install elsewhere, into builds/sdk/ (`make build` runs this):
#   wrenn-VERSION-py3-none-any.whl   pip install builds/sdk/wrenn-*.whl
#   wrenn-sdk-VERSION.tgz            npm install builds/sdk/wrenn-sdk-*.tgz
#   Wrenn.Sdk.VERSION.nupkg          dotnet add package Wrenn.Sdk --source builds/sdk
#   go/ (a module proxy directory)   GOPROXY=file://$PWD/builds/sdk/go go get github.com/wrenn-dev/wrenn/sdk/go@vVERSION
# Offline but for npm ci and NuGet restore: the wheel is built by Debian's pip, setuptools and wheel
# (python3-pip, python3-setuptools, python3-wheel) without build isolation or an index.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
out="$root/builds/sdk"
rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d /tmp/wrenn-sdk-package.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Python: built from a copy, so setuptools' build/ and egg-info never land in the source tree.
cp -r sdk/python "$work/python"
rm -rf "$work/python/tests"
/usr/bin/python3 -m pip wheel --quiet --no-deps --no-index --no-build-isolation --wheel-dir "$out" "$work/python"

# TypeScript: ESM + CJS + .d.ts, packed as npm would publish it (package.json "files": dist).
(cd sdk/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent && npm pack --silent --pack-destination "$out" >/dev/null)

# C#: the NuGet package.
dotnet pack sdk/dotnet/Wrenn.Sdk -c Release --nologo -v quiet -o "$out"

# Go: a directory laid out as a module proxy serves a module (list, .info, .mod, .zip), so `go get`
# takes it through GOPROXY=file://… like any published version.
go_module="$(sed -n 's/^module //p' sdk/go/go.mod)"
# The SDKs share one version; the Python one is the easiest to read.
go_version="v$(sed -n 's/^version = "\(.*\)"/\1/p' sdk/python/pyproject.toml)"
proxy_dir="$out/go/$go_module/@v"
mkdir -p "$proxy_dir"
echo "$go_version" > "$proxy_dir/list"
cp sdk/go/go.mod "$proxy_dir/$go_version.mod"
printf '{"Version":"%s","Time":"%s"}\n' "$go_version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$proxy_dir/$go_version.info"
/usr/bin/python3 - "$root/sdk/go" "$go_module@$go_version" "$proxy_dir/$go_version.zip" <<'PY'
import os, sys, zipfile
source, prefix, target = sys.argv[1:]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for directory, subdirectories, files in os.walk(source):
        subdirectories.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, source)
            archive.write(path, f"{prefix}/{relative}")
PY

ls -la "$out"
