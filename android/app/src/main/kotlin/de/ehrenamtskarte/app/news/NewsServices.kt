package de.ehrenamtskarte.app.news

import android.Manifest
import android.annotation.SuppressLint
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.location.Location
import android.os.Build
import android.util.Log
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import com.google.android.gms.location.Geofence
import com.google.android.gms.location.GeofencingRequest
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import de.ehrenamtskarte.app.FeedServices
import de.ehrenamtskarte.app.MainActivity
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsEngine
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.kit.GeofenceCoordinator
import de.ehrenamtskarte.kit.GeofenceRegistrar
import de.ehrenamtskarte.kit.LocationOutcome
import de.ehrenamtskarte.kit.NewsListModel
import de.ehrenamtskarte.kit.NewsNotifier
import de.ehrenamtskarte.kit.NewsPreferences
import de.ehrenamtskarte.kit.NewsSettingsModel
import de.ehrenamtskarte.kit.body
import de.ehrenamtskarte.kit.title
import kotlinx.coroutines.tasks.await
import java.io.File
import java.util.Locale

private const val TAG = "EhkNews"

/**
 * The news engine (its policy state in `noBackupFilesDir/news-state.sqlite`), the geofence
 * coordinator over the GeofencingClient and the notifier, and the news screen's models. Opened once
 * per process (the app, the geofence and boot receivers, the sync worker share it). Thin: which item
 * to show, when, and which regions to watch are the core's decisions.
 */
class NewsServices(private val context: Context, private val feed: FeedServices) {
    val engine: NewsEngine = NewsEngine.open(File(context.noBackupFilesDir, "news-state.sqlite").path)
    val prefs = SharedPreferencesNewsPreferences(context)
    val coordinator = GeofenceCoordinator(engine, GeofencingRegistrar(context), NotificationNotifier(context))
    val list = NewsListModel(engine)
    val settings = NewsSettingsModel(engine, prefs) { offers -> reload(offers) }

    init {
        settings.applyToEngine()
        // The items of the last sync, so a fresh process answers at once (cheap: a local load).
        runCatching { reload(prefs.offersNearFavorites) }.onFailure { Log.w(TAG, "news reload failed: ${it.javaClass.simpleName}") }
    }

    /** After a feed sync (and when "offers near favorites" changes): the core reloads, the regions follow. */
    fun reload(offersNearFavorites: Boolean = prefs.offersNearFavorites) {
        val root = feed.rootKey ?: return
        coordinator.reload(feed.storeDatabase, root, offersNearFavorites)
    }

    /** One fresh fix handed to the coordinator (boot, permission granted, a geofence event). */
    suspend fun locateAndHandle(exitedIds: List<String> = emptyList()): LocationOutcome? {
        val fix = Locator.currentFix(context, Priority.PRIORITY_HIGH_ACCURACY) ?: return null
        val position = Position(latitude = fix.latitude, longitude = fix.longitude)
        val accuracy = if (fix.hasAccuracy()) fix.accuracy.toDouble() else Double.MAX_VALUE
        return coordinator.onGeofenceExit(exitedIds, position, accuracy)
    }

    companion object {
        const val CHANNEL_ID = "news"

        fun createChannel(context: Context) {
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.O) return
            val channel = NotificationChannel(CHANNEL_ID, context.getString(R.string.news_channel), NotificationManager.IMPORTANCE_DEFAULT)
            channel.description = context.getString(R.string.news_channel_description)
            context.getSystemService(NotificationManager::class.java).createNotificationChannel(channel)
        }
    }
}

/** Location permission checks and one fresh fix from the fused provider. */
object Locator {
    fun hasForeground(context: Context): Boolean = granted(context, Manifest.permission.ACCESS_FINE_LOCATION)

    /** Geofences fire in the background only with "Allow all the time" (Android 10+). */
    fun hasBackground(context: Context): Boolean =
        hasForeground(context) &&
            (Build.VERSION.SDK_INT < Build.VERSION_CODES.Q || granted(context, Manifest.permission.ACCESS_BACKGROUND_LOCATION))

    fun hasNotifications(context: Context): Boolean =
        Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU || granted(context, Manifest.permission.POST_NOTIFICATIONS)

    private fun granted(context: Context, permission: String) =
        ContextCompat.checkSelfPermission(context, permission) == PackageManager.PERMISSION_GRANTED

    @SuppressLint("MissingPermission") // checked above
    suspend fun currentFix(context: Context, priority: Int = Priority.PRIORITY_BALANCED_POWER_ACCURACY): Location? {
        if (!hasForeground(context) &&
            !granted(context, Manifest.permission.ACCESS_COARSE_LOCATION)
        ) {
            return null
        }
        val client = LocationServices.getFusedLocationProviderClient(context)
        return runCatching {
            client.getCurrentLocation(priority, CancellationTokenSource().token).await() ?: client.lastLocation.await()
        }.getOrNull()
    }
}

