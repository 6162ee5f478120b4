package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.Fix
import de.ehrenamtskarte.core.GeofenceUpdate
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.core.Position
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/** The operating system's geofences: Android's `GeofencingClient` in the app, a fake in the tests. */
fun interface GeofenceRegistrar {
    /**
     * Drops every region this app registered before and monitors exactly [regions]. False when the
     * OS refused them (no background location permission, location turned off, an error).
     */
    suspend fun replaceAll(regions: List<MonitorRegion>): Boolean
}

/** Shows notifications: `NotificationCompat` on the "news" channel in the app, a fake in the tests. */
fun interface NewsNotifier {
    /** The core let [items] through for this event; show each one now. */
    fun notify(items: List<NewsItem>)
}

/** What one event did. */
data class GeofenceOutcome(
    /** The items handed to the notifier. */
    val notified: List<NewsItem>,
    /** The regions the core asked the OS to monitor, or null when the registration stays as it was. */
    val requested: List<MonitorRegion>?,
    /** The OS took [requested] and the core counted it; false after a refusal (the core asks again later). */
    val registered: Boolean = false,
    /** The core refused the event (e.g. a position out of range); nothing was notified or registered. */
    val problem: FeedException? = null,
)

/**
 * The glue between the OS's location and geofence events and the feed store's geofencing. Every
 * decision (which item to notify and when, which regions to watch, when to ask again) and all of
 * its state (persisted in the feed database) are the core's: the glue forwards each event, shows
 * the items the core returns, and when the core asks for regions, replaces the OS's regions with
 * exactly those and reports back whether the OS took them (`regionsRegistered`/`regionsRefused`).
 * One event at a time; the core calls run on [dispatcher].
 */
class GeofenceCoordinator(
    private val store: FeedStoreInterface,
    private val registrar: GeofenceRegistrar,
    private val notifier: NewsNotifier,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutex = Mutex()

    /** A location fix (the app in the foreground, or a background wake-up). */
    suspend fun onLocation(fix: Fix, now: Long = clock.now()): GeofenceOutcome = handle { store.onLocation(fix, now) }

    /** The OS reported entering [regionIds], with the fix the app took for it (if any). */
    suspend fun onRegionsEntered(regionIds: List<String>, fix: Fix?, now: Long = clock.now()): GeofenceOutcome =
        handle { store.onRegionsEntered(regionIds, fix, now) }

    /** The OS reported leaving [regionIds], with a fresh fix if the app has one. */
    suspend fun onRegionsExited(regionIds: List<String>, fix: Fix?, now: Long = clock.now()): GeofenceOutcome =
        handle { store.onRegionsExited(regionIds, fix, now) }

    /** Background ("all the time") location was granted or taken away. */
    suspend fun onPermissionChanged(backgroundAllowed: Boolean, now: Long = clock.now()): GeofenceOutcome =
        handle { store.onPermissionChanged(backgroundAllowed, now) }

    /** The opt-in offers near favorite stores: the news change, and with them the regions. */
    suspend fun setOffersNearFavorites(on: Boolean, now: Long = clock.now()): GeofenceOutcome =
        handle { store.setOffersNearFavorites(on, now) }

    /**
     * The OS dropped all of the app's regions (a reboot, an app update): nothing counts as
     * registered any more, so the next event registers again.
     */
    suspend fun onRegionsLost() = mutex.withLock { withContext(dispatcher) { store.regionsRefused() } }

    /** An update the core handed out with another call: a feed sync's `report.geofence`. */
    suspend fun apply(update: GeofenceUpdate): GeofenceOutcome = handle { update }

    private suspend fun handle(event: () -> GeofenceUpdate): GeofenceOutcome = mutex.withLock {
        val update = try {
            withContext(dispatcher) { event() }
        } catch (e: FeedException) {
            return GeofenceOutcome(emptyList(), null, problem = e)
        }
        if (update.notify.isNotEmpty()) notifier.notify(update.notify)
        val regions = update.register ?: return GeofenceOutcome(update.notify, null)
        val accepted = try {
            registrar.replaceAll(regions)
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            false
        }
        try {
            val counted = withContext(dispatcher) {
                if (accepted) {
                    store.regionsRegistered(regions.map { it.id })
                } else {
                    store.regionsRefused()
                    false
                }
            }
            GeofenceOutcome(update.notify, regions, counted)
        } catch (e: FeedException) {
            GeofenceOutcome(update.notify, regions, problem = e)
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

    data class Failed(val problem: FeedException) : NewsListState
}

/** The news screen: what applies at the holder's position now, as a [StateFlow]. */
class NewsListModel(
    private val store: FeedStoreInterface,
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
                NewsListState.Items(position, store.newsAt(position, now), now)
            } catch (e: FeedException) {
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

/**
 * The news settings switches. The core keeps them (muted categories stay silent in its policy;
 * "offers near favorites" changes its news, so the regions follow through [geofence]).
 */
class NewsSettingsModel(
    private val store: FeedStoreInterface,
    private val geofence: GeofenceCoordinator,
    private val clock: Clock = SystemClock,
) {
    private val mutableMuted = MutableStateFlow(readOr(emptySet()) { store.mutedCategories().toSet() })
    val muted: StateFlow<Set<NewsCategory>> = mutableMuted.asStateFlow()
    private val mutableOffers = MutableStateFlow(readOr(false) { store.offersNearFavorites() })
    val offersNearFavorites: StateFlow<Boolean> = mutableOffers.asStateFlow()

    /** Blocks on the core: call it off the main thread. */
    fun setMuted(category: NewsCategory, muted: Boolean) {
        store.setMuted(category, muted)
        mutableMuted.value = store.mutedCategories().toSet()
    }

    /** Null when [on] is already the setting; else what the changed news did to the regions. */
    suspend fun setOffersNearFavorites(on: Boolean): GeofenceOutcome? {
        if (readOr(!on) { store.offersNearFavorites() } == on) return null
        val outcome = geofence.setOffersNearFavorites(on, clock.now())
        mutableOffers.value = readOr(on) { store.offersNearFavorites() }
        return outcome
    }

    private fun <T> readOr(fallback: T, read: () -> T): T = try {
        read()
    } catch (e: FeedException) {
        fallback
    }
}
