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
 * Geofence transitions (ENTER/DWELL/EXIT): the regions and a fresh fix go to the core, which
 * decides whether anything is notified (dwell, once-only, daily cap, quiet hours, accuracy) and
 * whether new regions are needed (the refresh circle was left).
 */
class GeofenceReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val event = GeofencingEvent.fromIntent(intent) ?: return
        val news = (context.applicationContext as EhkApplication).news ?: return
        if (event.hasError()) {
            // E.g. GEOFENCE_NOT_AVAILABLE: location turned off, all geofences were removed; the core
            // is told, and registers again at the next event.
            Log.w(TAG, "geofence error ${event.errorCode}")
            runAsync { news.regionsLost() }
            return
        }
        val ids = event.triggeringGeofences.orEmpty().map { it.requestId }
        when (event.geofenceTransition) {
            Geofence.GEOFENCE_TRANSITION_ENTER, Geofence.GEOFENCE_TRANSITION_DWELL -> runAsync { news.locateAndHandle(entered = ids) }
            Geofence.GEOFENCE_TRANSITION_EXIT -> runAsync { news.locateAndHandle(exited = ids) }
        }
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
 * Geofences do not survive a reboot or an app update: the core is told they are gone and, with
 * background location allowed, asks for its regions around the last known position at once.
 */
class BootReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        if (intent.action != Intent.ACTION_BOOT_COMPLETED && intent.action != Intent.ACTION_MY_PACKAGE_REPLACED) return
        val news = (context.applicationContext as EhkApplication).news ?: return
        runAsync { news.regionsLost() }
    }
}
