// The one test runner of the Kotlin tests (no JUnit): the binding tests (tests/bindings/kotlin,
// suite "kotlin") and the kit's tests (android/jvm-tests.sh and `./gradlew :kit:jvmTests`, suite
// "android-kit"). Prints `ok`/`FAILED` per test and a closing `<suite>: N passed, M failed` line;
// exits 1 if anything failed or nothing ran.
package de.ehrenamtskarte.testing

import kotlin.system.exitProcess

class TestRunner(private val suite: String) {
    private val tests = mutableListOf<Pair<String, () -> Unit>>()

    fun test(name: String, body: () -> Unit) {
        require(tests.none { it.first == name }) { "two tests named '$name'" }
        tests += name to body
    }

    fun runAndExit(): Nothing {
        var passed = 0
        var failed = 0
        for ((name, body) in tests) {
            try {
                body()
                passed++
                println("ok      $name")
            } catch (t: Throwable) {
                failed++
                println("FAILED  $name")
                println("        ${t::class.qualifiedName}: ${t.message}")
                t.stackTrace.take(6).forEach { println("          at $it") }
            }
        }
        println("$suite: $passed passed, $failed failed")
        System.out.flush()
        exitProcess(if (failed > 0 || passed == 0) 1 else 0)
    }
}
