package de.ehrenamtskarte.app.ui

import android.content.Context
import android.os.Build
import android.os.VibrationEffect
import android.os.Vibrator
import android.os.VibratorManager
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.kit.CodeVerifier
import de.ehrenamtskarte.kit.Signal
import de.ehrenamtskarte.kit.VerifyController
import de.ehrenamtskarte.kit.VerifyUiState

class VerifyViewModel(verifier: CodeVerifier, lang: Lang) : ViewModel() {
    val controller = VerifyController(verifier, viewModelScope, lang)
}

private val Green = Color(0xFF1B7F3B)
private val Red = Color(0xFFB3261E)

/** Shop mode: scan, and show the core's verdict large in green or red. */
@Composable
fun VerifyScreen(services: Services, modifier: Modifier = Modifier) {
    val verifier = services.verifier
    if (verifier == null) {
        Box(modifier.fillMaxSize().padding(24.dp), contentAlignment = Alignment.Center) {
            Text(stringResource(R.string.verify_no_trust_anchor), style = MaterialTheme.typography.titleMedium)
        }
        return
    }
    val lang = services.lang
    val model: VerifyViewModel = viewModel(key = lang.name) { VerifyViewModel(verifier, lang) }
    val state by model.controller.state.collectAsStateWithLifecycle()
    val context = LocalContext.current

    LaunchedEffect(state) {
        (state as? VerifyUiState.Result)?.let { vibrate(context, it.signal) }
    }

    Box(modifier.fillMaxSize()) {
        QrScanner(onText = { model.controller.onScanned(it) })
        when (val s = state) {
            VerifyUiState.Scanning -> Text(
                stringResource(R.string.verify_scan_hint),
                color = Color.White,
                modifier = Modifier.align(Alignment.BottomCenter).background(Color(0x99000000)).padding(16.dp),
            )
            VerifyUiState.Checking -> CircularProgressIndicator(Modifier.align(Alignment.Center))
            is VerifyUiState.Result -> ResultPanel(s, onNext = { model.controller.dismiss() })
        }
    }
}

@Composable
private fun ResultPanel(result: VerifyUiState.Result, onNext: () -> Unit) {
    Column(
        Modifier.fillMaxSize().background(if (result.signal == Signal.GREEN) Green else Red).padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
        horizontalAlignment = Alignment.CenterHorizontally,
    ) {
        val big = MaterialTheme.typography.displaySmall.copy(fontWeight = FontWeight.Bold, color = Color.White)
        val body = MaterialTheme.typography.titleLarge.copy(color = Color.White)
        when (result) {
            is VerifyUiState.Accepted -> {
                Text(stringResource(R.string.verify_valid), style = big)
                Text(result.holderName, style = big.copy(fontSize = 40.sp))
                Text(cardTypeText(result.cardType), style = body)
                result.validUntil?.let { Text(stringResource(R.string.wallet_valid_until, it), style = body) }
                Text(stringResource(R.string.verify_compare_id), style = body)
                result.flagTexts.forEach { Text(it, style = body) }
            }
            is VerifyUiState.Refused -> {
                Text(stringResource(R.string.verify_invalid), style = big)
                Text(result.reasonText, style = body.copy(fontSize = 28.sp))
            }
            is VerifyUiState.Failed -> Text(stringResource(R.string.verify_failed), style = big)
        }
        Button(onClick = onNext) { Text(stringResource(R.string.verify_scan_next)) }
    }
}

/** One short buzz for green, three for red, so the clerk knows without looking. */
private fun vibrate(context: Context, signal: Signal) {
    val vibrator: Vibrator? = if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
        context.getSystemService(VibratorManager::class.java)?.defaultVibrator
    } else {
        @Suppress("DEPRECATION")
        context.getSystemService(Vibrator::class.java)
    }
    val effect = when (signal) {
        Signal.GREEN -> VibrationEffect.createOneShot(120, VibrationEffect.DEFAULT_AMPLITUDE)
        Signal.RED -> VibrationEffect.createWaveform(longArrayOf(0, 150, 100, 150, 100, 150), -1)
    }
    vibrator?.vibrate(effect)
}
