#!/usr/bin/env bash
# NativeAOT: publish the CLI as a package consumer would (the targets pick x86-64-v3; trim and AOT warnings are errors),
# then train a few steps, generate from the checkpoint and export it to ONNX with the native binary.
set -euo pipefail
cd "$(dirname "$0")/.."
# The native linker step needs a C toolchain.
command -v clang >/dev/null || command -v gcc >/dev/null || { apt-get update -qq && apt-get install -y -qq clang >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish cli/RnnGen.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$work/aot" --nologo -v:q
echo "aot: $(du -h "$work/aot/RnnGen.Cli" | cut -f1) native binary"
"$work/aot/RnnGen.Cli" train --steps 20 --out "$work/run/model.safetensors" | tail -n 3
"$work/aot/RnnGen.Cli" generate "$work/run/model.safetensors" --length 40 --seed 1
"$work/aot/RnnGen.Cli" export "$work/run/model.safetensors" --onnx "$work/run/model.onnx"
echo "aot: OK"
