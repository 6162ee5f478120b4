#!/usr/bin/env bash
# Builds the bindings library and generates the Kotlin, Swift and Python bindings
# with the workspace's own uniffi-bindgen. The library is built with the `issuer` feature: the
# binding tests sign their own cards, lists and feeds. (The phone library is built without it:
# `cargo build --release -p ehk-bindings`.) The profile is the test build's (`dev`, which
# scripts/test.sh has already compiled, so nothing is built twice) unless
# EHK_BINDINGS_PROFILE=release (benchmarks). Output (not committed):
#   ${1:-build/bindings}/{kotlin,swift,python}/, lib/libehk_ffi.so, bin/ehk and bin/ehk-server
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"
case "${EHK_BINDINGS_PROFILE:-dev}" in
    dev) profile=(); dir=target/debug ;;
    release) profile=(--release); dir=target/release ;;
    *) echo "EHK_BINDINGS_PROFILE must be dev or release" >&2; exit 2 ;;
esac
# One cargo invocation, so the library, the CLI and the service share one build of every dependency.
cargo build "${profile[@]}" --locked -p ehk-bindings -p ehk -p ehk-server --features ehk-bindings/issuer
lib="$dir/libehk_ffi.so"
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"
# The foreign tests start `ehk serve` to sync from a real feed over loopback, and activate cards
# at an `ehk-server` (scripts/service-fixture.sh with EHK_BIN_DIR=$out/bin).
cp "$dir/ehk" "$dir/ehk-server" "$out/bin/"
for lang in kotlin swift python; do
    "$dir/uniffi-bindgen" generate --library "$lib" --language "$lang" \
        --out-dir "$out/$lang" >/dev/null
done
cp "$lib" "$out/lib/"
cp "$lib" "$out/python/"
# swiftc finds a module map by its conventional name.
mv "$out/swift/EhkCoreFFI.modulemap" "$out/swift/module.modulemap"
echo "bindings in $out: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
