#!/usr/bin/env bash
# Compiles the platform-independent `kit` module (android/kit/src/main/kotlin) and its tests
# (android/kit/src/test/kotlin, with the shared test support in kit/src/testFixtures/kotlin) with
# kotlinc against the generated UniFFI Kotlin bindings, and runs the tests on the JVM against the
# host libehk_ffi.so. No Android SDK or Gradle needed. The set-up (toolchain, the compiled bindings
# and test support, cached beside the bindings dir and shared with tests/bindings/kotlin/run.sh) is
# tests/bindings/kotlin/lib.sh.
# Usage: android/jvm-tests.sh [BINDINGS_DIR]   (default build/bindings, from scripts/bindings.sh)
# The store/feed tests start `ehk serve`: $EHK_BIN, or BINDINGS_DIR/bin/ehk when it is unset.
# Ends with `android-kit: N passed, M failed`; exits non-zero on any failure or missing piece.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite=android-kit
source "$here/../tests/bindings/kotlin/lib.sh"
need_ehk_bin

mapfile -t main_sources < <(find "$here/kit/src/main/kotlin" -name '*.kt' | sort)
mapfile -t test_sources < <(find "$here/kit/src/test/kotlin" -name '*.kt' | sort)
[ "${#main_sources[@]}" -gt 0 ] || die "no sources in kit/src/main/kotlin"
[ "${#test_sources[@]}" -gt 0 ] || die "no tests in kit/src/test/kotlin"

# kit itself must not touch android.*: it is the JVM-testable layer.
if grep -nE '^import (android|androidx)\.' "${main_sources[@]}"; then
    die "kit/src/main must not import android.* or androidx.*"
fi

kit_jar="$build_dir/kit.jar"
tests_jar="$build_dir/kit-tests.jar"
kotlin_compile "$kit_jar" "$bindings_jar:$JNA_JAR:$KOTLINX_COROUTINES_JAR" "${main_sources[@]}"
kotlin_compile "$tests_jar" "$kit_jar:$test_cp" "${test_sources[@]}"
run_jvm "$tests_jar:$kit_jar:$test_cp" de.ehrenamtskarte.kit.KitTestsKt
