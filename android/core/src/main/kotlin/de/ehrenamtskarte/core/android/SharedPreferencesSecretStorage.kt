package de.ehrenamtskarte.core.android

import android.content.Context
import de.ehrenamtskarte.kit.SecretStorage
import java.util.Base64

/**
 * Sealed secrets in a private SharedPreferences file. Only ciphertext is stored here (the key is in
 * the AndroidKeyStore), and the file is excluded from backups by the app's manifest: a restored
 * ciphertext could not be opened on another phone anyway.
 */
class SharedPreferencesSecretStorage(context: Context, name: String = "ehk_sealed_secrets") : SecretStorage {
    private val prefs = context.applicationContext.getSharedPreferences(name, Context.MODE_PRIVATE)

    override fun get(key: String): ByteArray? = prefs.getString(key, null)?.let { Base64.getDecoder().decode(it) }

    override fun put(key: String, value: ByteArray) {
        // commit(), not apply(): the device key must be on disk before the core hands out its public half.
        val written = prefs.edit().putString(key, Base64.getEncoder().encodeToString(value)).commit()
        check(written) { "SharedPreferences commit failed" }
    }
}
