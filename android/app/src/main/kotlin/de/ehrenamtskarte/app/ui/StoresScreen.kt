package de.ehrenamtskarte.app.ui

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.filled.Star
import androidx.compose.material.icons.outlined.Star
import androidx.compose.material3.FilterChip
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import de.ehrenamtskarte.app.FeedServices
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.core.Category
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreDetails
import de.ehrenamtskarte.core.StoreSummary
import de.ehrenamtskarte.kit.FavoritesModel
import de.ehrenamtskarte.kit.NearbyState
import de.ehrenamtskarte.kit.NearbyStores
import de.ehrenamtskarte.kit.StoreProblem
import de.ehrenamtskarte.kit.StoreSearchController
import de.ehrenamtskarte.kit.StoreSearchState
import de.ehrenamtskarte.kit.SyncProblem
import de.ehrenamtskarte.kit.SyncState
import de.ehrenamtskarte.kit.categoryList
import de.ehrenamtskarte.kit.details
import de.ehrenamtskarte.kit.stores
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.tasks.await

/** The stores screen's models from the kit, alive as long as the screen's ViewModel. */
class StoresViewModel(private val feed: FeedServices, private val db: FeedStore) : ViewModel() {
    val search = StoreSearchController(db, viewModelScope)
    val nearby = NearbyStores(db, limit = 20u)
    val favorites = FavoritesModel(db)
    private val mutableCategories = MutableStateFlow<List<Category>>(emptyList())
    val categories: StateFlow<List<Category>> = mutableCategories.asStateFlow()

    init {
        viewModelScope.launch { reload() }
        // A sync that changed the data (in the worker or from the refresh button) reloads the lists.
        feed.syncer?.let { syncer ->
            viewModelScope.launch {
                syncer.state.collect { if (it is SyncState.Synced && it.changed) reload() }
            }
        }
    }

    private suspend fun reload() {
        mutableCategories.value = db.categoryList().getOrDefault(emptyList())
        search.refresh()
        nearby.refresh()
        favorites.refresh()
    }

    fun setCategory(category: UInt?) {
        search.setCategory(category)
        viewModelScope.launch { nearby.setCategory(category) }
    }

    fun setPosition(position: Position?) {
        search.setPosition(position)
        search.setSortByDistance(position != null)
        viewModelScope.launch {
            nearby.update(position)
            favorites.refresh(position)
        }
    }

    fun toggleFavorite(store: StoreSummary) {
        viewModelScope.launch {
            favorites.toggle(store)
            search.refresh()
            nearby.refresh()
        }
    }

    fun setFavorite(storeId: Long, favorite: Boolean) {
        viewModelScope.launch {
            favorites.setFavorite(storeId, favorite)
            search.refresh()
            nearby.refresh()
        }
    }

    fun syncNow() {
        viewModelScope.launch { feed.sync() }
    }

    suspend fun details(id: Long): StoreDetails? = db.details(id).getOrNull()

    override fun onCleared() {
        db.cancelSearch() // the screen closed: stop a running search at once
    }
}

