package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardRequest
import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.IssuerEntrySpec
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.TrustListSpec
import de.ehrenamtskarte.core.Verifier
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import kotlin.system.exitProcess

const val NOW: Long = 1_795_953_600L // 2026-11-29 12:00 UTC, on a 30 s boundary
const val DAY: Long = 86_400L

/**
 * A virtual clock. With [autoAdvance], sleeping jumps the time forward at once (for flows that
 * loop over time steps); without it, a sleeper waits until the test calls [advanceTo].
 */
class VirtualClock(start: Long, private val autoAdvance: Boolean) : Clock {
    private val time = MutableStateFlow(start)
    val sleeps = mutableListOf<Long>()

    override fun now(): Long = time.value

    override suspend fun sleepUntil(epochSeconds: Long) {
        synchronized(sleeps) { sleeps += epochSeconds }
        if (autoAdvance) {
            if (epochSeconds > time.value) time.value = epochSeconds
        } else {
            time.first { it >= epochSeconds }
        }
    }

    fun advanceTo(epochSeconds: Long) {
        time.value = epochSeconds
    }
}

fun aesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()

fun testKeyStore(storage: SecretStorage = InMemorySecretStorage(), key: SecretKey = aesKey()) =
    EncryptedKeyStore(AesGcmSecretCipher { key }, storage)

class World(val issuer: IssuerKey, val verifier: Verifier)

fun world(): World {
    val root = IssuerKey.generate()
    val issuer = IssuerKey.generate()
    val entry = IssuerEntrySpec(
        publicKey = issuer.publicKey(), name = "Landkreis Test", roles = listOf(Role.CARDS),
        regions = listOf(9162u), cardTypes = listOf(CardType.STANDARD, CardType.GOLD),
        validFrom = NOW - 365 * DAY, validUntil = NOW + 365 * DAY, withdrawn = false,
    )
    val verifier = Verifier(root.publicKey())
    verifier.loadTrustList(
        root.signTrustList(TrustListSpec(1uL, NOW - DAY, NOW + 30 * DAY, 1u, listOf(entry))),
    )
    return World(issuer, verifier)
}

fun request(name: String, deviceKey: ByteArray? = null) = CardRequest(
    holderName = name, birthday = null, cardType = CardType.STANDARD, projectId = 1u, regionId = 9162u,
    validFrom = "2026-01-01", validUntil = "2028-12-31", devicePublicKey = deviceKey,
)

/** The same tiny runner as tests/bindings/kotlin: `android-kit: N passed, M failed`, exit 1 on failure. */
class KitTestRunner(private val suite: String) {
    private val tests = mutableListOf<Pair<String, () -> Unit>>()

    fun test(name: String, body: () -> Unit) {
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
