#!/usr/bin/env bash
# Kotlin binding tests: compiles the generated ehk.kt and StoryTest.kt with kotlinc and runs them
# on the JVM against the host libehk_ffi.so. Usage: run.sh [BINDINGS_DIR] (default build/bindings,
# as written by scripts/bindings.sh). Ends with `kotlin: N passed, M failed`; exits non-zero on any
# failure or missing piece.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
compile_and_run story-test bindingtests.StoryTestKt \
    "$here/TestRunner.kt" "$here/Fixtures.kt" "$here/StoryTest.kt"