/** Partner stores: search as you type, category chips, nearby (with permission), favorites, details. */
@Composable
fun StoresScreen(services: Services, modifier: Modifier = Modifier) {
    val store = services.feed.store
    if (store == null) {
        Text(stringResource(R.string.stores_no_feed), modifier.padding(16.dp), style = MaterialTheme.typography.bodySmall)
        return
    }
    val model: StoresViewModel = viewModel { StoresViewModel(services.feed, store) }
    var openStoreId by rememberSaveable { mutableStateOf<Long?>(null) }
    val lang = services.lang

    openStoreId?.let { id ->
        BackHandler { openStoreId = null }
        StoreDetailScreen(model, id, lang, onBack = { openStoreId = null }, modifier)
        return
    }

    val filter by model.search.currentFilter.collectAsStateWithLifecycle()
    val searchState by model.search.state.collectAsStateWithLifecycle()
    val nearbyState by model.nearby.state.collectAsStateWithLifecycle()
    val categories by model.categories.collectAsStateWithLifecycle()
    val favorites by model.favorites.state.collectAsStateWithLifecycle()
    var nearbyMode by rememberSaveable { mutableStateOf(false) }
    var locationProblem by rememberSaveable { mutableStateOf<Int?>(null) }
    val context = LocalContext.current
    val scope = rememberCoroutineScope()

    fun locate() {
        scope.launch {
            val position = currentPosition(context)
            locationProblem = if (position == null) R.string.stores_no_location else null
            model.setPosition(position)
        }
    }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        if (granted.values.any { it }) {
            locate()
        } else {
            nearbyMode = false
            locationProblem = R.string.stores_location_denied
        }
    }

    Column(modifier.fillMaxSize()) {
        SyncStatus(services.feed, onRefresh = model::syncNow)
        OutlinedTextField(
            value = filter.text,
            onValueChange = { model.search.setText(it); if (it.isNotBlank()) nearbyMode = false },
            modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 8.dp),
            singleLine = true,
            leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
            placeholder = { Text(stringResource(R.string.stores_search_hint)) },
        )
        Row(
            Modifier.horizontalScroll(rememberScrollState()).padding(horizontal = 16.dp),
            horizontalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            FilterChip(
                selected = nearbyMode,
                onClick = {
                    nearbyMode = !nearbyMode
                    if (nearbyMode) {
                        if (hasLocationPermission(context)) {
                            locate()
                        } else {
                            permission.launch(arrayOf(Manifest.permission.ACCESS_COARSE_LOCATION, Manifest.permission.ACCESS_FINE_LOCATION))
                        }
                    }
                },
                label = { Text(stringResource(R.string.stores_nearby)) },
                leadingIcon = { Icon(Icons.Filled.LocationOn, contentDescription = null) },
            )
            FilterChip(
                selected = filter.category == null,
                onClick = { model.setCategory(null) },
                label = { Text(stringResource(R.string.stores_all_categories)) },
            )
            categories.forEach { c ->
                FilterChip(
                    selected = filter.category == c.id,
                    onClick = { model.setCategory(if (filter.category == c.id) null else c.id) },
                    label = { Text(if (lang == Lang.DE) c.nameDe else c.nameEn) },
                )
            }
        }
        locationProblem?.let {
            Text(stringResource(it), Modifier.padding(horizontal = 16.dp), style = MaterialTheme.typography.bodySmall)
        }

        val shown: Triple<List<StoreSummary>, Boolean, StoreProblem?> = if (nearbyMode && filter.text.isBlank()) {
            when (val n = nearbyState) {
                NearbyState.NoPosition -> Triple(emptyList(), true, null)
                is NearbyState.Stores -> Triple(n.stores, false, null)
                is NearbyState.Failed -> Triple(emptyList(), false, n.problem)
            }
        } else {
            Triple(searchState.stores, searchState is StoreSearchState.Loading, (searchState as? StoreSearchState.Failed)?.problem)
        }
        val (stores, loading, problem) = shown
        if (loading) LinearProgressIndicator(Modifier.fillMaxWidth().padding(top = 4.dp))
        problem?.let { Text(storeProblemText(it), Modifier.padding(16.dp), color = MaterialTheme.colorScheme.error) }
        if (!loading && problem == null && stores.isEmpty()) {
            Text(stringResource(R.string.stores_empty), Modifier.padding(16.dp))
        }

        LazyColumn(Modifier.fillMaxSize()) {
            if (filter.text.isBlank() && !nearbyMode && favorites.isNotEmpty()) {
                item { SectionTitle(stringResource(R.string.stores_favorites)) }
                items(favorites, key = { "fav-${it.storeId}" }) { fav ->
                    val store = fav.store
                    if (store != null) {
                        StoreRow(store, lang, onOpen = { openStoreId = store.id }, onStar = { model.toggleFavorite(store) })
                    } else {
                        // The store left the feed for now; the favorite stays and comes back with it.
                        Text(
                            stringResource(R.string.stores_favorite_missing, fav.name),
                            Modifier.padding(horizontal = 16.dp, vertical = 8.dp),
                            style = MaterialTheme.typography.bodyMedium,
                        )
                    }
                }
                item { SectionTitle(stringResource(R.string.stores_all)) }
            }
            items(stores, key = { it.id }) { store ->
                StoreRow(store, lang, onOpen = { openStoreId = store.id }, onStar = { model.toggleFavorite(store) })
            }
        }
    }
}

@Composable
private fun SectionTitle(text: String) {
    Text(text, Modifier.padding(start = 16.dp, top = 12.dp, bottom = 4.dp), style = MaterialTheme.typography.titleSmall)
}

@Composable
private fun StoreRow(store: StoreSummary, lang: Lang, onOpen: () -> Unit, onStar: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().clickable(onClick = onOpen).padding(start = 16.dp, end = 4.dp, top = 8.dp, bottom = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(2.dp)) {
            Text(store.name, style = MaterialTheme.typography.titleMedium)
            Text(if (lang == Lang.DE) store.discountDe else store.discountEn, style = MaterialTheme.typography.bodyMedium)
            val where = listOf("${store.street} ${store.houseNumber}".trim(), store.city).filter { it.isNotBlank() }.joinToString(", ")
            val distance = store.distanceM?.let { distanceText(it) }
            Text(listOfNotNull(distance, where.ifBlank { null }).joinToString(" · "), style = MaterialTheme.typography.bodySmall)
        }
        FavoriteStar(store.favorite, onStar)
    }
    HorizontalDivider()
}

