package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.StoreSummary
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.collectLatest
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.launch

/** Why a store query failed; never a "superseded" search (that is not a failure). */
enum class StoreProblem {
    /** A bad argument (e.g. a position outside the globe): a bug in the caller, not the user's fault. */
    INVALID_ARGUMENT,

    /** The database could not be read. */
    STORAGE,
    ;

    companion object {
        /**
         * Null for [FeedException.Interrupted], which means "a newer query replaced this one". The
         * sync's variants never come from a query; should one, it counts as unreadable data.
         */
        fun of(e: FeedException): StoreProblem? = when (e) {
            is FeedException.InvalidArgument -> INVALID_ARGUMENT
            is FeedException.Interrupted -> null
            is FeedException.Storage, is FeedException.Cancelled, is FeedException.Network, is FeedException.Damaged,
            is FeedException.BadSignature, is FeedException.NotAllowed, is FeedException.VersionNotNewer,
            is FeedException.WrongProject, is FeedException.Expired,
            -> STORAGE
        }
    }
}

/** What the user asked for: the text typed so far, a category chip, and where the phone is (if allowed). */
data class StoreFilter(
    val text: String = "",
    val category: UInt? = null,
    val near: Position? = null,
    /** Nearest first instead of best match first (only with [near]). */
    val sortByDistance: Boolean = false,
)

sealed interface StoreSearchState {
    val filter: StoreFilter

    /** A query is waiting for the debounce or running; [previous] stays on screen meanwhile. */
    data class Loading(override val filter: StoreFilter, val previous: List<StoreSummary>) : StoreSearchState

    data class Results(override val filter: StoreFilter, val stores: List<StoreSummary>) : StoreSearchState

    data class Failed(override val filter: StoreFilter, val problem: StoreProblem) : StoreSearchState
}

/** The stores shown for a state: the results, or the last results while loading. */
val StoreSearchState.stores: List<StoreSummary>
    get() = when (this) {
        is StoreSearchState.Loading -> previous
        is StoreSearchState.Results -> stores
        is StoreSearchState.Failed -> emptyList()
    }

/**
 * Search-as-you-type over the core's `FeedStore.search`. Every change of the [StoreFilter]
 * (each key stroke) restarts a [debounceMillis] wait; only the filter that stays still that long is
 * searched, on [dispatcher]. A newer filter cancels the running search through the core's
 * `cancelSearch()`, and the `FeedException.Interrupted` that the cancelled search ends with is
 * treated as "superseded", never shown as an error. An empty text lists stores (nearest first with
 * a position, else by name): that is the core's decision, too.
 *
 * Runs until [scope] is cancelled (a ViewModel's scope in the app).
 */
class StoreSearchController(
    private val db: FeedStoreInterface,
    scope: CoroutineScope,
    private val debounceMillis: Long = 250,
    private val limit: UInt = 50u,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val filter = MutableStateFlow(StoreFilter())
    private val refreshes = MutableStateFlow(0L)
    private val mutableState = MutableStateFlow<StoreSearchState>(StoreSearchState.Loading(StoreFilter(), emptyList()))
    val state: StateFlow<StoreSearchState> = mutableState.asStateFlow()

    /** The current filter, as the search field and the chips should show it. */
    val currentFilter: StateFlow<StoreFilter> = filter.asStateFlow()

    init {
        scope.launch {
            combine(filter, refreshes) { f, _ -> f }.collectLatest { f ->
                mutableState.value = StoreSearchState.Loading(f, mutableState.value.stores)
                delay(debounceMillis)
                mutableState.value = search(f)
            }
        }
    }

    fun setText(text: String) = filter.update { it.copy(text = text) }

    fun setCategory(category: UInt?) = filter.update { it.copy(category = category) }

    fun setPosition(near: Position?) = filter.update { it.copy(near = near, sortByDistance = it.sortByDistance && near != null) }

    fun setSortByDistance(byDistance: Boolean) = filter.update { it.copy(sortByDistance = byDistance && it.near != null) }

    /** Runs the current filter again (after a sync or a favorite toggle changed the data). */
    fun refresh() {
        refreshes.value += 1
    }

    private inline fun MutableStateFlow<StoreFilter>.update(change: (StoreFilter) -> StoreFilter) {
        while (true) {
            val old = value
            if (compareAndSet(old, change(old))) return
        }
    }

    /** The state for [f]; throws CancellationException when a newer filter superseded it. */
    private suspend fun search(f: StoreFilter): StoreSearchState {
        val query = StoreQuery(
            text = f.text.trim(),
            category = f.category,
            near = f.near,
            radiusM = null,
            sortByDistance = f.sortByDistance && f.near != null,
            offset = 0u,
            limit = limit,
        )
        // The core interrupts a running search when another one starts anywhere on this database;
        // if ours was interrupted without being superseded here, it is asked again.
        while (true) {
            when (val outcome = cancellableSearch(query)) {
                is Outcome.Found -> return StoreSearchState.Results(f, outcome.stores)
                is Outcome.Problem -> StoreProblem.of(outcome.e)?.let { return StoreSearchState.Failed(f, it) }
            }
            delay(RETRY_MILLIS)
        }
    }

    private companion object {
        const val RETRY_MILLIS = 20L
    }

    private sealed interface Outcome {
        class Found(val stores: List<StoreSummary>) : Outcome
        class Problem(val e: FeedException) : Outcome
    }

    /**
     * The blocking core call runs on [dispatcher]; if this coroutine is cancelled (a newer filter),
     * the core is told to stop at once, and its result (Interrupted) is dropped.
     */
    private suspend fun cancellableSearch(query: StoreQuery): Outcome = coroutineScope {
        val call = async(dispatcher) {
            try {
                Outcome.Found(db.search(query))
            } catch (e: FeedException) {
                Outcome.Problem(e)
            }
        }
        try {
            call.await()
        } catch (e: CancellationException) {
            db.cancelSearch()
            throw e
        }
    }
}
