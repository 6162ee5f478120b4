#!/usr/bin/env bash
# Kotlin binding tests: the card story (StoryTest.kt) and the binding surface of the store database,
# the feed and the news engine (StoresTest.kt, NewsTest.kt; the kit's tests tell those stories),
# compiled with kotlinc against the generated ehk.kt and the shared test support
# (android/kit/src/testFixtures), run on the JVM against the host libehk_ffi.so. The store and news
# tests start `ehk serve`: $EHK_BIN, or BINDINGS_DIR/bin/ehk when it is unset. The activation tests
# (ActivationTest.kt) need the running service of EHK_TEST_SERVICE_FIXTURE (scripts/test-bindings.sh).
# Usage: run.sh [BINDINGS_DIR] (default build/bindings, as written by scripts/bindings.sh).
# Ends with `kotlin: N passed, M failed`; exits non-zero on any failure or missing piece.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite=kotlin
source "$here/lib.sh"
need_ehk_bin
jar="$build_dir/binding-tests.jar"
kotlin_compile "$jar" "$test_cp" "$here/StoryTest.kt" "$here/StoresTest.kt" "$here/NewsTest.kt" "$here/ActivationTest.kt"
run_jvm "$jar:$test_cp" bindingtests.StoryTestKt
