package de.ehrenamtskarte.core.android

import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import de.ehrenamtskarte.kit.AesGcmSecretCipher
import de.ehrenamtskarte.kit.SecretCipher
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * AES-256-GCM with a key that lives in the AndroidKeyStore (in StrongBox where the phone has one,
 * else the TEE) and cannot be exported. It seals the core's device key before
 * [SharedPreferencesSecretStorage] stores it; see [de.ehrenamtskarte.kit.EncryptedKeyStore].
 *
 * The key needs no user authentication: the card screen must show its code at once, and the core
 * asks for the device key at every 30-second step. If the key is ever lost (e.g. a factory reset of
 * the Keystore), opening fails and the wallet reports WalletException.KeyStore rather than silently
 * making a new device key; the holder then asks the issuer for a new card.
 */
class KeystoreSecretCipher(private val alias: String = "ehk.device-key-wrap") : SecretCipher {
    @Volatile
    private var cached: SecretKey? = null
    private val aes = AesGcmSecretCipher { key() }

    override fun seal(plaintext: ByteArray, associatedData: ByteArray): ByteArray = aes.seal(plaintext, associatedData)

    override fun open(sealed: ByteArray, associatedData: ByteArray): ByteArray = aes.open(sealed, associatedData)

    private fun key(): SecretKey = cached ?: synchronized(this) {
        cached ?: (existing() ?: generate()).also { cached = it }
    }

    private fun existing(): SecretKey? {
        val store = KeyStore.getInstance(PROVIDER).apply { load(null) }
        return (store.getEntry(alias, null) as? KeyStore.SecretKeyEntry)?.secretKey
    }

    private fun generate(): SecretKey {
        fun spec(strongBox: Boolean) = KeyGenParameterSpec.Builder(
            alias,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setRandomizedEncryptionRequired(true)
            .apply { if (strongBox && Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(true) }
            .build()

        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
            try {
                generator.init(spec(strongBox = true))
                return generator.generateKey()
            } catch (e: ProviderException) {
                // StrongBoxUnavailableException (API 28) is a ProviderException: fall back to the TEE.
            }
        }
        generator.init(spec(strongBox = false))
        return generator.generateKey()
    }

    private companion object {
        const val PROVIDER = "AndroidKeyStore"
    }
}
