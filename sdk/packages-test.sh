#!/usr/bin/env bash
# Installs each package `make build` put in builds/sdk/ into a scratch project outside this repository
# and uses it once against the platform named by WRENN_API_URL / WRENN_API_KEY:
#
#   scripts/with-platform.sh sdk/packages-test.sh
#
# Each one creates a sandbox, runs `echo`, checks the output and kills the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
packages="$root/builds/sdk"
if [[ -z "${WRENN_API_URL:-}" || -z "${WRENN_API_KEY:-}" ]]; then
  echo "packages-test.sh: WRENN_API_URL and WRENN_API_KEY must be set (run it through scripts/with-platform.sh)" >&2
  exit 2
fi
[[ -d "$packages" ]] || { echo "packages-test.sh: no $packages; run make build" >&2; exit 2; }
work="$(mktemp -d /tmp/wrenn-sdk-packages.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "=== Python wheel"
/usr/bin/python3 -m pip install --quiet --root-user-action=ignore --no-deps --no-index --target "$work/python" "$packages"/wrenn-*.whl
(cd "$work" && PYTHONPATH="$work/python" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 - <<'PY'
import wrenn
from wrenn import Sandbox
assert wrenn.__file__.startswith(__import__("os").environ["PYTHONPATH"]), wrenn.__file__
with Sandbox.create() as sb:
    out = sb.commands.run("echo from-the-wheel").stdout
assert out == "from-the-wheel\n", repr(out)
print("python wheel: ok")
PY
)

echo "=== npm tarball"
mkdir -p "$work/js"
(cd "$work/js" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "$packages"/wrenn-sdk-*.tgz >/dev/null \
  && node --input-type=module -e "
import { Sandbox } from '@wrenn/sdk';
const sb = await Sandbox.create();
try {
  const out = (await sb.commands.run('echo from-the-tarball')).stdout;
  if (out !== 'from-the-tarball\n') { throw new Error('unexpected output: ' + JSON.stringify(out)); }
} finally { await sb.kill(); }
console.log('npm tarball: ok');
")

echo "=== NuGet package"
# A rebuilt package keeps its version: drop the cached copy so this one is what gets restored.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/wrenn.sdk"
mkdir -p "$work/cs"
cat > "$work/cs/smoke.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <!-- The package must be usable without a warning (it once carried a Linux-only mark: CA1416 on every call). -->
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
</Project>
XML
cat > "$work/cs/Program.cs" <<'CS'
using Wrenn.Sdk;

using var client = new WrennClient();
await using var sandbox = await client.CreateSandboxAsync();
var output = (await sandbox.Commands.RunAsync("echo from-the-nupkg")).Stdout;
if (output != "from-the-nupkg\n")
{
    throw new InvalidOperationException("unexpected output: " + output);
}

Console.WriteLine("nuget package: ok");
CS
# builds/sdk beside the sources this machine already uses (Wrenn.Sdk's own dependencies come from there).
cat > "$work/cs/nuget.config" <<XML
<configuration>
  <packageSources>
    <add key="wrenn-builds" value="$packages" />
  </packageSources>
</configuration>
XML
(cd "$work/cs" && dotnet add package Wrenn.Sdk --version "$(basename "$packages"/Wrenn.Sdk.*.nupkg .nupkg | sed 's/^Wrenn\.Sdk\.//')" >/dev/null && dotnet run -c Release --nologo -v quiet)

echo "=== Go module"
mkdir -p "$work/go"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod GOSUMDB=off GOPROXY="file://$packages/go"
export GOCACHE="$work/go-cache" GOPATH="$work/gopath" GOMODCACHE="$work/gopath/pkg/mod"
module="$(sed -n 's/^module //p' sdk/go/go.mod)"
cat > "$work/go/main.go" <<GO
package main

import (
	"context"
	"fmt"

	wrenn "$module"
)

func main() {
	ctx := context.Background()
	client, err := wrenn.NewClient()
	if err != nil {
		panic(err)
	}
	sb, err := client.CreateSandbox(ctx, wrenn.CreateOptions{})
	if err != nil {
		panic(err)
	}
	defer sb.Close()
	res, err := sb.Commands.Run(ctx, "echo from-the-module", wrenn.RunOptions{})
	if err != nil {
		panic(err)
	}
	if res.Stdout != "from-the-module\n" {
		panic("unexpected output: " + res.Stdout)
	}
	fmt.Println("go module: ok")
}
GO
version="$(cat "$packages/go/$module/@v/list")"
(cd "$work/go" && go mod init smoke >/dev/null 2>&1 && go get "$module@$version" && go run .)
