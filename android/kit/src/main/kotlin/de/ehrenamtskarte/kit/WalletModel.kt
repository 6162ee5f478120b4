package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.WalletInterface
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext

/** The wallet list screen's state: the cards with the core's status for each, and clock warnings. */
data class WalletUiState(
    val cards: List<WalletCard> = emptyList(),
    val clock: ClockStatus = ClockStatus.Plausible,
    val problem: WalletProblem? = null,
)

sealed interface AddResult {
    data class Added(val card: WalletCard) : AddResult
    data class Refused(val problem: WalletProblem) : AddResult
}

/** Wallet operations off the main thread, with the list as a [StateFlow]. */
class WalletModel(
    private val wallet: WalletInterface,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutableState = MutableStateFlow(WalletUiState())
    val state: StateFlow<WalletUiState> = mutableState.asStateFlow()

    suspend fun refresh() {
        mutableState.value = withContext(dispatcher) {
            val now = clock.now()
            try {
                WalletUiState(cards = wallet.cards(now), clock = wallet.clockCheck(now))
            } catch (e: WalletException) {
                mutableState.value.copy(problem = WalletProblem.of(e))
            }
        }
    }

    /** Adds a card from the QR text the issuer handed out (letter, PDF, e-mail). */
    suspend fun add(qrText: String): AddResult {
        val result = withContext(dispatcher) {
            try {
                AddResult.Added(wallet.addCard(qrText.trim(), clock.now()))
            } catch (e: WalletException) {
                AddResult.Refused(WalletProblem.of(e))
            }
        }
        refresh()
        return result
    }

    suspend fun remove(cardId: String): Boolean {
        val removed = withContext(dispatcher) {
            try {
                wallet.removeCard(cardId)
            } catch (e: WalletException) {
                false
            }
        }
        refresh()
        return removed
    }

    /** This phone's device key as hex, for the issuer to bind a card to (the CSV `deviceKey` column). */
    suspend fun deviceKeyHex(): Result<String> = withContext(dispatcher) {
        try {
            Result.success(wallet.devicePublicKey().joinToString("") { "%02x".format(it) })
        } catch (e: WalletException) {
            Result.failure(e)
        }
    }
}
