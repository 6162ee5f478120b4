package de.ehrenamtskarte.app

import android.content.Intent
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
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.res.stringResource
import de.ehrenamtskarte.app.ui.ActivationDialogs
import de.ehrenamtskarte.app.ui.ActivationScreen
import de.ehrenamtskarte.app.ui.CardScreen
import de.ehrenamtskarte.app.ui.NewsScreen
import de.ehrenamtskarte.app.ui.StoresScreen
import de.ehrenamtskarte.app.ui.VerifyScreen
import de.ehrenamtskarte.app.ui.WalletScreen
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow

class MainActivity : ComponentActivity() {
    /** An activation link the app was opened with (App Link or app scheme), until it is handed on. */
    private val openedLink = MutableStateFlow<String?>(null)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val services = (application as EhkApplication).services
        val startTab = if (intent?.getStringExtra(EXTRA_TAB) == TAB_NEWS) Tab.NEWS else Tab.WALLET
        // Not again after a rotation: the activation for that link already ran.
        if (savedInstanceState == null) takeLink(intent)
        setContent { MaterialTheme { EhkApp(services, startTab, openedLink, onLinkTaken = { openedLink.value = null }) } }
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        setIntent(intent)
        takeLink(intent)
    }

    /**
     * `https://HOST/activate#CODE` or `ehrenamtskarte://activate#CODE`, as the intent filters let
     * them in: the whole text goes to the core, which reads the code and checks the host.
     */
    private fun takeLink(intent: Intent?) {
        if (intent?.action == Intent.ACTION_VIEW) intent.dataString?.let { openedLink.value = it }
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
fun EhkApp(
    services: Services,
    startTab: Tab = Tab.WALLET,
    openedLink: StateFlow<String?> = MutableStateFlow(null),
    onLinkTaken: () -> Unit = {},
) {
    var tab by rememberSaveable { mutableStateOf(startTab) }
    var openCardId by rememberSaveable { mutableStateOf<String?>(null) }
    var activating by rememberSaveable { mutableStateOf(false) }

    // An opened activation link: to the core at once; the dialogs show the question or the result.
    val link by openedLink.collectAsState()
    LaunchedEffect(link) {
        val opened = link ?: return@LaunchedEffect
        onLinkTaken()
        tab = Tab.WALLET
        openCardId = null
        // On the app's scope: this effect ends as soon as the link was taken.
        services.activate(opened)
    }
    ActivationDialogs(services, onActivated = { activating = false })

    if (activating) {
        BackHandler { activating = false }
        Scaffold { padding -> ActivationScreen(services, onBack = { activating = false }, Modifier.padding(padding)) }
        return
    }
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
            Tab.WALLET -> WalletScreen(services, onOpenCard = { openCardId = it }, onActivate = { activating = true }, modifier)
            Tab.VERIFY -> VerifyScreen(services, modifier)
            Tab.STORES -> StoresScreen(services, modifier)
            Tab.NEWS -> NewsScreen(services, modifier)
        }
    }
}
