package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsEngineInterface
import de.ehrenamtskarte.core.NewsException
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreDatabase
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext
import kotlin.math.asin
import kotlin.math.cos
import kotlin.math.sin
import kotlin.math.sqrt

/** The operating system's geofences: Android's `GeofencingClient` in the app, a fake in the tests. */
interface GeofenceRegistrar {
    /** Drops every region this app registered before and monitors exactly [regions]. */
    fun replaceAll(regions: List<MonitorRegion>)
}

/** Shows notifications: `NotificationCompat` on the "news" channel in the app, a fake in the tests. */
interface NewsNotifier {
    /** [items] passed the core's policy for this fix; show each one now. */
    fun notify(items: List<NewsItem>)
}

/** What one location fix did. */
data class LocationOutcome(
    /** The items handed to the notifier (the core's `onPosition`). */
    val notified: List<NewsItem>,
    /** The regions registered anew, or null when the registration stayed as it was. */
    val registered: List<MonitorRegion>?,
    /** The core refused the fix (e.g. a position out of range); nothing was notified or registered. */
    val problem: NewsException? = null,
)

/**
 * Glue between the OS's location events and the core's `NewsEngine`. Every decision (which item
 * to notify, when, how often, whether the fix is precise enough, which regions to watch) is the
 * core's; the coordinator only forwards fixes, hands the result to the [notifier] and keeps the
 * [registrar]'s regions current:
 *
 * - a fix outside the registered refresh circle (or an exit event for it, [onGeofenceExit]), or
 *   the first fix ever, registers the core's `regionsToMonitor(position, maxRegions)` anew;
 * - after a feed sync, [reload] loads the news into the engine and re-registers around the last
 *   known position (the new items may lie elsewhere).
 *
 * Thread-safe (one call at a time); the calls block on the core, so call them off the main thread.
 */
class GeofenceCoordinator(
    private val engine: NewsEngineInterface,
    private val registrar: GeofenceRegistrar,
    private val notifier: NewsNotifier,
    private val clock: Clock = SystemClock,
    /** Android monitors at most 100 geofences per app. */
    private val maxRegions: UInt = ANDROID_MAX_REGIONS,
) {
    private val lock = Any()
    private var lastPosition: Position? = null
    private var registered: List<MonitorRegion>? = null

    /** The regions registered last (the refresh circle last), null before the first registration. */
    val regions: List<MonitorRegion>? get() = synchronized(lock) { registered }

    /** The last fix the coordinator saw (also kept across a [reload]). */
    val position: Position? get() = synchronized(lock) { lastPosition }

    /** True when [id] names the registered refresh circle (the receiver's "ask again" signal). */
    fun isRefreshRegion(id: String): Boolean = synchronized(lock) { registered?.any { it.refresh && it.id == id } == true }

    /** A location fix ([accuracyM] metres, Unix seconds [now]): notify what the core says, re-register if needed. */
    fun onLocation(position: Position, accuracyM: Double, now: Long = clock.now()): LocationOutcome =
        handle(position, accuracyM, now, forceRefresh = false)

    /**
     * The OS reported leaving the regions [exitedIds], with a fresh fix: like [onLocation], and
     * re-registers when the refresh circle is among them.
     */
    fun onGeofenceExit(exitedIds: Collection<String>, position: Position, accuracyM: Double, now: Long = clock.now()): LocationOutcome {
        val refresh = exitedIds.any { isRefreshRegion(it) }
        return handle(position, accuracyM, now, forceRefresh = refresh)
    }

    /**
     * Registers the core's regions around [position] (or the last known one) now: after boot, after
     * the permission was granted, after the settings changed. Null without any position.
     */
    fun refresh(position: Position? = null, now: Long = clock.now()): List<MonitorRegion>? = synchronized(lock) {
        val at = position ?: lastPosition ?: return null
        try {
            register(at, now)
        } catch (e: NewsException) {
            null
        }
    }

    /**
     * After a feed sync: the core's `reload` (the news the sync brought, checked against the root
     * key; plus offers near favorites if opted in), then re-registration around the last position.
     * Returns how many items apply.
     */
    fun reload(stores: StoreDatabase, rootPublicKey: ByteArray, offersNearFavorites: Boolean, now: Long = clock.now()): UInt =
        synchronized(lock) {
            val count = engine.reload(stores, rootPublicKey, now, offersNearFavorites)
            lastPosition?.let { at ->
                try {
                    register(at, now)
                } catch (e: NewsException) {
                    // Keep the previous registration; the next fix tries again.
                }
            }
            count
        }

    private fun handle(position: Position, accuracyM: Double, now: Long, forceRefresh: Boolean): LocationOutcome =
        synchronized(lock) {
            val notified = try {
                engine.onPosition(position, accuracyM, now)
            } catch (e: NewsException) {
                return LocationOutcome(emptyList(), null, e)
            }
            lastPosition = position
            if (notified.isNotEmpty()) notifier.notify(notified)
            val needsRefresh = forceRefresh || registered.let { it == null || outsideRefresh(it, position) }
            val regions = if (needsRefresh) {
                try {
                    register(position, now)
                } catch (e: NewsException) {
                    return LocationOutcome(notified, null, e)
                }
            } else {
                null
            }
            LocationOutcome(notified, regions)
        }

    private fun register(position: Position, now: Long): List<MonitorRegion> {
        val regions = engine.regionsToMonitor(position, maxRegions, now)
        registrar.replaceAll(regions)
        registered = regions
        return regions
    }

    /**
     * A safety net for a missed exit event: the fix lies outside the refresh circle. Only a
     * geometric check of the circle the core chose; what to watch next is again the core's.
     */
    private fun outsideRefresh(regions: List<MonitorRegion>, position: Position): Boolean {
        val refresh = regions.lastOrNull { it.refresh } ?: return true
        return distanceM(refresh.center, position) > refresh.radiusM
    }

    companion object {
        const val ANDROID_MAX_REGIONS: UInt = 100u

        private fun distanceM(a: Position, b: Position): Double {
            val dLat = Math.toRadians(b.latitude - a.latitude)
            val dLon = Math.toRadians(b.longitude - a.longitude)
            val h = sin(dLat / 2).let { it * it } +
                cos(Math.toRadians(a.latitude)) * cos(Math.toRadians(b.latitude)) * sin(dLon / 2).let { it * it }
            return 2 * 6_371_008.8 * asin(sqrt(h.coerceIn(0.0, 1.0)))
        }
    }
}

