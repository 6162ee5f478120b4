#!/usr/bin/env bash
# Kotlin toolchain for the UniFFI Kotlin bindings, cached in
#   ${EHK_TOOLCHAIN_CACHE:-/var/cache/ehk-toolchains}/kotlin-2.4.20
# The full Kotlin compiler distribution (kotlinc + lib/*.jar, including
# kotlin-test.jar and kotlinx-coroutines-core-jvm.jar) comes from the npm
# registry package kotlin-compiler@2.4.20 (`npm pack`, tarball kept in the
# cache); JNA comes from Debian (libjna-java -> /usr/share/java/jna.jar);
# Java 17 is Debian's openjdk (installed if missing).
#
# Usage (as root):
#   kotlin.sh [ensure]       install if missing, print the kotlinc path
#   kotlin.sh --print-env    ensure, then print export lines (eval them):
#                              KOTLINC              .../kotlin-2.4.20/bin/kotlinc
#                              KOTLIN_HOME          .../kotlin-2.4.20
#                              JNA_JAR              /usr/share/java/jna.jar
#                              KOTLIN_STDLIB_JAR    $KOTLIN_HOME/lib/kotlin-stdlib.jar
#                              KOTLIN_TEST_JAR      $KOTLIN_HOME/lib/kotlin-test.jar
#                              KOTLINX_COROUTINES_JAR
#                                                   $KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar
#   source kotlin.sh         ensure, then export those variables in this shell
#   kotlin.sh --self-test    compile + run a hello world that uses
#                            kotlin.test.assertEquals, kotlinx.coroutines
#                            and JNA (calls libc's getpid)
#   kotlin.sh --rebuild      unpack the compiler again (re-downloads the
#                            tarball only if it is not in the cache)
#
# Measured on the project machine (2 cores, Rust build running alongside):
#   first install (npm pack of the 86 MB tarball + unpack + apt-get install
#   libjna-java libjna-jni): 8 s
#   re-unpack from the cached tarball (--rebuild, or a damaged install): 3-4 s
#   cached re-run (`kotlin.sh --print-env`): 0.04 s
#   size: 94 MB unpacked + 86 MB tarball kept in the cache
#   self-test (kotlinc + java): 5 s

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: install in a child bash (its errors must not kill the caller's
    # shell, and its helper functions must not leak into it), then export the
    # variables here.
    if _ehk_env="$(bash "${BASH_SOURCE[0]}" --print-env)"; then
        eval "$_ehk_env"
        unset _ehk_env
        return 0
    fi
    unset _ehk_env
    echo "[kotlin] ERROR: could not set up the Kotlin toolchain (see above)" >&2
    return 1
fi

_ehk_kotlin_main() {
    EHK_TOOL=kotlin
    KOTLIN_VERSION=2.4.20
    local script_dir
    script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    # shellcheck source=lib.sh
    . "$script_dir/lib.sh"
    KOTLIN_SCRIPT="$script_dir/kotlin.sh"
    KOTLIN_HOME="$EHK_CACHE/kotlin-$KOTLIN_VERSION"
    KOTLIN_MARKER="$KOTLIN_HOME/.ehk-complete"
    KOTLIN_TGZ="$EHK_CACHE/kotlin-compiler-$KOTLIN_VERSION.tgz"
    JNA_JAR=/usr/share/java/jna.jar

    local cmd="${1:-ensure}"
    case "$cmd" in
        ensure)
            ensure_kotlin
            echo "$KOTLIN_HOME/bin/kotlinc"
            ;;
        --print-env)
            ensure_kotlin
            print_env
            ;;
        --self-test)
            ensure_kotlin
            self_test
            ;;
        --rebuild)
            ehk_need_root
            ehk_cache_init
            ehk_lock kotlin-install
            rm -f "$KOTLIN_MARKER"
            ehk_unlock
            ensure_kotlin
            echo "$KOTLIN_HOME/bin/kotlinc"
            ;;
        -h | --help)
            awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$KOTLIN_SCRIPT"
            ;;
        *)
            ehk_die "unknown command '$cmd' (try --help)"
            ;;
    esac
}

print_env() {
    ehk_export_line KOTLINC "$KOTLIN_HOME/bin/kotlinc"
    ehk_export_line KOTLIN_HOME "$KOTLIN_HOME"
    ehk_export_line JNA_JAR "$JNA_JAR"
    ehk_export_line KOTLIN_STDLIB_JAR "$KOTLIN_HOME/lib/kotlin-stdlib.jar"
    ehk_export_line KOTLIN_TEST_JAR "$KOTLIN_HOME/lib/kotlin-test.jar"
    ehk_export_line KOTLINX_COROUTINES_JAR "$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
}

REQUIRED_FILES=(bin/kotlinc lib/kotlin-compiler.jar lib/kotlin-stdlib.jar lib/kotlin-test.jar
    lib/kotlinx-coroutines-core-jvm.jar)

kotlin_is_complete() {
    [ -f "$KOTLIN_MARKER" ] || return 1
    local f
    for f in "${REQUIRED_FILES[@]}"; do [ -e "$KOTLIN_HOME/$f" ] || return 1; done
    [ -x "$KOTLIN_HOME/bin/kotlinc" ]
}

java_ok() {
    command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 || return 1
    local v
    v="$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
    [ "${v%%.*}" -ge 11 ] 2>/dev/null
}

