package de.ehrenamtskarte.app

import android.app.Application
import android.content.Context
import android.content.pm.ApplicationInfo
import de.ehrenamtskarte.app.news.NewsServices
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.Platform
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.ProjectPin
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.android.KeystoreSecretCipher
import de.ehrenamtskarte.core.android.LogcatLogger
import de.ehrenamtskarte.core.android.SharedPreferencesSecretStorage
import de.ehrenamtskarte.core.setLogger
import de.ehrenamtskarte.kit.ActivationController
import de.ehrenamtskarte.kit.CardPresenter
import de.ehrenamtskarte.kit.CodeVerifier
import de.ehrenamtskarte.kit.EncryptedKeyStore
import de.ehrenamtskarte.kit.FeedSyncer
import de.ehrenamtskarte.kit.SyncState
import de.ehrenamtskarte.kit.WalletModel
import de.ehrenamtskarte.kit.walletActivator
import kotlinx.coroutines.MainScope
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.launch
import java.io.File
import java.io.FileNotFoundException
import java.util.Locale

class EhkApplication : Application() {
    /** The feed store, its sync and its verifier (no Keystore needed: the worker uses only this). */
    val feed: FeedServices by lazy { FeedServices(this) }
    val services: Services by lazy { Services(this, feed) }

    /** News, geofences and notifications (the app, the geofence/boot receivers and the worker share it); null without a feed store. */
    val news: NewsServices? by lazy { feed.store?.let { NewsServices(this, it) } }

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
    val walletModel = WalletModel(wallet, verifier = feed::walletVerifier)
    val presenter = CardPresenter(wallet, verifier = feed::walletVerifier)

    /** Where the wallet list follows the syncs: the app's, alive as long as the process. */
    private val walletScope = MainScope()

    init {
        // A sync that changed the feed (in the worker or from the stores screen) lists the cards
        // again: the lists may now refuse a stored card (revoked, moved to another phone).
        feed.syncer?.let { syncer -> walletScope.launch { walletModel.refreshAfterSyncs(syncer.state) } }
    }

    /**
     * Activation letters (opened link, scanned QR code, typed code) to the core's `Wallet.activate`
     * at the app's issuer service, cards checked by the feed store; without a service URL or a
     * project it says "not set up". A stored card refreshes the wallet list.
     */
    val activation = ActivationController(
        activator = AppConfig.serviceUrl(context)?.let { url -> feed.store?.let { walletActivator(wallet, url, it) } },
        onActivated = { walletModel.refresh() },
    )

    /**
     * Where activations run: the app's, not a screen's. Cancelling a coroutine cancels its
     * activation, so one started from the UI must outlive a rotation, the screen it was started
     * from and the opened link's effect; only [cancelActivation] stops it.
     */
    private val activationScope = MainScope()

    /** An opened link, a scanned letter or a typed code to [activation]; its dialogs show the rest. */
    fun activate(linkOrCode: String) {
        activationScope.launch { activation.submit(linkOrCode) }
    }

    /** The holder's yes to the move question. */
    fun confirmMove() {
        activationScope.launch { activation.confirmMove() }
    }

    /**
     * The progress dialog's cancel button: stops the running activation. Nothing is stored (the
     * code still works) and [activation] goes back to idle: no dialog follows, a cancel is no failure.
     */
    fun cancelActivation() = activationScope.coroutineContext.cancelChildren()

    /** Null when the app's project is not configured (see assets/trust/README.md). */
    val verifier: CodeVerifier? get() = feed.verifier

    val lang: Lang get() = if (Locale.getDefault().language == "de") Lang.DE else Lang.EN
}

/**
 * The phone's feed store: stores, the signed trust and revocation lists, news and the geofencing
 * state in one database, opened once with the app's project pin (the Land's root key, the project
 * id and the trust list the app ships, which verifies cards before the first sync). Its sync
 * refreshes all of it (the verifier and the news included); the only thing the app does with a
 * sync's result is apply its geofence update, which the kit's FeedSyncer hands to the news
 * coordinator, and list again what the new data may change (the stores screen, and the wallet
 * list: [Services] has it checked against the new lists).
 */
class FeedServices(private val context: Context) {
    /** The project the app is pinned to; null when not configured. */
    val project: ProjectPin? = AppConfig.project(context)

    /** Null without a project pin (see assets/trust/README.md). */
    val store: FeedStore? = project?.let { pin ->
        FeedStore.open(File(context.noBackupFilesDir, "feed.sqlite").path, pin, Platform.ANDROID, System.currentTimeMillis() / 1000)
    }

    /** Null when the app has no feed URL or project configured. */
    val syncer: FeedSyncer? by lazy {
        val url = AppConfig.feedUrl(context) ?: return@lazy null
        store?.let { FeedSyncer(it, url, geofence = (context.applicationContext as EhkApplication).news?.coordinator) }
    }

    /** The store's checks: the shipped trust list until a sync brings a newer one. */
    val verifier: CodeVerifier? = store?.let { store -> CodeVerifier { qrText, now -> store.verify(qrText, now) } }

    /**
     * The lists a card must pass before the wallet stores it, the same as [verifier]'s: the shipped
     * trust list until a sync brings a newer one. Null when the project is not configured.
     */
    fun walletVerifier(): Verifier? = store?.verifier()

    /** One sync (the worker, or the stores screen's refresh); null when no feed is configured. */
    suspend fun sync(): SyncState.Finished? = syncer?.syncNow()
}

/** What the app is configured with, from `assets/trust/` (see the README there). */
object AppConfig {
    fun asset(context: Context, name: String): ByteArray? = try {
        context.assets.open("trust/$name").use { it.readBytes() }
    } catch (e: FileNotFoundException) {
        null
    }

    /**
     * The project pin: the root key, the project id (`project-id.txt`) and the trust list the app
     * ships (`trust-list.cose`); null when one is missing. The core checks at open that they hold
     * together.
     */
    fun project(context: Context): ProjectPin? {
        val root = rootKey(context) ?: return null
        val id = asset(context, "project-id.txt")?.toString(Charsets.US_ASCII)?.trim()?.toUIntOrNull() ?: return null
        val trustList = asset(context, "trust-list.cose") ?: return null
        return ProjectPin(rootPublicKey = root, projectId = id, trustList = trustList)
    }

    /** The Land's root public key (64 hex digits in `root.key.pub`): trust anchor of cards and of the feed. */
    fun rootKey(context: Context): ByteArray? {
        val hex = asset(context, "root.key.pub")?.toString(Charsets.US_ASCII)?.trim() ?: return null
        if (!hex.matches(Regex("[0-9a-fA-F]{64}"))) return null
        return hex.chunked(2).map { it.toInt(16).toByte() }.toByteArray()
    }

    /** The feed's base URL (first line of `feed-url.txt`), e.g. `https://feed.example.de/ehrenamtskarte`. */
    fun feedUrl(context: Context): String? = firstLine(context, "feed-url.txt")

    /**
     * The issuer service's origin (first line of `service-url.txt`), e.g. `https://karte.example.de`:
     * where activation codes go, and the host of the App Link (app/build.gradle.kts reads the same file).
     */
    fun serviceUrl(context: Context): String? = firstLine(context, "service-url.txt")

    private fun firstLine(context: Context, name: String): String? =
        asset(context, name)?.toString(Charsets.UTF_8)?.lineSequence()?.firstOrNull()?.trim()?.takeIf { it.isNotEmpty() }
}
