#!/usr/bin/env bash
# Per-verify cost through the Kotlin bindings: prints `BENCH kotlin static: <µs>` and
# `BENCH kotlin device-bound: <µs>` (median of 21 batches of 500 after warm-up).
# Usage: bench.sh [BINDINGS_DIR] (default build/bindings). Measures, never asserts on time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite=kotlin
source "$here/lib.sh"
jar="$build_dir/bench.jar"
kotlin_compile "$jar" "$test_cp" "$here/Bench.kt"
run_jvm "$jar:$test_cp" bindingtests.BenchKt
