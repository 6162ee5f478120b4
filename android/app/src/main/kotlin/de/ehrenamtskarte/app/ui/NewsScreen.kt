package de.ehrenamtskarte.app.ui

import android.Manifest
import android.os.Build
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import de.ehrenamtskarte.app.EhkApplication
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.app.news.Locator
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.kit.NewsListState
import de.ehrenamtskarte.kit.body
import de.ehrenamtskarte.kit.title
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * News at the holder's position (the core's `newsAt`), the permission flow for geofenced
 * notifications (location → background location → notifications) and the news settings.
 */
@Composable
fun NewsScreen(services: Services, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    val news = (context.applicationContext as EhkApplication).news
    if (news == null) {
        Text(stringResource(R.string.stores_no_feed), modifier.padding(16.dp), style = MaterialTheme.typography.bodySmall)
        return
    }
    val scope = rememberCoroutineScope()
    val state by news.list.state.collectAsStateWithLifecycle()
    val muted by news.settings.muted.collectAsStateWithLifecycle()
    val offers by news.settings.offersNearFavorites.collectAsStateWithLifecycle()
    // Bumped after each permission answer, so the permission rows and the list re-read the state.
    var permissionTick by remember { mutableIntStateOf(0) }

    fun locate() {
        scope.launch {
            val fix = Locator.currentFix(context) ?: return@launch
            news.list.load(Position(latitude = fix.latitude, longitude = fix.longitude))
            // The permission as it is now (granting it registers the geofences), then the fix.
            withContext(Dispatchers.IO) {
                news.permissionChanged()
                news.locateAndHandle()
            }
        }
    }

    val notificationsLauncher = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { permissionTick++ }
    // Android 11+: background location is a separate request (the system shows its settings page).
    val backgroundLauncher = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) {
        permissionTick++
        locate()
    }
    val foregroundLauncher = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {
        permissionTick++
        locate()
    }
    LaunchedEffect(Unit) { if (Locator.hasForeground(context)) locate() }

    val hasForeground = remember(permissionTick) { Locator.hasForeground(context) }
    val hasBackground = remember(permissionTick) { Locator.hasBackground(context) }
    val hasNotifications = remember(permissionTick) { Locator.hasNotifications(context) }

    LazyColumn(modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item { Text(stringResource(R.string.tab_news), style = MaterialTheme.typography.headlineSmall) }
        if (!hasForeground) {
            item {
                PermissionRow(R.string.news_permission_location, R.string.news_permission_allow) {
                    foregroundLauncher.launch(arrayOf(Manifest.permission.ACCESS_COARSE_LOCATION, Manifest.permission.ACCESS_FINE_LOCATION))
                }
            }
        } else if (!hasBackground && Build.VERSION.SDK_INT >= Build.VERSION_CODES.Q) {
            item {
                PermissionRow(R.string.news_permission_background, R.string.news_permission_allow) {
                    backgroundLauncher.launch(Manifest.permission.ACCESS_BACKGROUND_LOCATION)
                }
            }
        }
        if (!hasNotifications && Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            item {
                PermissionRow(R.string.news_permission_notifications, R.string.news_permission_allow) {
                    notificationsLauncher.launch(Manifest.permission.POST_NOTIFICATIONS)
                }
            }
        }
        when (val s = state) {
            NewsListState.NoPosition -> item { Text(stringResource(R.string.news_no_position)) }
            NewsListState.Loading -> item { Text(stringResource(R.string.news_loading)) }
            is NewsListState.Failed -> item { Text(stringResource(R.string.news_failed)) }
            is NewsListState.Items -> {
                if (s.items.isEmpty()) item { Text(stringResource(R.string.news_empty)) }
                items(s.items, key = { it.id }) { item ->
                    Column(Modifier.fillMaxWidth(), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                        Text(item.title(services.lang), style = MaterialTheme.typography.titleMedium)
                        val body = item.body(services.lang)
                        if (body.isNotEmpty()) Text(body, style = MaterialTheme.typography.bodyMedium)
                        Text(stringResource(categoryLabel(item.category)), style = MaterialTheme.typography.labelSmall)
                    }
                    HorizontalDivider()
                }
            }
        }
        item { Text(stringResource(R.string.news_settings), style = MaterialTheme.typography.titleMedium) }
        items(NewsCategory.entries.toList(), key = { "cat-${it.name}" }) { category ->
            SwitchRow(stringResource(R.string.news_notify_category, stringResource(categoryLabel(category))), category !in muted) { on ->
                scope.launch(Dispatchers.IO) { news.settings.setMuted(category, !on) }
            }
        }
        item {
            SwitchRow(stringResource(R.string.news_offers_near_favorites), offers) { on ->
                scope.launch(Dispatchers.IO) {
                    news.settings.setOffersNearFavorites(on)
                    news.list.reload()
                }
            }
        }
    }
}

private fun categoryLabel(category: NewsCategory): Int = when (category) {
    NewsCategory.EVENT -> R.string.news_category_event
    NewsCategory.OFFER -> R.string.news_category_offer
    NewsCategory.NOTICE -> R.string.news_category_notice
}

@Composable
private fun PermissionRow(text: Int, button: Int, onClick: () -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(text), style = MaterialTheme.typography.bodyMedium)
        Button(onClick = onClick) { Text(stringResource(button)) }
    }
}

@Composable
private fun SwitchRow(label: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(Modifier.fillMaxWidth(), verticalAlignment = Alignment.CenterVertically) {
        Text(label, Modifier.weight(1f))
        Switch(checked = checked, onCheckedChange = onChange)
    }
}
