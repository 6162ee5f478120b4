// Test support shared by the Kotlin binding tests (tests/bindings/kotlin), the Kotlin benchmark and
// the kit's tests (android/kit/src/test): the same world as tests/bindings/python/test_story.py (a
// root key, an issuer on a signed trust list, a verifier) and the shell's callbacks written in
// Kotlin. Needs only the generated bindings, JNA and kotlin-test, never the kit itself.
package de.ehrenamtskarte.testing

import de.ehrenamtskarte.core.CardRequest
import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.IssuerEntrySpec
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.KeyStore
import de.ehrenamtskarte.core.KeyStoreException
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.Logger
import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.TrustListSpec
import de.ehrenamtskarte.core.Verifier
import java.io.File
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.atomic.AtomicInteger
import kotlin.io.path.createTempDirectory

const val NOW: Long = 1_795_953_600L // 2026-11-29 12:00 UTC, on a 30 s boundary
const val DAY: Long = 86_400L

/** The shell's key store; on a phone this is the Android Keystore. Called by Rust on any thread. */
class MapKeyStore : KeyStore {
    val secrets = ConcurrentHashMap<String, ByteArray>()
    val saves = AtomicInteger(0)

    override fun load(alias: String): ByteArray? = secrets[alias]

    override fun save(alias: String, secret: ByteArray) {
        saves.incrementAndGet()
        secrets[alias] = secret
    }
}

/** A locked key store that reports it through the typed error. */
class LockedKeyStore : KeyStore {
    override fun load(alias: String): ByteArray? = throw KeyStoreException.Unavailable("locked")
    override fun save(alias: String, secret: ByteArray): Unit = throw KeyStoreException.Unavailable("locked")
}

/** A buggy key store that throws something UniFFI does not know; the core must not panic. */
class CrashingKeyStore : KeyStore {
    override fun load(alias: String): ByteArray? = throw IllegalStateException("disk on fire")
    override fun save(alias: String, secret: ByteArray): Unit = throw IllegalStateException("disk on fire")
}

/** Records how far a CSV batch or a sync has come; called by Rust on the working thread. */
class ProgressLog : ProgressListener {
    val calls = CopyOnWriteArrayList<Pair<ULong, ULong>>()
    override fun progress(done: ULong, total: ULong) {
        calls.add(done to total)
    }
}

data class LogRecord(val level: LogLevel, val target: String, val message: String)

class ListLogger : Logger {
    val records = CopyOnWriteArrayList<LogRecord>()
    override fun log(level: LogLevel, target: String, message: String) {
        records.add(LogRecord(level, target, message))
    }
}

/** An issuer's entry on the trust list, valid for a year either side of [NOW]. */
fun issuerEntry(
    issuer: IssuerKey,
    name: String = "Landkreis Test",
    roles: List<Role> = listOf(Role.CARDS),
    regions: List<UInt>? = listOf(9162u),
) = IssuerEntrySpec(
    publicKey = issuer.publicKey(),
    name = name,
    roles = roles,
    regions = regions,
    cardTypes = listOf(CardType.STANDARD, CardType.GOLD),
    validFrom = NOW - 365 * DAY,
    validUntil = NOW + 365 * DAY,
    withdrawn = false,
)

/** Version 1 of project 1's trust list, signed by [root]. */
fun signedTrustList(root: IssuerKey, vararg issuers: IssuerEntrySpec, version: ULong = 1uL, projectId: UInt = 1u): ByteArray =
    root.signTrustList(
        TrustListSpec(version = version, issuedAt = NOW - DAY, expiresAt = NOW + 30 * DAY, projectId = projectId, issuers = issuers.toList()),
    )

class World(val root: IssuerKey, val issuer: IssuerKey, val trustList: ByteArray, val verifier: Verifier)

/** A root, one card issuer for region 9162 on its trust list, and a verifier that loaded the list. */
fun world(): World {
    val root = IssuerKey.generate()
    val issuer = IssuerKey.generate()
    val trust = signedTrustList(root, issuerEntry(issuer))
    val verifier = Verifier(root.publicKey())
    verifier.loadTrustList(trust)
    return World(root, issuer, trust, verifier)
}

fun request(name: String, deviceKey: ByteArray? = null) = CardRequest(
    holderName = name,
    birthday = null,
    cardType = CardType.STANDARD,
    projectId = 1u,
    regionId = 9162u,
    validFrom = "2026-01-01",
    validUntil = "2028-12-31",
    devicePublicKey = deviceKey,
)

/** Runs [body] with a temp dir that is removed afterwards. */
fun <T> withTempDir(body: (File) -> T): T {
    val dir = createTempDirectory("ehk-kotlin-test").toFile()
    try {
        return body(dir)
    } finally {
        dir.deleteRecursively()
    }
}
