// The kit's own test support: what needs the kit (its Clock, its EncryptedKeyStore). The runner, the
// trust world and the feed fixtures are shared with the binding tests: src/testFixtures.
package de.ehrenamtskarte.kit

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.first
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

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
