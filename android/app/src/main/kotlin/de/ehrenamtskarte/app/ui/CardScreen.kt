package de.ehrenamtskarte.app.ui

import android.view.WindowManager
import androidx.activity.compose.LocalActivity
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.kit.CardCode
import de.ehrenamtskarte.kit.text

/**
 * One card as a QR code, renewed by the kit's CardPresenter at every 30-second step (collected only
 * while the screen is visible). A card the core says cannot be shown (not yet valid, expired, or
 * refused by the phone's lists) gets its status line instead of a code. Raises the screen
 * brightness for the scanner and blocks screenshots and screen recording (FLAG_SECURE) while shown.
 */
@Composable
fun CardScreen(services: Services, cardId: String, onBack: () -> Unit) {
    val activity = LocalActivity.current
    DisposableEffect(activity) {
        val window = activity?.window
        val before = window?.attributes?.screenBrightness
        window?.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        window?.attributes = window?.attributes?.apply {
            screenBrightness = WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_FULL
        }
        onDispose {
            window?.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
            window?.attributes = window?.attributes?.apply {
                screenBrightness = before ?: WindowManager.LayoutParams.BRIGHTNESS_OVERRIDE_NONE
            }
        }
    }

    val codes = remember(cardId) { services.presenter.codes(cardId) }
    val code by codes.collectAsStateWithLifecycle(initialValue = null)
    val wallet by services.walletModel.state.collectAsStateWithLifecycle()

    Column(
        Modifier.fillMaxSize().safeDrawingPadding().padding(16.dp),
        horizontalAlignment = Alignment.CenterHorizontally,
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        IconButton(onClick = onBack, modifier = Modifier.align(Alignment.Start)) {
            Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = stringResource(R.string.back))
        }
        val card = wallet.cards.firstOrNull { it.cardId == cardId }
        if (card != null) {
            Text(card.holderName, style = MaterialTheme.typography.headlineMedium)
            Text(cardTypeText(card.cardType), style = MaterialTheme.typography.titleMedium)
        }
        when (val c = code) {
            null -> Unit
            is CardCode.Showing -> {
                QrCode(c.qrText, contentDescription = card?.holderName ?: "", modifier = Modifier.fillMaxWidth())
                Text(stringResource(R.string.card_refresh_hint), style = MaterialTheme.typography.bodyMedium)
            }
            is CardCode.Unavailable -> Text(problemText(c.problem), color = Color(0xFFB00020))
            is CardCode.NotUsable -> Text(c.status.text(services.lang), color = Color(0xFFB00020))
        }
    }
}
