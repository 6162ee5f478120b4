package de.ehrenamtskarte.app

import android.app.Application
import android.content.Context
import android.content.pm.ApplicationInfo
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.android.KeystoreSecretCipher
import de.ehrenamtskarte.core.android.LogcatLogger
import de.ehrenamtskarte.core.android.SharedPreferencesSecretStorage
import de.ehrenamtskarte.core.setLogger
import de.ehrenamtskarte.kit.CardPresenter
import de.ehrenamtskarte.kit.EncryptedKeyStore
import de.ehrenamtskarte.kit.WalletModel
import java.io.File
import java.io.FileNotFoundException
import java.util.Locale

class EhkApplication : Application() {
    val services: Services by lazy { Services(this) }

    override fun onCreate() {
        super.onCreate()
        setLogger(LogcatLogger(), if (applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE != 0) LogLevel.DEBUG else LogLevel.INFO)
    }
}

/** The app's few long-lived objects; every decision they make is the core's. */
class Services(context: Context) {
    private val keyStore = EncryptedKeyStore(KeystoreSecretCipher(), SharedPreferencesSecretStorage(context))

    val wallet: Wallet = Wallet.open(File(context.noBackupFilesDir, "wallet.sqlite").path, keyStore)
    val walletModel = WalletModel(wallet)
    val presenter = CardPresenter(wallet)

    /** Null when no root key is installed (see assets/trust/README.md). */
    val verifier: Verifier? = TrustAnchors.load(context)

    val lang: Lang get() = if (Locale.getDefault().language == "de") Lang.DE else Lang.EN
}

/**
 * The verifier's trust anchors from the app's assets, until the signed feed brings them. A list
 * the core refuses (bad signature, older version) is left out: the core then says so per code.
 */
object TrustAnchors {
    fun load(context: Context): Verifier? {
        val assets = context.assets
        fun bytes(name: String): ByteArray? = try {
            assets.open("trust/$name").use { it.readBytes() }
        } catch (e: FileNotFoundException) {
            null
        }
        val rootHex = bytes("root.key.pub")?.toString(Charsets.US_ASCII)?.trim() ?: return null
        val verifier = Verifier(rootHex.chunked(2).map { it.toInt(16).toByte() }.toByteArray())
        bytes("trust-list.cose")?.let { runCatching { verifier.loadTrustList(it) } }
        bytes("revocations.cose")?.let { runCatching { verifier.loadRevocationList(it) } }
        return verifier
    }
}
