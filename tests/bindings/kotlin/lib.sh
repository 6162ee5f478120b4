# The one set-up of the Kotlin runners, sourced (not run) by tests/bindings/kotlin/run.sh and
# bench.sh and by android/jvm-tests.sh. Before sourcing, set $suite (the name in messages, e.g.
# "kotlin" or "android-kit"); $1 is the bindings dir (default build/bindings, as written by
# scripts/bindings.sh).
#
# Sets: repo, bindings, kt_src, lib_dir, build_dir, bindings_jar, support_jar, test_cp and the
# toolchain variables (KOTLINC, JNA_JAR, ...). Defines: die, need_ehk_bin, kotlin_compile, run_jvm.
#
# Everything compiled lands in ONE cache dir beside the bindings dir (BINDINGS_DIR/../kotlin-build,
# outside the source tree), keyed by content: the generated bindings (~5000 lines, the slow part)
# and the shared test support (android/kit/src/testFixtures) are compiled by whichever runner comes
# first and reused by the other.
set -euo pipefail

suite="${suite:-kotlin}"
die() { echo "$suite: $*" >&2; exit 1; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
bindings="${1:-$repo/build/bindings}"
[ -d "$bindings" ] || die "bindings dir '$bindings' not found (run scripts/bindings.sh first)"
bindings="$(cd "$bindings" && pwd)"
kt_src="$bindings/kotlin/de/ehrenamtskarte/core/ehk.kt"
lib_dir="$bindings/lib"
[ -f "$kt_src" ] || die "generated Kotlin bindings missing: $kt_src"
[ -f "$lib_dir/libehk_ffi.so" ] || die "native library missing: $lib_dir/libehk_ffi.so"

eval "$(bash "$repo/scripts/toolchains/kotlin.sh" --print-env)" \
    || die "scripts/toolchains/kotlin.sh --print-env failed"
for v in KOTLINC JNA_JAR KOTLIN_TEST_JAR KOTLIN_STDLIB_JAR KOTLINX_COROUTINES_JAR; do
    [ -e "${!v:-}" ] || die "toolchain: $v='${!v:-}' does not exist"
done
command -v java >/dev/null || die "java not found"

build_dir="$(dirname "$bindings")/kotlin-build"
mkdir -p "$build_dir"

# need_ehk_bin: the store, feed and news tests start `ehk serve`: $EHK_BIN, else BINDINGS_DIR/bin/ehk.
need_ehk_bin() {
    EHK_BIN="${EHK_BIN:-$bindings/bin/ehk}"
    [ -x "$EHK_BIN" ] || die "ehk binary not found or not executable: $EHK_BIN (set EHK_BIN or run scripts/bindings.sh)"
    export EHK_BIN
}

# kotlin_compile JAR CLASSPATH SOURCES...: our own code, warnings are errors.
kotlin_compile() {
    local jar="$1" cp="$2"
    shift 2
    rm -f "$jar"
    "$KOTLINC" -jvm-target 17 -Werror -cp "$cp" -d "$jar" "$@" || die "kotlinc failed on $*"
}

# cached_jar NAME STAMP_INPUT... : prints the path of the cached jar for that content; the caller
# builds it if it does not exist yet (through a temp file, so a half-written jar is never used).
cached_jar() {
    local name="$1"
    shift
    local stamp
    stamp="$( (cat "$@"; echo "$KOTLINC") | sha256sum | cut -c1-16)"
    echo "$build_dir/$name-$stamp.jar"
}

# The generated bindings; not ours to lint (-nowarn, no -Werror). Async exports (FeedStore.sync)
# are suspend functions: the bindings need kotlinx-coroutines.
bindings_jar="$(cached_jar ehk-bindings "$kt_src")"
if [ ! -f "$bindings_jar" ]; then
    echo "$suite: compiling the generated bindings ($kt_src)" >&2
    rm -f "$build_dir"/ehk-bindings-*.jar
    "$KOTLINC" -nowarn -jvm-target 17 -cp "$JNA_JAR:$KOTLINX_COROUTINES_JAR" -d "$bindings_jar.$$.tmp.jar" "$kt_src" \
        || die "kotlinc failed on the generated bindings"
    mv "$bindings_jar.$$.tmp.jar" "$bindings_jar"
fi

# The shared test support: its own compilation, as Gradle's testFixtures source set is, so that it
# can use nothing but the bindings, JNA, kotlinx-coroutines and kotlin-test.
support_dir="$repo/android/kit/src/testFixtures/kotlin"
mapfile -t support_sources < <(find "$support_dir" -name '*.kt' | sort)
[ "${#support_sources[@]}" -gt 0 ] || die "no test support in $support_dir"
support_jar="$(cached_jar test-support "$bindings_jar" "${support_sources[@]}")"
if [ ! -f "$support_jar" ]; then
    echo "$suite: compiling the shared test support ($support_dir)" >&2
    rm -f "$build_dir"/test-support-*.jar
    kotlin_compile "$support_jar.$$.tmp.jar" "$bindings_jar:$JNA_JAR:$KOTLINX_COROUTINES_JAR:$KOTLIN_TEST_JAR" "${support_sources[@]}"
    mv "$support_jar.$$.tmp.jar" "$support_jar"
fi

test_cp="$support_jar:$bindings_jar:$JNA_JAR:$KOTLIN_TEST_JAR:$KOTLINX_COROUTINES_JAR"

# run_jvm CLASSPATH MAIN_CLASS: runs a test or bench main against the host library; returns its exit code.
run_jvm() {
    local rc=0
    java -Djna.library.path="$lib_dir" -cp "$1:$KOTLIN_STDLIB_JAR" "$2" || rc=$?
    return "$rc"
}
