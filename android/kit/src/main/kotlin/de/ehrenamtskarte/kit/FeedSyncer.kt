package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.StoreDatabaseInterface
import de.ehrenamtskarte.core.StoreException
import de.ehrenamtskarte.core.SyncException
import de.ehrenamtskarte.core.SyncResult
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

/** Where the feed is and the root key its manifest must be signed under (app config/assets). */
class FeedConfig(val url: String, val rootPublicKey: ByteArray)

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

    /** Bad signature, a key not allowed to sign the feed, or a replayed/rolled-back version: a security problem. */
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
        fun of(e: SyncException): SyncProblem = when (e) {
            is SyncException.Network -> OFFLINE
            is SyncException.Damaged -> DAMAGED
            is SyncException.Expired -> OUTDATED
            is SyncException.BadSignature, is SyncException.NotAllowed, is SyncException.VersionNotNewer -> SECURITY
            is SyncException.InvalidArgument -> CONFIGURATION
            is SyncException.Storage -> STORAGE
            is SyncException.Cancelled -> CANCELLED
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

    data class Synced(val result: SyncResult, override val feedVersion: ULong?, val storeCount: ULong, override val at: Long) : Finished {
        /** True when stores, trust list or revocation lists changed (screens and the verifier reload). */
        val changed: Boolean get() = result is SyncResult.Updated
    }

    /** Nothing was lost: the database is exactly as before the sync (the core's guarantee). */
    data class Failed(val problem: SyncProblem, override val feedVersion: ULong?, override val at: Long) : Finished
}

/**
 * Runs the core's `StoreDatabase.sync` off the main thread with its progress as a [Flow], and maps
 * [SyncException] to what the user is told. One sync at a time per syncer (the periodic worker
 * and a pull-to-refresh wait for each other). [state] is the last known state, for the screen.
 */
class FeedSyncer(
    private val db: StoreDatabaseInterface,
    private val config: FeedConfig,
    private val clock: Clock = SystemClock,
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
            val finished = withContext(dispatcher) {
                val now = clock.now()
                try {
                    val result = db.sync(config.url, config.rootPublicKey, now, listener)
                    SyncState.Synced(result, versionOrNull(), countOrZero(), now)
                } catch (e: SyncException) {
                    SyncState.Failed(SyncProblem.of(e), versionOrNull(), now)
                }
            }
            mutableState.value = finished
            send(finished)
        }
    }

    /** Runs one sync to the end (for the background worker). */
    suspend fun syncNow(): SyncState.Finished = sync().last() as SyncState.Finished

    private fun versionOrNull(): ULong? = try {
        db.feedVersion()
    } catch (e: StoreException) {
        null
    }

    private fun countOrZero(): ULong = try {
        db.storeCount()
    } catch (e: StoreException) {
        0uL
    }
}
