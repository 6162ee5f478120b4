package de.ehrenamtskarte.app.news

import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.util.Log
import com.google.android.gms.location.Geofence
import com.google.android.gms.location.GeofencingEvent
import de.ehrenamtskarte.app.EhkApplication
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull

private const val TAG = "EhkGeofence"

/** Runs [work] off the main thread while the receiver's process is kept alive (goAsync, < 10 s). */
private fun BroadcastReceiver.runAsync(work: suspend () -> Unit) {
    val pending = goAsync()
    CoroutineScope(SupervisorJob() + Dispatchers.IO).launch {
        try {
            withTimeoutOrNull(9_000) { work() }
        } catch (e: Exception) {
            Log.w(TAG, "geofence work failed: ${e.javaClass.simpleName}")
        } finally {
            pending.finish()
        }
    }
}

/**
 * Geofence transitions (ENTER/DWELL/EXIT). Whatever fired, a fresh fix goes to the coordinator: the
 * core decides whether anything is notified (dwell, once-only, daily cap, quiet hours, accuracy);
 * an EXIT of the refresh circle (or a fix outside it) makes the coordinator register new regions.
 */
class GeofenceReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val event = GeofencingEvent.fromIntent(intent) ?: return
        if (event.hasError()) {
            // E.g. GEOFENCE_NOT_AVAILABLE: location turned off, all geofences were removed; the next
            // app start or boot registers again.
            Log.w(TAG, "geofence error ${event.errorCode}")
            return
        }
        val transition = event.geofenceTransition
        if (transition != Geofence.GEOFENCE_TRANSITION_ENTER &&
            transition != Geofence.GEOFENCE_TRANSITION_DWELL &&
            transition != Geofence.GEOFENCE_TRANSITION_EXIT
        ) {
            return
        }
        val exited = if (transition == Geofence.GEOFENCE_TRANSITION_EXIT) {
            event.triggeringGeofences.orEmpty().map { it.requestId }
        } else {
            emptyList()
        }
        val news = (context.applicationContext as EhkApplication).news
        runAsync { news.locateAndHandle(exited) }
    }

    companion object {
        /** Mutable: Play services fills in the event's extras. */
        fun pendingIntent(context: Context): PendingIntent = PendingIntent.getBroadcast(
            context, 0, Intent(context, GeofenceReceiver::class.java),
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_MUTABLE,
        )
    }
}

/**
 * Geofences do not survive a reboot or an app update: a fresh fix registers the core's regions again
 * (a new process knows no registration, so the coordinator registers at its first fix).
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_BOOT_COMPLETED && intent.action != Intent.ACTION_MY_PACKAGE_REPLACED) return
        if (!Locator.hasBackground(context)) return
        val news = (context.applicationContext as EhkApplication).news
        runAsync { news.locateAndHandle() }
    }
}