/** The item's title in the UI language. */
fun NewsItem.title(lang: Lang): String = if (lang == Lang.DE || titleEn.isEmpty()) titleDe else titleEn

/** The item's body in the UI language (the German text when there is no English one). */
fun NewsItem.body(lang: Lang): String = if (lang == Lang.DE || bodyEn.isEmpty()) bodyDe else bodyEn

sealed interface NewsListState {
    /** No position yet (no permission, no fix): the screen asks for the location. */
    data object NoPosition : NewsListState

    data object Loading : NewsListState

    /** The core's `newsAt`: highest priority first, then nearest. */
    data class Items(val position: Position, val items: List<NewsItem>, val at: Long) : NewsListState

    data class Failed(val problem: NewsException) : NewsListState
}

/** The news screen: what applies at the holder's position now, as a [StateFlow]. */
class NewsListModel(
    private val engine: NewsEngineInterface,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutableState = MutableStateFlow<NewsListState>(NewsListState.NoPosition)
    val state: StateFlow<NewsListState> = mutableState.asStateFlow()

    /** Loads the news at [position] (the screen's fix), off the main thread. */
    suspend fun load(position: Position): NewsListState {
        mutableState.value = NewsListState.Loading
        val next = withContext(dispatcher) {
            val now = clock.now()
            try {
                NewsListState.Items(position, engine.newsAt(position, now), now)
            } catch (e: NewsException) {
                NewsListState.Failed(e)
            }
        }
        mutableState.value = next
        return next
    }

    /** Loads again at the last position (after a sync); stays as it is without one. */
    suspend fun reload(): NewsListState {
        val at = (state.value as? NewsListState.Items)?.position ?: return state.value
        return load(at)
    }
}

/** Where the holder's news choices are kept (SharedPreferences in the app, memory in the tests). */
interface NewsPreferences {
    var mutedCategories: Set<NewsCategory>
    var offersNearFavorites: Boolean
}

class InMemoryNewsPreferences : NewsPreferences {
    override var mutedCategories: Set<NewsCategory> = emptySet()
    override var offersNearFavorites: Boolean = false
}

/**
 * The settings toggles: muted categories go to the core (its policy keeps them silent) and are
 * remembered for the switches; "offers near favorites" is the `reload` flag, so changing it
 * reloads through [reload] (the coordinator's, which also re-registers the regions).
 */
class NewsSettingsModel(
    private val engine: NewsEngineInterface,
    private val prefs: NewsPreferences,
    private val reload: (offersNearFavorites: Boolean) -> Unit,
) {
    private val mutableMuted = MutableStateFlow(prefs.mutedCategories)
    val muted: StateFlow<Set<NewsCategory>> = mutableMuted.asStateFlow()
    private val mutableOffers = MutableStateFlow(prefs.offersNearFavorites)
    val offersNearFavorites: StateFlow<Boolean> = mutableOffers.asStateFlow()

    /** Tells the core the remembered mutes again (e.g. after its state file was recreated). */
    fun applyToEngine() {
        NewsCategory.entries.forEach { engine.setMuted(it, it in prefs.mutedCategories) }
    }

    fun setMuted(category: NewsCategory, muted: Boolean) {
        engine.setMuted(category, muted)
        val next = if (muted) prefs.mutedCategories + category else prefs.mutedCategories - category
        prefs.mutedCategories = next
        mutableMuted.value = next
    }

    fun setOffersNearFavorites(on: Boolean) {
        if (prefs.offersNearFavorites == on) return
        prefs.offersNearFavorites = on
        mutableOffers.value = on
        reload(on)
    }
}
