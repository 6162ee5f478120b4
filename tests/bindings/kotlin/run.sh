#!/usr/bin/env bash
# Kotlin binding tests: compiles the generated ehk.kt, StoryTest.kt, StoresTest.kt and NewsTest.kt with kotlinc
# and runs them on the JVM against the host libehk_ffi.so. The store and news tests start `ehk serve`:
# $EHK_BIN, or BINDINGS_DIR/bin/ehk when it is unset. Usage: run.sh [BINDINGS_DIR] (default build/bindings,
# as written by scripts/bindings.sh). Ends with `kotlin: N passed, M failed`; exits non-zero on any
# failure or missing piece.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
EHK_BIN="${EHK_BIN:-$bindings/bin/ehk}"
[ -x "$EHK_BIN" ] || die "ehk binary not found or not executable: $EHK_BIN (set EHK_BIN or run scripts/bindings.sh)"
export EHK_BIN
compile_and_run story-test bindingtests.StoryTestKt \
    "$here/TestRunner.kt" "$here/Fixtures.kt" "$here/StoryTest.kt" "$here/StoresTest.kt" "$here/NewsTest.kt"
