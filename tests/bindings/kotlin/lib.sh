# Shared by run.sh and bench.sh (sourced, not run). Needs $here (this folder) and $1 (bindings dir).
# Sets: bindings, kt_src, lib_dir, build_dir, bindings_jar, test_cp; and the toolchain variables.
set -euo pipefail

die() { echo "kotlin: $*" >&2; exit 1; }

repo="$(cd "$here/../../.." && pwd)"
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

# Outside the source tree: beside the bindings dir (build/ is git-ignored).
build_dir="$(dirname "$bindings")/kotlin-build"
mkdir -p "$build_dir"

# The generated bindings are ~5000 lines and take kotlinc a while; compile them once per content.
stamp="$( (sha256sum "$kt_src"; echo "$KOTLINC") | sha256sum | cut -c1-16)"
bindings_jar="$build_dir/ehk-bindings-$stamp.jar"
if [ ! -f "$bindings_jar" ]; then
    echo "kotlin: compiling the generated bindings ($kt_src)" >&2
    rm -f "$build_dir"/ehk-bindings-*.jar
    "$KOTLINC" -nowarn -jvm-target 17 -cp "$JNA_JAR" -d "$bindings_jar.tmp.jar" "$kt_src" \
        || die "kotlinc failed on the generated bindings"
    mv "$bindings_jar.tmp.jar" "$bindings_jar"
fi
test_cp="$bindings_jar:$JNA_JAR:$KOTLIN_TEST_JAR:$KOTLINX_COROUTINES_JAR"

# compile_and_run NAME MAIN_CLASS SOURCES...: compiles SOURCES into $build_dir/NAME.jar and runs it.
compile_and_run() {
    local name="$1" main="$2"
    shift 2
    local jar="$build_dir/$name.jar"
    rm -f "$jar"
    "$KOTLINC" -jvm-target 17 -Werror -cp "$test_cp" -d "$jar" "$@" || die "kotlinc failed on $*"
    local rc=0
    java -Djna.library.path="$lib_dir" -cp "$jar:$test_cp:$KOTLIN_STDLIB_JAR" "$main" || rc=$?
    return "$rc"
}
