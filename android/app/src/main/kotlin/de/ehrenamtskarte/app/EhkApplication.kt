package de.ehrenamtskarte.app

import android.app.Application
import android.content.Context
import android.content.pm.ApplicationInfo
import de.ehrenamtskarte.app.news.NewsServices
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.VerifierInterface
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.android.KeystoreSecretCipher
import de.ehrenamtskarte.core.android.LogcatLogger
import de.ehrenamtskarte.core.android.SharedPreferencesSecretStorage
import de.ehrenamtskarte.core.setLogger
import de.ehrenamtskarte.kit.CardPresenter
import de.ehrenamtskarte.kit.EncryptedKeyStore
import de.ehrenamtskarte.kit.FeedConfig
import de.ehrenamtskarte.kit.FeedSyncer
import de.ehrenamtskarte.kit.ReloadableVerifier
import de.ehrenamtskarte.kit.SyncState
import de.ehrenamtskarte.kit.WalletModel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import java.io.File
import java.io.FileNotFoundException
import java.util.Locale

class EhkApplication : Application() {
    /** The store database, the feed sync and the verifier built from it (no Keystore needed: the worker uses only this). */
    val feed: FeedServices by lazy { FeedServices(this) }
    val services: Services by lazy { Services(this, feed) }

    /** News engine, geofences and notifications (the app, the geofence/boot receivers and the worker share it). */
    val news: NewsServices by lazy { NewsServices(this, feed) }

    override fun onCreate() {
        super.onCreate()
        setLogger(LogcatLogger(), if (applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE != 0) LogLevel.DEBUG else LogLevel.INFO)
        if (AppConfig.feedUrl(this) != null) FeedSyncWorker.schedule(this)
        NewsServices.createChannel(this)
    }
}

/** The app's few long-lived objects; every decision they make is the core's. */
class Services(context: Context, val feed: FeedServices) {
    private val keyStore = EncryptedKeyStore(KeystoreSecretCipher(), SharedPreferencesSecretStorage(context))

    val wallet: Wallet = Wallet.open(File(context.noBackupFilesDir, "wallet.sqlite").path, keyStore)
    val walletModel = WalletModel(wallet)
    val presenter = CardPresenter(wallet)

    /** Null when no root key is installed (see assets/trust/README.md). */
    val verifier: VerifierInterface? get() = feed.verifier

    val lang: Lang get() = if (Locale.getDefault().language == "de") Lang.DE else Lang.EN
}

/**
 * The offline store database and its signed feed. The verifier's trust list and revocation lists
 * come from the same feed sync (`StoreDatabase.verifier(root)`); lists bundled in the assets are
 * offered to it as well, and the core keeps whichever version is newer.
 */
class FeedServices(private val context: Context) {
    val storeDatabase: StoreDatabase = StoreDatabase.open(File(context.noBackupFilesDir, "stores.sqlite").path)

    /** The Land's root key (trust anchor of the feed, its news included); null when not installed. */
    val rootKey: ByteArray? = AppConfig.rootKey(context)

    /** Null when the app has no feed URL or root key configured (see assets/trust/README.md). */
    val config: FeedConfig? = rootKey?.let { root -> AppConfig.feedUrl(context)?.let { FeedConfig(it, root) } }

    val syncer: FeedSyncer? = config?.let { FeedSyncer(storeDatabase, it) }

    /** Null without a root key. Replaced in place after a sync that changed the lists. */
    val verifier: ReloadableVerifier? = rootKey?.let { ReloadableVerifier(buildVerifier(it)) }

    /** One sync (the worker, or the stores screen's refresh); null when no feed is configured. */
    suspend fun sync(): SyncState.Finished? {
        val finished = syncer?.syncNow() ?: return null
        if (finished is SyncState.Synced && finished.changed) {
            rootKey?.let { root -> verifier?.replace(buildVerifier(root)) }
            // The news the sync brought: the engine reloads, the geofences are registered anew.
            withContext(Dispatchers.IO) { runCatching { (context.applicationContext as EhkApplication).news.reload() } }
        }
        return finished
    }

    private fun buildVerifier(root: ByteArray): Verifier {
        val verifier = storeDatabase.verifier(root)
        // Bundled lists bridge the time before the first sync; an older one is refused by the core.
        AppConfig.asset(context, "trust-list.cose")?.let { runCatching { verifier.loadTrustList(it) } }
        AppConfig.asset(context, "revocations.cose")?.let { runCatching { verifier.loadRevocationList(it) } }
        return verifier
    }
}

/** What the app is configured with, from `assets/trust/` (see the README there). */
object AppConfig {
    fun asset(context: Context, name: String): ByteArray? = try {
        context.assets.open("trust/$name").use { it.readBytes() }
    } catch (e: FileNotFoundException) {
        null
    }

    /** The Land's root public key (64 hex digits in `root.key.pub`): trust anchor of cards and of the feed. */
    fun rootKey(context: Context): ByteArray? {
        val hex = asset(context, "root.key.pub")?.toString(Charsets.US_ASCII)?.trim() ?: return null
        if (!hex.matches(Regex("[0-9a-fA-F]{64}"))) return null
        return hex.chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    }

    /** The feed's base URL (first line of `feed-url.txt`), e.g. `https://feed.example.de/ehrenamtskarte`. */
    fun feedUrl(context: Context): String? =
        asset(context, "feed-url.txt")?.toString(Charsets.UTF_8)?.lineSequence()?.firstOrNull()?.trim()?.takeIf { it.isNotEmpty() }
}
