#!/usr/bin/env bash
# Per-verify cost through the Kotlin bindings: prints `BENCH kotlin static: <µs>` and
# `BENCH kotlin device-bound: <µs>` (median of 21 batches of 500 after warm-up).
# Usage: bench.sh [BINDINGS_DIR] (default build/bindings). Measures, never asserts on time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
compile_and_run bench bindingtests.BenchKt "$here/Fixtures.kt" "$here/Bench.kt"
