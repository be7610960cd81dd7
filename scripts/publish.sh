#!/usr/bin/env bash
# Builds the four binaries into builds/: envd (NativeAOT, goes into images), wrenn-cp, wrenn-agent and
# wrenn (single-file, framework-dependent), and wrenn-qemu-launch beside wrenn-agent.
set -euo pipefail
cd "$(dirname "$0")/.."

out=builds
staging=builds/.publish
mkdir -p "$out" "$staging"

publish_single() { # project name
  dotnet publish "src/$1" -c Release -r linux-x64 --self-contained false --nologo -v quiet \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
    -o "$staging/$2"
  install -m 0755 "$staging/$2/$2" "$out/$2"
}

# The web console first: wrenn-cp embeds dashboard/dist (without it, /dashboard/ says to run make build).
(cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npx --no-install vite build --logLevel warn)

dotnet publish src/Wrenn.Envd -c Release -r linux-x64 --nologo -v quiet -p:DebugType=none -o "$staging/envd"
install -m 0755 "$staging/envd/envd" "$out/envd"
publish_single Wrenn.ControlPlane wrenn-cp
publish_single Wrenn.Agent wrenn-agent
# QEMU's launcher, built with the agent (src/Wrenn.Agent/Runtimes/Qemu/Native): the agent runs it from beside itself.
install -m 0755 "$staging/wrenn-agent/wrenn-qemu-launch" "$out/wrenn-qemu-launch"
publish_single Wrenn.Cli wrenn
ls -la "$out" | grep -v '^total' | grep -v '\.publish'