ensure_kotlin() {
    ehk_need_root
    ehk_cache_init
    # Java and JNA are Debian packages: cheap to check every time.
    if ! java_ok; then
        ehk_log "no Java >= 11 found; installing openjdk-17-jdk-headless"
        ehk_lock kotlin-install
        ehk_apt_install openjdk-17-jdk-headless
        ehk_unlock
        java_ok || ehk_die "java/javac still missing after installing openjdk-17-jdk-headless"
    fi
    if [ ! -f "$JNA_JAR" ]; then
        ehk_lock kotlin-install
        ehk_apt_install libjna-java
        ehk_unlock
        [ -f "$JNA_JAR" ] || ehk_die "libjna-java is installed but $JNA_JAR is missing"
    fi

    kotlin_is_complete && return 0
    ehk_lock kotlin-install
    if kotlin_is_complete; then
        ehk_unlock
        return 0
    fi
    local t0 t1 partial
    t0=$(date +%s)
    command -v npm >/dev/null || ehk_die "npm is needed to fetch kotlin-compiler@$KOTLIN_VERSION (not found)"
    if ! tar -tzf "$KOTLIN_TGZ" package/bin/kotlinc >/dev/null 2>&1; then
        ehk_log "npm pack kotlin-compiler@$KOTLIN_VERSION (in $EHK_CACHE)"
        rm -f "$KOTLIN_TGZ"
        local packed
        packed="$(cd "$EHK_CACHE" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION")" ||
            ehk_die "npm pack kotlin-compiler@$KOTLIN_VERSION failed"
        packed="$(printf '%s\n' "$packed" | tail -1)"
        [ "$EHK_CACHE/$packed" = "$KOTLIN_TGZ" ] || mv "$EHK_CACHE/$packed" "$KOTLIN_TGZ" ||
            ehk_die "npm pack produced '$packed', expected $KOTLIN_TGZ"
        tar -tzf "$KOTLIN_TGZ" package/bin/kotlinc >/dev/null 2>&1 ||
            ehk_die "$KOTLIN_TGZ has no package/bin/kotlinc"
    fi
    partial="$EHK_CACHE/kotlin-$KOTLIN_VERSION.partial"
    rm -rf "$partial" "$KOTLIN_HOME"
    mkdir -p "$partial"
    ehk_log "unpacking $KOTLIN_TGZ"
    tar -xzf "$KOTLIN_TGZ" -C "$partial" --no-same-owner ||
        ehk_die "cannot unpack $KOTLIN_TGZ"
    chmod +x "$partial"/package/bin/* || ehk_die "cannot chmod $partial/package/bin"
    local f
    for f in "${REQUIRED_FILES[@]}"; do
        [ -e "$partial/package/$f" ] ||
            ehk_die "kotlin-compiler@$KOTLIN_VERSION tarball lacks $f: not the full distribution?"
    done
    mv "$partial/package" "$KOTLIN_HOME" || ehk_die "cannot move the distribution to $KOTLIN_HOME"
    rmdir "$partial" 2>/dev/null || rm -rf "$partial"
    local version
    version="$("$KOTLIN_HOME/bin/kotlinc" -version 2>&1)" ||
        ehk_die "kotlinc -version failed: $version"
    case "$version" in
        *"$KOTLIN_VERSION"*) ;;
        *) ehk_die "kotlinc reports '$version', expected $KOTLIN_VERSION" ;;
    esac
    t1=$(date +%s)
    {
        echo "version=$KOTLIN_VERSION"
        echo "installed=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "install_seconds=$((t1 - t0))"
        echo "kotlinc=$version"
    } >"$KOTLIN_MARKER"
    ehk_log "Kotlin $KOTLIN_VERSION ready in $((t1 - t0)) s: $version"
    ehk_unlock
}

self_test() {
    local tmp out cp
    tmp="$(mktemp -d /tmp/ehk-kotlin-selftest.XXXXXX)"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" EXIT
    cat >"$tmp/Hello.kt" <<'EOF'
import com.sun.jna.Library
import com.sun.jna.Native
import kotlin.test.assertEquals
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking

interface CLib : Library {
    fun getpid(): Int
}

fun main() {
    val greeting = listOf("Hello", "from", "Kotlin").joinToString(" ")
    assertEquals("Hello from Kotlin", greeting)
    val answer = runBlocking { delay(1); 42 }
    assertEquals(42, answer)
    val libc = Native.load("c", CLib::class.java)
    check(libc.getpid() > 0) { "getpid via JNA failed" }
    println(greeting)
}
EOF
    local lib="$KOTLIN_HOME/lib"
    cp="$lib/kotlin-test.jar:$lib/kotlinx-coroutines-core-jvm.jar:$JNA_JAR"
    ehk_log "self-test: kotlinc Hello.kt -cp kotlin-test.jar:kotlinx-coroutines-core-jvm.jar:jna.jar"
    "$KOTLIN_HOME/bin/kotlinc" "$tmp/Hello.kt" -cp "$cp" -d "$tmp/hello.jar" ||
        ehk_die "self-test: kotlinc failed"
    out="$(java -cp "$tmp/hello.jar:$lib/kotlin-stdlib.jar:$cp" HelloKt)" ||
        ehk_die "self-test: running HelloKt failed"
    [ "$out" = "Hello from Kotlin" ] || ehk_die "self-test: unexpected output '$out'"
    rm -rf "$tmp"
    trap - EXIT
    echo "kotlin self-test: 1 passed, 0 failed"
}

set -euo pipefail
_ehk_kotlin_main "$@"
