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
import de.ehrenamtskarte.app.MainActivity
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Fix
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.kit.GeofenceCoordinator
import de.ehrenamtskarte.kit.GeofenceOutcome
import de.ehrenamtskarte.kit.GeofenceRegistrar
import de.ehrenamtskarte.kit.NewsListModel
import de.ehrenamtskarte.kit.NewsNotifier
import de.ehrenamtskarte.kit.NewsSettingsModel
import de.ehrenamtskarte.kit.body
import de.ehrenamtskarte.kit.title
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.tasks.await
import java.util.Locale

private const val TAG = "EhkNews"

/**
 * The news side of the feed store: the geofence glue over the GeofencingClient and the notifier,
 * and the news screen's models. Created once per process (the app, the geofence and boot receivers,
 * the sync worker share it). Thin: which item to show, when, which regions to watch, and the
 * settings are the core's, kept in the feed database.
 */
class NewsServices(private val context: Context, val store: FeedStore) {
    val coordinator = GeofenceCoordinator(store, GeofencingRegistrar(context), NotificationNotifier(context))
    val list = NewsListModel(store)
    val settings = NewsSettingsModel(store, coordinator)

    /**
     * A fresh fix for the core, with the OS event that woke the app (regions entered or exited),
     * or alone (the news screen, a permission answer). Null without a fix and without an event.
     */
    suspend fun locateAndHandle(entered: List<String> = emptyList(), exited: List<String> = emptyList()): GeofenceOutcome? {
        val location = Locator.currentFix(context, Priority.PRIORITY_HIGH_ACCURACY)
        val fix = location?.let {
            Fix(latitude = it.latitude, longitude = it.longitude, accuracyM = if (it.hasAccuracy()) it.accuracy.toDouble() else Double.MAX_VALUE)
        }
        return when {
            entered.isNotEmpty() -> coordinator.onRegionsEntered(entered, fix)
            exited.isNotEmpty() -> coordinator.onRegionsExited(exited, fix)
            fix != null -> coordinator.onLocation(fix)
            else -> null
        }
    }

    /** Tells the core whether background location is allowed now (at start, after a permission answer). */
    suspend fun permissionChanged(): GeofenceOutcome = coordinator.onPermissionChanged(Locator.hasBackground(context))

    /** The OS dropped the app's geofences (a reboot, an update, location turned off): register again. */
    suspend fun regionsLost() {
        coordinator.onRegionsLost()
        permissionChanged()
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
 * the core asks for no more than Android's 100 (`Platform.ANDROID`). Without background location
 * the OS would refuse them: reported as refused, so the core asks again once it is granted.
 */
class GeofencingRegistrar(private val context: Context) : GeofenceRegistrar {
    private val client = LocationServices.getGeofencingClient(context)

    @SuppressLint("MissingPermission") // checked: without background location nothing is registered
    override suspend fun replaceAll(regions: List<MonitorRegion>): Boolean {
        val intent = GeofenceReceiver.pendingIntent(context)
        val fences = regions.map { region ->
            Geofence.Builder()
                .setRequestId(region.id)
                .setCircularRegion(region.latitude, region.longitude, region.radiusM.toFloat())
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
        return try {
            client.removeGeofences(intent).await()
            when {
                fences.isEmpty() -> true
                !Locator.hasBackground(context) -> false
                else -> {
                    val request = GeofencingRequest.Builder()
                        // Already inside an area: the DWELL trigger after the loitering delay, not an instant ENTER.
                        .setInitialTrigger(GeofencingRequest.INITIAL_TRIGGER_DWELL)
                        .addGeofences(fences)
                        .build()
                    client.addGeofences(request, intent).await()
                    true
                }
            }
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Log.w(TAG, "geofences not registered: ${e.javaClass.simpleName}")
            false
        }
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
