package de.ehrenamtskarte.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import de.ehrenamtskarte.app.R
import de.ehrenamtskarte.app.Services
import de.ehrenamtskarte.core.ActivationPrompt
import de.ehrenamtskarte.core.activatedText
import de.ehrenamtskarte.kit.ActivationState
import de.ehrenamtskarte.kit.text

/**
 * Activating a card with the letter: type its code, or scan its QR code (the verify screen's
 * scanner). What was typed or scanned goes to the core unchanged; the dialogs show the result.
 * The activation runs on the app's scope ([Services.activate]): leaving the screen does not stop it.
 */
@Composable
fun ActivationScreen(services: Services, onBack: () -> Unit, modifier: Modifier = Modifier) {
    var code by rememberSaveable { mutableStateOf("") }
    var scanning by rememberSaveable { mutableStateOf(false) }
    val lang = services.lang

    if (scanning) {
        Column(modifier.fillMaxSize()) {
            Text(stringResource(R.string.activate_scan_hint), Modifier.padding(16.dp))
            Box(Modifier.weight(1f)) {
                // The first code seen goes to the core, which decides whether it is an activation letter.
                QrScanner(onText = { text ->
                    if (scanning) {
                        scanning = false
                        services.activate(text)
                    }
                })
            }
            TextButton(onClick = { scanning = false }, Modifier.padding(8.dp)) { Text(stringResource(R.string.back)) }
        }
        return
    }

    Column(modifier.fillMaxSize().padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text(ActivationPrompt.TYPE_CODE_HINT.text(lang))
        OutlinedTextField(
            value = code,
            onValueChange = { code = it },
            label = { Text(stringResource(R.string.activate_code_label)) },
            singleLine = true,
            keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters, autoCorrectEnabled = false, imeAction = ImeAction.Go),
            keyboardActions = KeyboardActions(onGo = { services.activate(code) }),
            modifier = Modifier.fillMaxWidth(),
        )
        Button(onClick = { services.activate(code) }, enabled = code.isNotBlank(), modifier = Modifier.fillMaxWidth()) {
            Text(stringResource(R.string.activate_submit))
        }
        OutlinedButton(onClick = { scanning = true }, Modifier.fillMaxWidth()) { Text(stringResource(R.string.activate_scan)) }
        TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
    }
}

/**
 * The activation's dialogs, wherever it was started (an opened link, the scanner, the typed code):
 * progress (with a cancel button), the move question, the result. [onActivated] runs when the
 * holder closes the success dialog (e.g. to leave the activation screen). A cancelled activation
 * shows nothing: the controller is back to idle.
 */
@Composable
fun ActivationDialogs(services: Services, onActivated: () -> Unit = {}) {
    val controller = services.activation
    val state by controller.state.collectAsStateWithLifecycle()
    val lang = services.lang
    when (val s = state) {
        ActivationState.Idle -> Unit
        ActivationState.Working -> AlertDialog(
            onDismissRequest = {},
            // Stops the activation; nothing is stored and no dialog follows.
            confirmButton = { TextButton(onClick = { services.cancelActivation() }) { Text(stringResource(R.string.cancel)) } },
            title = { Text(stringResource(R.string.activate_working)) },
            text = { CircularProgressIndicator() },
        )
        ActivationState.ConfirmMove -> AlertDialog(
            onDismissRequest = { controller.declineMove() },
            text = { Text(ActivationPrompt.MOVE_QUESTION.text(lang)) },
            confirmButton = { TextButton(onClick = { services.confirmMove() }) { Text(ActivationPrompt.MOVE_CONFIRM.text(lang)) } },
            dismissButton = { TextButton(onClick = { controller.declineMove() }) { Text(ActivationPrompt.MOVE_DECLINE.text(lang)) } },
        )
        is ActivationState.Done -> AlertDialog(
            onDismissRequest = { controller.dismiss(); onActivated() },
            text = { Text(activatedText(s.card.holderName, s.moved, lang)) },
            confirmButton = { TextButton(onClick = { controller.dismiss(); onActivated() }) { Text(stringResource(R.string.ok)) } },
        )
        is ActivationState.Failed -> AlertDialog(
            onDismissRequest = { controller.dismiss() },
            text = { Text(s.problem.text(lang)) },
            confirmButton = { TextButton(onClick = { controller.dismiss() }) { Text(stringResource(R.string.ok)) } },
        )
    }
}
