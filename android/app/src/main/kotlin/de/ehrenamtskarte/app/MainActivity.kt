package de.ehrenamtskarte.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.AccountBox
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Notifications
import androidx.compose.material.icons.filled.ShoppingCart
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.res.stringResource
import de.ehrenamtskarte.app.ui.CardScreen
import de.ehrenamtskarte.app.ui.NewsScreen
import de.ehrenamtskarte.app.ui.StoresScreen
import de.ehrenamtskarte.app.ui.VerifyScreen
import de.ehrenamtskarte.app.ui.WalletScreen

class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val services = (application as EhkApplication).services
        val startTab = if (intent?.getStringExtra(EXTRA_TAB) == TAB_NEWS) Tab.NEWS else Tab.WALLET
        setContent { MaterialTheme { EhkApp(services, startTab) } }
    }

    companion object {
        /** A news notification opens the News tab. */
        const val EXTRA_TAB = "tab"
        const val TAB_NEWS = "news"
    }
}

enum class Tab(val label: Int, val icon: ImageVector) {
    WALLET(R.string.tab_wallet, Icons.Filled.AccountBox),
    VERIFY(R.string.tab_verify, Icons.Filled.CheckCircle),

    STORES(R.string.tab_stores, Icons.Filled.ShoppingCart),

    NEWS(R.string.tab_news, Icons.Filled.Notifications),
}

@Composable
fun EhkApp(services: Services, startTab: Tab = Tab.WALLET) {
    var tab by rememberSaveable { mutableStateOf(startTab) }
    var openCardId by rememberSaveable { mutableStateOf<String?>(null) }

    val cardId = openCardId
    if (cardId != null) {
        BackHandler { openCardId = null }
        CardScreen(services, cardId, onBack = { openCardId = null })
        return
    }
    Scaffold(
        bottomBar = {
            NavigationBar {
                Tab.entries.forEach { t ->
                    NavigationBarItem(
                        selected = t == tab,
                        onClick = { tab = t },
                        icon = { Icon(t.icon, contentDescription = null) },
                        label = { Text(stringResource(t.label)) },
                    )
                }
            }
        },
    ) { padding ->
        val modifier = Modifier.padding(padding)
        when (tab) {
            Tab.WALLET -> WalletScreen(services, onOpenCard = { openCardId = it }, modifier)
            Tab.VERIFY -> VerifyScreen(services, modifier)
            Tab.STORES -> StoresScreen(services, modifier)
            Tab.NEWS -> NewsScreen(services, modifier)
        }
    }
}
