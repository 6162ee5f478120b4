#!/usr/bin/env bash
# Compiles the platform-independent `kit` module (android/kit/src/main/kotlin) and its tests
# (android/kit/src/test/kotlin) with kotlinc against the generated UniFFI Kotlin bindings, and runs
# the tests on the JVM against the host libehk_ffi.so. No Android SDK or Gradle needed.
# Usage: android/jvm-tests.sh [BINDINGS_DIR]   (default build/bindings, from scripts/bindings.sh)
# The store/feed tests start `ehk serve`: $EHK_BIN, or BINDINGS_DIR/bin/ehk when it is unset.
# Ends with `android-kit: N passed, M failed`; exits non-zero on any failure or missing piece.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
die() { echo "android-kit: $*" >&2; exit 1; }

bindings="${1:-$repo/build/bindings}"
[ -d "$bindings" ] || die "bindings dir '$bindings' not found (run scripts/bindings.sh first)"
bindings="$(cd "$bindings" && pwd)"
kt_src="$bindings/kotlin/de/ehrenamtskarte/core/ehk.kt"
lib_dir="$bindings/lib"
[ -f "$kt_src" ] || die "generated Kotlin bindings missing: $kt_src"
[ -f "$lib_dir/libehk_ffi.so" ] || die "native library missing: $lib_dir/libehk_ffi.so"
EHK_BIN="${EHK_BIN:-$bindings/bin/ehk}"
[ -x "$EHK_BIN" ] || die "ehk binary not found or not executable: $EHK_BIN (set EHK_BIN or run scripts/bindings.sh)"
export EHK_BIN

eval "$(bash "$repo/scripts/toolchains/kotlin.sh" --print-env)" || die "scripts/toolchains/kotlin.sh failed"
for v in KOTLINC JNA_JAR KOTLIN_TEST_JAR KOTLIN_STDLIB_JAR KOTLINX_COROUTINES_JAR; do
    [ -e "${!v:-}" ] || die "toolchain: $v='${!v:-}' does not exist"
done
command -v java >/dev/null || die "java not found"

# Outside the source tree, beside the bindings dir (build/ is git-ignored).
build_dir="$(dirname "$bindings")/android-kit-build"
mkdir -p "$build_dir"

# The generated bindings take kotlinc a while; compile them once per content.
stamp="$( (sha256sum "$kt_src"; echo "$KOTLINC") | sha256sum | cut -c1-16)"
bindings_jar="$build_dir/ehk-bindings-$stamp.jar"
if [ ! -f "$bindings_jar" ]; then
    echo "android-kit: compiling the generated bindings ($kt_src)" >&2
    rm -f "$build_dir"/ehk-bindings-*.jar
    "$KOTLINC" -nowarn -jvm-target 17 -cp "$JNA_JAR" -d "$bindings_jar.tmp.jar" "$kt_src" \
        || die "kotlinc failed on the generated bindings"
    mv "$bindings_jar.tmp.jar" "$bindings_jar"
fi

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
rm -f "$kit_jar" "$tests_jar"
"$KOTLINC" -jvm-target 17 -Werror -cp "$bindings_jar:$JNA_JAR:$KOTLINX_COROUTINES_JAR" \
    -d "$kit_jar" "${main_sources[@]}" || die "kotlinc failed on kit/src/main"
"$KOTLINC" -jvm-target 17 -Werror -cp "$kit_jar:$bindings_jar:$JNA_JAR:$KOTLINX_COROUTINES_JAR:$KOTLIN_TEST_JAR" \
    -d "$tests_jar" "${test_sources[@]}" || die "kotlinc failed on kit/src/test"

exec java -Djna.library.path="$lib_dir" \
    -cp "$tests_jar:$kit_jar:$bindings_jar:$JNA_JAR:$KOTLINX_COROUTINES_JAR:$KOTLIN_TEST_JAR:$KOTLIN_STDLIB_JAR" \
    de.ehrenamtskarte.kit.KitTestsKt
