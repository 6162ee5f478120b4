// Per-verify cost through the Kotlin bindings (JNA), like tests/bindings/python/bench_verify.py.
// Prints `BENCH kotlin <what>: <µs>` lines; run by tests/bindings/kotlin/bench.sh. No assertions
// on time: these numbers are for the README table.
package bindingtests

import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.testing.MapKeyStore
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.world
import kotlin.system.exitProcess

const val ROUNDS = 21
const val BATCH = 500
const val WARMUP = 2_000

fun medianMicros(fn: () -> Unit): Double {
    repeat(WARMUP) { fn() } // let the JIT compile the JNA path first
    val samples = DoubleArray(ROUNDS) {
        val start = System.nanoTime()
        repeat(BATCH) { fn() }
        (System.nanoTime() - start) / 1_000.0 / BATCH
    }
    samples.sort()
    return samples[ROUNDS / 2]
}

fun main() {
    val w = world()
    val static = w.issuer.issueCard(request("Erika Mustermann-Abt"), NOW).qrText
    val wallet = Wallet.inMemory(MapKeyStore())
    val bound = w.issuer.issueCard(request("Erika Mustermann-Abt", wallet.devicePublicKey()), NOW)
    wallet.addCard(bound.qrText, w.verifier, NOW)
    val live = wallet.present(bound.cardId, NOW)
    if (w.verifier.verify(static, NOW) !is Verification.Valid || w.verifier.verify(live, NOW) !is Verification.Valid) {
        System.err.println("bench setup: the codes do not verify")
        exitProcess(1)
    }
    println("BENCH kotlin static: %.1f".format(java.util.Locale.ROOT, medianMicros { w.verifier.verify(static, NOW) }))
    println("BENCH kotlin device-bound: %.1f".format(java.util.Locale.ROOT, medianMicros { w.verifier.verify(live, NOW) }))
}
