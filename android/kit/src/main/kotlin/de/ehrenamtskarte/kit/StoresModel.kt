package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Category
import de.ehrenamtskarte.core.Favorite
import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreDetails
import de.ehrenamtskarte.core.StoreSummary
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext

/**
 * One read of the store database on [dispatcher]. A read the core interrupted (a search started
 * elsewhere on the same database) is asked again; other failures come back as a [StoreProblem].
 */
internal suspend fun <T> storeRead(dispatcher: CoroutineDispatcher, read: () -> T): Result<T> {
    while (true) {
        val outcome = withContext(dispatcher) {
            try {
                Result.success(read())
            } catch (e: FeedException) {
                Result.failure(e)
            }
        }
        val e = outcome.exceptionOrNull() as? FeedException ?: return outcome
        if (StoreProblem.of(e) != null) return outcome
        delay(20)
    }
}

internal fun Throwable.storeProblem(): StoreProblem =
    (this as? FeedException)?.let { StoreProblem.of(it) } ?: StoreProblem.STORAGE

sealed interface NearbyState {
    /** No position yet (no permission, or no fix): the screen offers to allow location. */
    data object NoPosition : NearbyState

    data class Stores(val position: Position, val category: UInt?, val stores: List<StoreSummary>) : NearbyState

    data class Failed(val problem: StoreProblem) : NearbyState
}

/**
 * The nearest [limit] stores to the phone's position (from the shell's location provider), with an
 * optional category chip. Ordering and distances are the core's (`FeedStore.nearby`).
 */
class NearbyStores(
    private val db: FeedStoreInterface,
    private val limit: UInt = 20u,
    private val radiusM: Double? = null,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutableState = MutableStateFlow<NearbyState>(NearbyState.NoPosition)
    val state: StateFlow<NearbyState> = mutableState.asStateFlow()

    @Volatile
    private var position: Position? = null

    @Volatile
    private var category: UInt? = null

    suspend fun update(position: Position?, category: UInt? = this.category) {
        this.position = position
        this.category = category
        refresh()
    }

    suspend fun setCategory(category: UInt?) = update(position, category)

    suspend fun refresh() {
        val at = position
        val cat = category
        mutableState.value = if (at == null) {
            NearbyState.NoPosition
        } else {
            storeRead(dispatcher) { db.nearby(at, limit, radiusM, cat) }.fold(
                onSuccess = { NearbyState.Stores(at, cat, it) },
                onFailure = { NearbyState.Failed(it.storeProblem()) },
            )
        }
    }
}

/**
 * The favorites list and the star on each store. A favorite whose store left the feed stays, with
 * `store == null` (the core keeps it), and comes back with its store when the feed brings it again.
 */
class FavoritesModel(
    private val db: FeedStoreInterface,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutableState = MutableStateFlow<List<Favorite>>(emptyList())
    val state: StateFlow<List<Favorite>> = mutableState.asStateFlow()

    @Volatile
    private var near: Position? = null

    suspend fun refresh(near: Position? = this.near): Result<List<Favorite>> {
        this.near = near
        return storeRead(dispatcher) { db.favorites(near) }.onSuccess { mutableState.value = it }
    }

    /**
     * Marks or unmarks [storeId]. False when the store is not in the database (the core's answer)
     * or could not be written; the list is refreshed either way.
     */
    suspend fun setFavorite(storeId: Long, favorite: Boolean): Boolean {
        val done = storeRead(dispatcher) { db.setFavorite(storeId, favorite, clock.now()) }.getOrDefault(false)
        refresh()
        return done
    }

    /** Flips the star of a store in a list; returns its new state (unchanged if that failed). */
    suspend fun toggle(store: StoreSummary): Boolean =
        if (setFavorite(store.id, !store.favorite)) !store.favorite else store.favorite

    fun isFavorite(storeId: Long): Boolean = mutableState.value.any { it.storeId == storeId }
}

/** The detail view's store (null when it left the database meanwhile). */
suspend fun FeedStoreInterface.details(id: Long, dispatcher: CoroutineDispatcher = Dispatchers.IO): Result<StoreDetails?> =
    storeRead(dispatcher) { store(id) }

/** The category chips, in the core's order. */
suspend fun FeedStoreInterface.categoryList(dispatcher: CoroutineDispatcher = Dispatchers.IO): Result<List<Category>> =
    storeRead(dispatcher) { categories() }
