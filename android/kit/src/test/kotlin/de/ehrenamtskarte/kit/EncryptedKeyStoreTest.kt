package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.KeyStoreException
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.testing.TestRunner
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

private fun ByteArray.contains(part: ByteArray): Boolean =
    (0..size - part.size).any { i -> part.indices.all { this[i + it] == part[it] } }

object EncryptedKeyStoreTest {
    fun deviceKeyIsStoredOnlySealed() {
        val storage = InMemorySecretStorage()
        val key = aesKey()
        val store = testKeyStore(storage, key)
        val deviceKey = Wallet.inMemory(store).use { it.devicePublicKey() }
        assertEquals(1, storage.keys.size, "${storage.keys}")
        val alias = storage.keys.single().removePrefix("ehk.keystore.")
        val secret = assertNotNull(store.load(alias))
        val sealed = assertNotNull(storage.get(storage.keys.single()))
        assertFalse(sealed.contains(secret), "the stored bytes contain the plain secret")
        assertTrue(sealed.size >= secret.size + 12 + 16, "IV and tag are stored")
        // Another wallet over the same storage and key finds the same device key.
        val again = Wallet.inMemory(testKeyStore(storage, key)).use { it.devicePublicKey() }
        assertContentEquals(deviceKey, again)
    }

    fun missingSecretIsNull() {
        assertNull(testKeyStore().load("nothing-here"))
    }

    fun secretUnderAnotherAliasDoesNotOpen() {
        val storage = InMemorySecretStorage()
        val store = testKeyStore(storage)
        store.save("a", ByteArray(32) { it.toByte() })
        storage.put("ehk.keystore.b", storage.get("ehk.keystore.a")!!)
        assertFailsWith<KeyStoreException.Unavailable> { store.load("b") }
        assertContentEquals(ByteArray(32) { it.toByte() }, store.load("a"))
    }

    fun tamperedSecretDoesNotOpen() {
        val storage = InMemorySecretStorage()
        val store = testKeyStore(storage)
        store.save("a", ByteArray(32) { 7 })
        val sealed = storage.get("ehk.keystore.a")!!
        sealed[sealed.size - 3] = (sealed[sealed.size - 3].toInt() xor 1).toByte()
        storage.put("ehk.keystore.a", sealed)
        assertFailsWith<KeyStoreException.Unavailable> { store.load("a") }
        storage.put("ehk.keystore.a", byteArrayOf(1))
        assertFailsWith<KeyStoreException.Unavailable> { store.load("a") }
    }

    /** A wiped Keystore key must not look like "no key yet": the wallet must not mint a new device key. */
    fun lostCipherKeyIsAnErrorNotANewDeviceKey() {
        val storage = InMemorySecretStorage()
        Wallet.inMemory(testKeyStore(storage, aesKey())).use { it.devicePublicKey() }
        val before = storage.keys.associateWith { storage.get(it)!!.toList() }
        Wallet.inMemory(testKeyStore(storage, aesKey())).use { wallet ->
            val e = assertFailsWith<WalletException.KeyStore> { wallet.devicePublicKey() }
            assertFalse("ehk.keystore" in e.detail && e.detail.contains(Regex("[0-9a-f]{32}")), e.detail)
        }
        assertEquals(before, storage.keys.associateWith { storage.get(it)!!.toList() }, "storage unchanged")
    }

    fun failingStorageIsKeyStoreUnavailable() {
        val broken = object : SecretStorage {
            override fun get(key: String): ByteArray? = null
            override fun put(key: String, value: ByteArray) = throw java.io.IOException("disk full")
        }
        val store = EncryptedKeyStore(AesGcmSecretCipher { aesKey() }, broken)
        val e = assertFailsWith<KeyStoreException.Unavailable> { store.save("a", ByteArray(32)) }
        assertEquals("could not write the secret: IOException", e.detail)
        Wallet.inMemory(store).use { wallet ->
            assertFailsWith<WalletException.KeyStore> { wallet.devicePublicKey() }
        }
    }

    fun register(r: TestRunner) {
        r.test("EncryptedKeyStore: device key is stored only sealed", ::deviceKeyIsStoredOnlySealed)
        r.test("EncryptedKeyStore: missing secret is null", ::missingSecretIsNull)
        r.test("EncryptedKeyStore: secret under another alias does not open", ::secretUnderAnotherAliasDoesNotOpen)
        r.test("EncryptedKeyStore: tampered secret does not open", ::tamperedSecretDoesNotOpen)
        r.test("EncryptedKeyStore: lost cipher key is an error, not a new device key", ::lostCipherKeyIsAnErrorNotANewDeviceKey)
        r.test("EncryptedKeyStore: failing storage is KeyStore Unavailable", ::failingStorageIsKeyStoreUnavailable)
    }
}
