#!/usr/bin/env bash
# Generates the bindings and runs the card story from Python, Kotlin (JVM) and Swift (Linux),
# plus the tests of the Android and iOS shells' platform-independent layers. Each language's
# toolchain is installed and cached by scripts/toolchains/; a missing one fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"

step() { printf '\n=== %s\n' "$*"; }

step "generate bindings"
scripts/bindings.sh "$out"

# The store tests start `ehk serve` to sync from a real feed on loopback.
EHK_BIN="$(cd "$out/bin" && pwd)/ehk"
export EHK_BIN

step "Python bindings"
PYTHONPATH="$out/python" python3 tests/bindings/python/test_story.py
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/test_stores.py
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/test_news.py

for runner in tests/bindings/kotlin/run.sh android/jvm-tests.sh tests/bindings/swift/run.sh ios/linux-tests.sh; do
    step "$runner"
    [ -x "$runner" ] || { echo "missing test runner $runner" >&2; exit 1; }
    "$runner" "$out"
done