/**
 * The core's regions as Play services geofences: every region ENTER/DWELL/EXIT (dwell after the
 * core's 60 s), the refresh circle EXIT only. Replacing means removing all of ours, then adding;
 * at most 100 (Android's per-app limit, the coordinator asks the core for no more).
 */
class GeofencingRegistrar(private val context: Context) : GeofenceRegistrar {
    private val client = LocationServices.getGeofencingClient(context)

    @SuppressLint("MissingPermission") // checked: without background location nothing is registered
    override fun replaceAll(regions: List<MonitorRegion>) {
        val intent = GeofenceReceiver.pendingIntent(context)
        val fences = regions.take(GeofenceCoordinator.ANDROID_MAX_REGIONS.toInt()).map { region ->
            Geofence.Builder()
                .setRequestId(region.id)
                .setCircularRegion(region.center.latitude, region.center.longitude, region.radiusM.toFloat())
                .setExpirationDuration(Geofence.NEVER_EXPIRE)
                .apply {
                    if (region.refresh) {
                        setTransitionTypes(Geofence.GEOFENCE_TRANSITION_EXIT)
                    } else {
                        setTransitionTypes(
                            Geofence.GEOFENCE_TRANSITION_ENTER or Geofence.GEOFENCE_TRANSITION_DWELL or Geofence.GEOFENCE_TRANSITION_EXIT,
                        )
                        setLoiteringDelay(LOITERING_MS)
                    }
                }
                .build()
        }
        val removed = client.removeGeofences(intent)
        if (fences.isEmpty() || !Locator.hasBackground(context)) return
        val request = GeofencingRequest.Builder()
            // Already inside an area: the DWELL trigger after the loitering delay, not an instant ENTER.
            .setInitialTrigger(GeofencingRequest.INITIAL_TRIGGER_DWELL)
            .addGeofences(fences)
            .build()
        removed.continueWithTask { client.addGeofences(request, intent) }
            .addOnFailureListener { Log.w(TAG, "addGeofences failed: ${it.javaClass.simpleName}") }
    }

    private companion object {
        const val LOITERING_MS = 60_000
    }
}

/** One notification per item the core let through, on the "news" channel; a tap opens the News tab. */
class NotificationNotifier(private val context: Context) : NewsNotifier {
    @SuppressLint("MissingPermission") // checked by areNotificationsEnabled / hasNotifications
    override fun notify(items: List<NewsItem>) {
        val manager = NotificationManagerCompat.from(context)
        if (!Locator.hasNotifications(context) || !manager.areNotificationsEnabled()) return
        val lang = if (Locale.getDefault().language == "de") Lang.DE else Lang.EN
        val open = PendingIntent.getActivity(
            context, 0,
            Intent(context, MainActivity::class.java).putExtra(MainActivity.EXTRA_TAB, MainActivity.TAB_NEWS)
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_CLEAR_TOP),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        for (item in items) {
            val body = item.body(lang)
            val notification = NotificationCompat.Builder(context, NewsServices.CHANNEL_ID)
                .setSmallIcon(android.R.drawable.ic_dialog_info)
                .setContentTitle(item.title(lang))
                .setContentText(body)
                .setStyle(NotificationCompat.BigTextStyle().bigText(body))
                .setCategory(if (item.category == NewsCategory.OFFER) NotificationCompat.CATEGORY_PROMO else NotificationCompat.CATEGORY_EVENT)
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
            manager.notify(item.id, 0, notification)
        }
    }
}

/** The holder's news choices in SharedPreferences (the switches; the core keeps its own copy of the mutes). */
class SharedPreferencesNewsPreferences(context: Context) : NewsPreferences {
    private val prefs = context.getSharedPreferences("news", Context.MODE_PRIVATE)

    override var mutedCategories: Set<NewsCategory>
        get() = prefs.getStringSet(KEY_MUTED, emptySet()).orEmpty()
            .mapNotNull { name -> NewsCategory.entries.firstOrNull { it.name == name } }.toSet()
        set(value) = prefs.edit().putStringSet(KEY_MUTED, value.map { it.name }.toSet()).apply()

    override var offersNearFavorites: Boolean
        get() = prefs.getBoolean(KEY_OFFERS, false)
        set(value) = prefs.edit().putBoolean(KEY_OFFERS, value).apply()

    private companion object {
        const val KEY_MUTED = "muted"
        const val KEY_OFFERS = "offers_near_favorites"
    }
}
