#!/usr/bin/env bash
# Makes TorchSharp-cpu (libtorch 2.10) load on Debian 12, whose libstdc++ lacks GLIBCXX_3.4.32 (design.md §5).
# Idempotent; safe to run before or after building the bench.
#   1. keeps a patched libLibTorchSharp.so (+ its one-symbol shim) in bench/.libtorch-fix/; the bench project copies
#      them into every build's cpu/ folder, including the projects BenchmarkDotNet generates. TorchSharp tries
#      runtimes/linux-x64/native first, then fills cpu/ with only the files that are missing, so the patch stays;
#   2. patches every cpu/ folder TorchSharp already filled under bench/RnnGen.Bench/bin.
# Uses ../shared/tools/libtorch-glibcxx-fix.sh (shared/ sits beside the repo: X/main and X/shared), or $LIBTORCH_FIX.
# Needs gcc, python3 and patchelf (installed with apt-get when missing and running as root).
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
fix=${LIBTORCH_FIX:-$root/../shared/tools/libtorch-glibcxx-fix.sh}
if [ ! -f "$fix" ]; then
    echo "setup-libtorch: $fix not found (expected shared/ beside the repo, or set LIBTORCH_FIX)" >&2
    exit 2
fi
if ! command -v patchelf >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -q patchelf >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q patchelf >/dev/null; }
    else
        echo "setup-libtorch: patchelf missing (apt-get install -y patchelf)" >&2
        exit 2
    fi
fi

# The TorchSharp package the bench restores (TorchSharp-cpu X pulls TorchSharp X).
version=$(sed -n 's/.*Include="TorchSharp-cpu" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
src="$packages/torchsharp/$version/runtimes/linux-x64/native/libLibTorchSharp.so"
if [ ! -f "$src" ]; then
    dotnet restore "$bench/RnnGen.Bench/RnnGen.Bench.csproj" >/dev/null
fi
[ -f "$src" ] || { echo "setup-libtorch: $src not found after restore" >&2; exit 2; }

# 1. The patched copy the project ships into cpu/.
out="$bench/.libtorch-fix"
mkdir -p "$out"
stamp="$out/source-version"
if [ ! -f "$out/libLibTorchSharp.so" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
    cp "$src" "$out/libLibTorchSharp.so"
    echo "$version" > "$stamp"
fi
# libtorch itself is not in this folder, so the fix's closing "all dependencies found" check fails here by design:
# check only what it patches.
bash "$fix" "$out" 2>/dev/null | grep -v 'not found' || true
if ldd "$out/libLibTorchSharp.so" 2>&1 | grep -q 'GLIBCXX_3.4.32'; then
    echo "setup-libtorch: $out/libLibTorchSharp.so still needs GLIBCXX_3.4.32" >&2
    exit 1
fi

# 2. cpu/ folders already filled by TorchSharp (the build output, BenchmarkDotNet's generated projects).
if [ -d "$bench/RnnGen.Bench/bin" ]; then
    find "$bench/RnnGen.Bench/bin" -path '*/cpu/libLibTorchSharp.so' -print0 |
        while IFS= read -r -d '' lib; do bash "$fix" "$(dirname "$lib")"; done
fi
echo "setup-libtorch: done (rebuild the bench if it was built before this ran for the first time)"
