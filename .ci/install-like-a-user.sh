#!/usr/bin/env bash
# Install RnnGen as a user would: pack it, create a project outside the solution that references the package from a
# local folder feed, declare a custom cell in it, build, train, run; install the rnngen tool from that feed and run it. Then check that a consumer on a C# version too
# old for generated cells gets an error that names the cause.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A version no earlier run used, so NuGet's global cache cannot hand back a stale package.
version="0.2.0-local.$(date +%s)"
dotnet pack runtime/RnnGen.csproj -c Release -o "$work/feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true --nologo -v:q
dotnet pack onnx/RnnGen.Onnx.csproj -c Release -o "$work/feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true --nologo -v:q
dotnet pack cli/RnnGen.Cli -c Release -o "$work/feed" -p:Version="$version" -p:ContinuousIntegrationBuild=true --nologo -v:q
cp -r .ci/consumer "$work/app"
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="rnngen-local" value="$work/feed" />
  </packageSources>
</configuration>
XML
echo "consumer: building and training against RnnGen $version from $work/feed"
dotnet run --project "$work/app" -c Release -p:RnnGenVersion="$version"

expect_error() {  # expect_error CODE MSBUILD-ARGS...: the build must fail and say CODE
    local code=$1; shift
    local log="$work/expect-$code.log"
    if dotnet build "$work/app" -c Release -p:RnnGenVersion="$version" "$@" >"$log" 2>&1; then
        echo "consumer: the build with $* should have failed with $code"; exit 1
    fi
    grep -q "$code" "$log" || { cat "$log"; echo "consumer: the build with $* failed without $code"; exit 1; }
    echo "consumer: $* fails with $code as it should"
}
expect_error RNNPKG001 -p:LangVersion=10
# An AOT publish that names no instruction set gets the package's x86-64-v3 (runs only the targets' own step).
dotnet build "$work/app" -c Release -p:RnnGenVersion="$version" -p:PublishAot=true -r linux-x64 -t:RnnGenAotInstructionSet \
    | grep -q "NativeAOT targets x86-64-v3" || { echo "consumer: the package did not set the AOT instruction set"; exit 1; }
echo "consumer: an AOT publish targets x86-64-v3"
# The CLI as a .NET tool from the same feed.
dotnet tool install RnnGen.Cli --tool-path "$work/tools" --version "$version" --add-source "$work/feed"
"$work/tools/rnngen" explain "h' = tanh(W x + U h + b)" --input 3 --hidden 4 | grep -q "W" || { echo "rnngen explain printed nothing useful"; exit 1; }
"$work/tools/rnngen" train --steps 5 --out "$work/run/model.safetensors"
"$work/tools/rnngen" generate "$work/run/model.safetensors" --length 20 >/dev/null
"$work/tools/rnngen" export "$work/run/model.safetensors" --onnx "$work/run/model.onnx" | grep -q "wrote" || { echo "rnngen export --onnx failed"; exit 1; }
echo "install-like-a-user: OK"
