package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.KeyStore
import de.ehrenamtskarte.core.KeyStoreException
import java.util.concurrent.ConcurrentHashMap
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/** Seals and opens small secrets. On Android: an AES-GCM key in the AndroidKeyStore that never leaves it. */
interface SecretCipher {
    /** Encrypts [plaintext], binding [associatedData] (authenticated, not stored). */
    fun seal(plaintext: ByteArray, associatedData: ByteArray): ByteArray

    /** Decrypts; throws if [sealed] or [associatedData] was altered or the key is gone. */
    fun open(sealed: ByteArray, associatedData: ByteArray): ByteArray
}

/** Where sealed secrets are kept. On Android: SharedPreferences. Must be safe to call from any thread. */
interface SecretStorage {
    fun get(key: String): ByteArray?

    /** Stores durably before returning: the device key must survive a crash right after it was made. */
    fun put(key: String, value: ByteArray)
}

class InMemorySecretStorage : SecretStorage {
    private val map = ConcurrentHashMap<String, ByteArray>()
    override fun get(key: String): ByteArray? = map[key]?.copyOf()
    override fun put(key: String, value: ByteArray) {
        map[key] = value.copyOf()
    }
    val keys: Set<String> get() = map.keys.toSet()
}

/**
 * AES-256-GCM with a fresh 96-bit IV chosen by the cipher provider (the AndroidKeyStore insists on
 * choosing it). Format: version byte 1, IV length, IV, ciphertext with the 128-bit tag.
 * [key] is asked for on every call, so an Android implementation can look the key up lazily.
 */
class AesGcmSecretCipher(private val key: () -> SecretKey) : SecretCipher {
    override fun seal(plaintext: ByteArray, associatedData: ByteArray): ByteArray {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, key())
        cipher.updateAAD(associatedData)
        val body = cipher.doFinal(plaintext)
        val iv = cipher.iv
        check(iv.size in 12..255) { "unexpected GCM IV length ${iv.size}" }
        return byteArrayOf(VERSION, iv.size.toByte()) + iv + body
    }

    override fun open(sealed: ByteArray, associatedData: ByteArray): ByteArray {
        require(sealed.size >= 2 && sealed[0] == VERSION) { "unknown sealed secret format" }
        val ivLength = sealed[1].toInt() and 0xff
        require(ivLength >= 12 && sealed.size >= 2 + ivLength + TAG_BITS / 8) { "sealed secret is truncated" }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(TAG_BITS, sealed, 2, ivLength))
        cipher.updateAAD(associatedData)
        return cipher.doFinal(sealed, 2 + ivLength, sealed.size - 2 - ivLength)
    }

    private companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val TAG_BITS = 128
        const val VERSION: Byte = 1
    }
}

/**
 * The core's [KeyStore] (it keeps the device's Ed25519 key) over a [SecretCipher] and a
 * [SecretStorage]: secrets are stored only sealed, each bound to its alias, so a sealed secret
 * copied to another alias does not open.
 *
 * Any failure is reported to the core as [KeyStoreException.Unavailable] (the wallet then raises
 * `WalletException.KeyStore`). A secret that is stored but does not open is such a failure too,
 * never "no secret": answering null would make the core create a new device key and silently
 * orphan every device-bound card. The messages name only the exception type, never data.
 */
class EncryptedKeyStore(
    private val cipher: SecretCipher,
    private val storage: SecretStorage,
    private val prefix: String = "ehk.keystore.",
) : KeyStore {
    override fun load(alias: String): ByteArray? {
        val sealed = guard("read") { storage.get(prefix + alias) } ?: return null
        return guard("open") { cipher.open(sealed, associatedData(alias)) }
    }

    override fun save(alias: String, secret: ByteArray) {
        val sealed = guard("seal") { cipher.seal(secret, associatedData(alias)) }
        guard("write") { storage.put(prefix + alias, sealed) }
    }

    private fun associatedData(alias: String) = "ehk-keystore:v1:$alias".toByteArray(Charsets.UTF_8)

    private inline fun <T> guard(what: String, block: () -> T): T = try {
        block()
    } catch (e: KeyStoreException) {
        throw e
    } catch (e: Exception) {
        throw KeyStoreException.Unavailable("could not $what the secret: ${e.javaClass.simpleName}")
    }
}
