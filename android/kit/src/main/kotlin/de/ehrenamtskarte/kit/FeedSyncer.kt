package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.SyncOutcome
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.channelFlow
import kotlinx.coroutines.flow.last
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext

/** What to do after a failed sync. */
enum class SyncRetry {
    /** Soon, with exponential backoff (WorkManager `Result.retry()`). */
    BACKOFF,

    /** Not now; the next periodic run tries again. */
    NEXT_PERIOD,
}

/** A failed sync, as the user should hear it. In every case the data on the phone is unchanged. */
enum class SyncProblem(val retry: SyncRetry) {
    /** No connection, an HTTP error, a timeout or a broken download: "offline, try again later". */
    OFFLINE(SyncRetry.BACKOFF),

    /** A file did not match the signed manifest: "the update was damaged, the old data is kept". */
    DAMAGED(SyncRetry.NEXT_PERIOD),

    /** The publisher's feed has expired (or this phone's clock is far off). */
    OUTDATED(SyncRetry.NEXT_PERIOD),

    /** Bad signature, a key not allowed to sign the feed, another project's feed, or a replayed/rolled-back version: a security problem. */
    SECURITY(SyncRetry.NEXT_PERIOD),

    /** The app's feed URL or root key is wrong: a configuration bug, retrying will not help. */
    CONFIGURATION(SyncRetry.NEXT_PERIOD),

    /** The phone's database could not be written (full disk?). */
    STORAGE(SyncRetry.NEXT_PERIOD),

    /** The sync was stopped (the worker ended, the screen closed); nothing changed. */
    CANCELLED(SyncRetry.NEXT_PERIOD),
    ;

    val isSecurityProblem: Boolean get() = this == SECURITY

    companion object {
        fun of(e: FeedException): SyncProblem = when (e) {
            is FeedException.Network -> OFFLINE
            is FeedException.Damaged -> DAMAGED
            is FeedException.Expired -> OUTDATED
            is FeedException.BadSignature, is FeedException.NotAllowed, is FeedException.WrongProject,
            is FeedException.VersionNotNewer,
            -> SECURITY
            is FeedException.InvalidArgument -> CONFIGURATION
            is FeedException.Storage -> STORAGE
            // Interrupted is a search's, never a sync's; should it come, the sync was stopped.
            is FeedException.Cancelled, is FeedException.Interrupted -> CANCELLED
        }
    }
}

sealed interface SyncState {
    data object Idle : SyncState

    /** Running; [total] is 0 until the core knows how much there is to fetch. */
    data class Running(val done: ULong, val total: ULong) : SyncState

    sealed interface Finished : SyncState {
        /** The feed version the phone has now (unchanged after a failure; null before the first sync). */
        val feedVersion: ULong?
        val at: Long
    }

    data class Synced(val result: SyncOutcome, override val feedVersion: ULong?, val storeCount: ULong, override val at: Long) : Finished {
        /**
         * True when the feed changed (screens reload their lists). The store's verifier, news and
         * regions are already current: the sync refreshed them itself.
         */
        val changed: Boolean get() = result is SyncOutcome.Updated
    }

    /** Nothing was lost: the database is exactly as before the sync (the core's guarantee). */
    data class Failed(val problem: SyncProblem, override val feedVersion: ULong?, override val at: Long) : Finished
}

/**
 * Runs the core's `FeedStore.sync` (a suspend call; cancelling the collector cancels the sync)
 * with its progress as a [Flow], maps [FeedException] to what the user is told, and hands the
 * geofence update the sync brings (new news: new regions) to [geofence]. There is nothing else to
 * do after a sync: the store's verifier and news are already the new ones. One sync at a time per
 * syncer (the periodic worker and a pull-to-refresh wait for each other). [state] is the last
 * known state, for the screen.
 */
class FeedSyncer(
    private val store: FeedStoreInterface,
    private val url: String,
    private val clock: Clock = SystemClock,
    private val geofence: GeofenceCoordinator? = null,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutex = Mutex()
    private val mutableState = MutableStateFlow<SyncState>(SyncState.Idle)
    val state: StateFlow<SyncState> = mutableState.asStateFlow()

    /** A cold flow: each collection runs one sync, emitting [SyncState.Running] steps and one [SyncState.Finished] last. */
    fun sync(): Flow<SyncState> = channelFlow {
        mutex.withLock {
            fun publish(s: SyncState) {
                mutableState.value = s
                trySend(s) // progress may be dropped for a slow collector; the last state is sent below
            }
            publish(SyncState.Running(0uL, 0uL))
            val listener = object : ProgressListener {
                override fun progress(done: ULong, total: ULong) = publish(SyncState.Running(done, total))
            }
            val now = clock.now()
            val finished = try {
                val report = store.sync(url, now, listener)
                geofence?.apply(report.geofence)
                withContext(dispatcher) { SyncState.Synced(report.outcome, versionOrNull(), countOrZero(), now) }
            } catch (e: FeedException) {
                withContext(dispatcher) { SyncState.Failed(SyncProblem.of(e), versionOrNull(), now) }
            }
            mutableState.value = finished
            send(finished)
        }
    }

    /** Runs one sync to the end (for the background worker). */
    suspend fun syncNow(): SyncState.Finished = sync().last() as SyncState.Finished

    private fun versionOrNull(): ULong? = try {
        store.feedVersion()
    } catch (e: FeedException) {
        null
    }

    private fun countOrZero(): ULong = try {
        store.storeCount()
    } catch (e: FeedException) {
        0uL
    }
}