@Composable
private fun FavoriteStar(favorite: Boolean, onClick: () -> Unit) {
    IconButton(onClick = onClick) {
        Icon(
            if (favorite) Icons.Filled.Star else Icons.Outlined.Star,
            contentDescription = stringResource(if (favorite) R.string.stores_unfavorite else R.string.stores_favorite),
            tint = if (favorite) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.onSurfaceVariant,
        )
    }
}

@Composable
private fun StoreDetailScreen(model: StoresViewModel, id: Long, lang: Lang, onBack: () -> Unit, modifier: Modifier) {
    val favorites by model.favorites.state.collectAsStateWithLifecycle()
    val details by produceState<StoreDetails?>(null, id) { value = model.details(id) }
    val isFavorite = favorites.any { it.storeId == id }
    Column(modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            IconButton(onClick = onBack) { Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = stringResource(R.string.back)) }
            Text(details?.name ?: "", Modifier.weight(1f), style = MaterialTheme.typography.headlineSmall)
            FavoriteStar(isFavorite) { model.setFavorite(id, !isFavorite) }
        }
        val d = details ?: return@Column
        d.discounts.forEach { discount ->
            Text(if (lang == Lang.DE) discount.textDe else discount.textEn, style = MaterialTheme.typography.titleMedium)
            val until = discount.validUntil
            if (until != null) Text(stringResource(R.string.stores_discount_until, until), style = MaterialTheme.typography.bodySmall)
        }
        Text("${d.street} ${d.houseNumber}".trim())
        Text("${d.postalCode} ${d.city}".trim())
        listOf(d.phone, d.email, d.website).filter { it.isNotBlank() }.forEach { Text(it) }
    }
}

/** The last sync, as the user should hear it; the data shown is always the last good feed. */
@Composable
private fun SyncStatus(feed: FeedServices, onRefresh: () -> Unit) {
    val syncer = feed.syncer
    if (syncer == null) {
        Text(stringResource(R.string.stores_no_feed), Modifier.padding(16.dp), style = MaterialTheme.typography.bodySmall)
        return
    }
    val state by syncer.state.collectAsStateWithLifecycle()
    Row(Modifier.fillMaxWidth().padding(start = 16.dp, end = 4.dp), verticalAlignment = Alignment.CenterVertically) {
        val text = when (val s = state) {
            SyncState.Idle -> ""
            is SyncState.Running -> stringResource(R.string.sync_running)
            is SyncState.Synced -> stringResource(R.string.sync_done, s.storeCount.toLong())
            is SyncState.Failed -> syncProblemText(s.problem)
        }
        Text(text, Modifier.weight(1f), style = MaterialTheme.typography.bodySmall)
        IconButton(onClick = onRefresh, enabled = state !is SyncState.Running) {
            Icon(Icons.Filled.Refresh, contentDescription = stringResource(R.string.sync_now))
        }
    }
    (state as? SyncState.Running)?.takeIf { it.total > 0uL }?.let {
        LinearProgressIndicator(progress = { it.done.toFloat() / it.total.toFloat() }, modifier = Modifier.fillMaxWidth())
    }
}

@Composable
private fun syncProblemText(problem: SyncProblem): String = stringResource(
    when (problem) {
        SyncProblem.OFFLINE -> R.string.sync_offline
        SyncProblem.DAMAGED -> R.string.sync_damaged
        SyncProblem.OUTDATED -> R.string.sync_outdated
        SyncProblem.SECURITY -> R.string.sync_security
        SyncProblem.CONFIGURATION -> R.string.sync_configuration
        SyncProblem.STORAGE -> R.string.sync_storage
        SyncProblem.CANCELLED -> R.string.sync_cancelled
    },
)

@Composable
private fun storeProblemText(problem: StoreProblem): String = stringResource(
    when (problem) {
        StoreProblem.INVALID_ARGUMENT -> R.string.stores_problem_invalid
        StoreProblem.STORAGE -> R.string.stores_problem_storage
    },
)

private fun distanceText(meters: Double): String =
    if (meters < 1000) "${meters.toInt()} m" else "%.1f km".format(meters / 1000)

private fun hasLocationPermission(context: Context): Boolean =
    listOf(Manifest.permission.ACCESS_COARSE_LOCATION, Manifest.permission.ACCESS_FINE_LOCATION).any {
        ContextCompat.checkSelfPermission(context, it) == PackageManager.PERMISSION_GRANTED
    }

/** One fresh fix from the fused provider (balanced power is plenty for "nearby"); null without one. */
@SuppressLint("MissingPermission") // checked by hasLocationPermission / the permission launcher
private suspend fun currentPosition(context: Context): Position? {
    if (!hasLocationPermission(context)) return null
    val client = LocationServices.getFusedLocationProviderClient(context)
    val location = runCatching {
        client.getCurrentLocation(Priority.PRIORITY_BALANCED_POWER_ACCURACY, CancellationTokenSource().token).await()
            ?: client.lastLocation.await()
    }.getOrNull() ?: return null
    return Position(latitude = location.latitude, longitude = location.longitude)
}
