#!/usr/bin/env bash
# Generates the bindings and runs the card story from Python, Kotlin (JVM) and Swift (Linux),
# plus the tests of the Android and iOS shells' platform-independent layers. Each language's
# toolchain is installed and cached by scripts/toolchains/; a missing one fails the run.
# The activation tests of every language and both kits run against one issuer service started
# here (scripts/service-fixture.sh, 15 cards: letters 0-2 for Python, 3-5 for Kotlin, 6-8 for
# Swift, 9-11 for the Android kit, 12-14 for the iOS kit, so no two suites activate the same card),
# named to them by EHK_TEST_SERVICE_FIXTURE; it is stopped when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bindings}"

step() { printf '\n=== %s\n' "$*"; }

step "generate bindings"
scripts/bindings.sh "$out"

# The store tests start `ehk serve` to sync from a real feed on loopback.
EHK_BIN="$(cd "$out/bin" && pwd)/ehk"
export EHK_BIN

step "issuer service for the activation tests"
service_dir="$(mktemp -d)"
trap 'scripts/service-fixture.sh stop "$service_dir"; rm -rf "$service_dir"' EXIT
EHK_TEST_SERVICE_FIXTURE="$(EHK_BIN_DIR="$(dirname "$EHK_BIN")" scripts/service-fixture.sh start "$service_dir" 15)"
export EHK_TEST_SERVICE_FIXTURE
echo "service: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$EHK_TEST_SERVICE_FIXTURE")"

step "Python bindings"
PYTHONPATH="$out/python" python3 tests/bindings/python/test_story.py
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/test_stores.py
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/test_news.py
PYTHONPATH="$out/python:tests/bindings/python" python3 tests/bindings/python/test_activation.py

for runner in tests/bindings/kotlin/run.sh android/jvm-tests.sh tests/bindings/swift/run.sh ios/linux-tests.sh; do
    step "$runner"
    [ -x "$runner" ] || { echo "missing test runner $runner" >&2; exit 1; }
    "$runner" "$out"
done
