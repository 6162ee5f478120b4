#!/usr/bin/env bash
# Builds the bindings library (release) and generates the Kotlin, Swift and Python bindings
# with the workspace's own uniffi-bindgen. Output (not committed):
#   ${1:-build/bindings}/{kotlin,swift,python}/ and lib/libehk_ffi.so
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"
cargo build --release --locked -p ehk-bindings --lib --bin uniffi-bindgen
lib=target/release/libehk_ffi.so
rm -rf "$out"
mkdir -p "$out/lib"
for lang in kotlin swift python; do
    target/release/uniffi-bindgen generate --library "$lib" --language "$lang" \
        --out-dir "$out/$lang" >/dev/null
done
cp "$lib" "$out/lib/"
cp "$lib" "$out/python/"
# swiftc finds a module map by its conventional name.
mv "$out/swift/EhkCoreFFI.modulemap" "$out/swift/module.modulemap"
echo "bindings in $out: $(cd "$out" && find . -type f | sort | tr '\n' ' ')"
