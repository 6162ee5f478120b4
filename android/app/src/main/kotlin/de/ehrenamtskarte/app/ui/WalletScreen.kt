package de.ehrenamtskarte.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.reasonText
import de.ehrenamtskarte.kit.AddResult
import de.ehrenamtskarte.kit.WalletProblem
import de.ehrenamtskarte.kit.isUsable
import de.ehrenamtskarte.kit.text
import kotlinx.coroutines.launch

/**
 * The holder's cards with the core's status for each (checked against the phone's lists: a card
 * they refuse, e.g. revoked or moved to another phone, shows the core's reason); activating a
 * card with its letter ([onActivate]: type or scan the code), or adding a card by scanning its QR
 * code.
 */
@Composable
fun WalletScreen(services: Services, onOpenCard: (String) -> Unit, onActivate: () -> Unit, modifier: Modifier = Modifier) {
    val model = services.walletModel
    val state by model.state.collectAsStateWithLifecycle()
    val scope = rememberCoroutineScope()
    var adding by rememberSaveable { mutableStateOf(false) }
    var problem by rememberSaveable { mutableStateOf<WalletProblem?>(null) }
    var refusal by rememberSaveable { mutableStateOf<InvalidReason?>(null) }
    val deviceKey by produceState<String?>(null) { value = model.deviceKeyHex().getOrNull() }

    LaunchedEffect(Unit) { model.refresh() }

    if (adding) {
        Column(modifier.fillMaxSize()) {
            Text(stringResource(R.string.add_scan_hint), Modifier.padding(16.dp))
            Box(Modifier.weight(1f)) {
                // The first code seen goes to the core, which decides whether it is a card.
                QrScanner(onText = { text ->
                    if (adding) {
                        adding = false
                        scope.launch {
                            val refused = model.add(text) as? AddResult.Refused
                            problem = refused?.problem
                            refusal = refused?.reason
                        }
                    }
                })
            }
            TextButton(onClick = { adding = false }, Modifier.padding(8.dp)) { Text(stringResource(R.string.back)) }
        }
        return
    }

    val warning = clockWarning(state.clock)
    LazyColumn(modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        warning?.let { item { Text(it, color = Color(0xFFB3261E)) } }
        (problem ?: state.problem)?.let { p ->
            // A refused card: the core's reason (e.g. "update once while online"), else the problem.
            val reason = refusal.takeIf { problem == WalletProblem.CARD_REFUSED }
            val text = reason?.let { reasonText(it, services.lang) } ?: problemText(p)
            item { Text(text, color = Color(0xFFB3261E)) }
        }
        if (state.cards.isEmpty()) item { Text(stringResource(R.string.wallet_empty)) }
        items(state.cards, key = { it.cardId }) { card ->
            WalletCardRow(card, services.lang, onOpen = { onOpenCard(card.cardId) }, onRemove = { scope.launch { model.remove(card.cardId) } })
        }
        item {
            Button(onClick = { problem = null; refusal = null; onActivate() }, Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.wallet_activate))
            }
        }
        item {
            OutlinedButton(onClick = { problem = null; refusal = null; adding = true }, Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.wallet_add))
            }
        }
        deviceKey?.let { key ->
            item {
                Column(Modifier.padding(top = 24.dp)) {
                    Text(stringResource(R.string.wallet_device_key), style = MaterialTheme.typography.bodySmall)
                    SelectionContainer {
                        Text(key, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
        }
    }
}

@Composable
private fun clockWarning(clock: ClockStatus): String? = when (clock) {
    ClockStatus.Plausible -> null
    is ClockStatus.Behind -> stringResource(R.string.clock_behind, (clock.bySecs / 60).toInt())
    is ClockStatus.JumpedBack -> stringResource(R.string.clock_jumped_back, (clock.bySecs / 60).toInt())
}

@Composable
private fun WalletCardRow(card: WalletCard, lang: Lang, onOpen: () -> Unit, onRemove: () -> Unit) {
    Card(Modifier.fillMaxWidth().clickable(onClick = onOpen)) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(card.holderName, style = MaterialTheme.typography.titleLarge)
            Text(cardTypeText(card.cardType))
            // The core's status line; a card that cannot be shown at a shop in the warning colour.
            Text(card.status.text(lang), color = if (card.status.isUsable) Color.Unspecified else Color(0xFFB3261E))
            card.validUntil?.let { Text(stringResource(R.string.wallet_valid_until, it)) }
            Text(stringResource(if (card.deviceBound) R.string.wallet_device_bound else R.string.wallet_static))
            Box(Modifier.height(4.dp))
            TextButton(onClick = onRemove) { Text(stringResource(R.string.wallet_remove)) }
        }
    }
}
