#!/usr/bin/env bash
# Builds the bindings library (release) and generates the Kotlin, Swift and Python bindings
# with the workspace's own uniffi-bindgen. Output (not committed):
#   ${1:-build/bindings}/{kotlin,swift,python}/, lib/libehk_ffi.so and bin/ehk
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"
cargo build --release --locked -p ehk-bindings --lib --bin uniffi-bindgen
cargo build --release --locked -p ehk --bin ehk
lib=target/release/libehk_ffi.so
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"
# The foreign tests start `ehk serve` to sync from a real feed over loopback.
cp target/release/ehk "$out/bin/"
for lang in kotlin swift python; do
    target/release/uniffi-bindgen generate --library "$lib" --language "$lang" \
        --out-dir "$out/$lang" >/dev/null
done
cp "$lib" "$out/lib/"
cp "$lib" "$out/python/"
# swiftc finds a module map by its conventional name.
mv "$out/swift/EhkCoreFFI.modulemap" "$out/swift/module.modulemap"
echo "bindings in $out: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
