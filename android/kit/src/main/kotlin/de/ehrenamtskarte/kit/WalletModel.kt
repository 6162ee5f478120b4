package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Verifier
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
    /** [reason] is the core's verdict when [problem] is [WalletProblem.CARD_REFUSED] (show its `reasonText`). */
    data class Refused(val problem: WalletProblem, val reason: InvalidReason? = null) : AddResult
}

/**
 * Wallet operations off the main thread, with the list as a [StateFlow]. [verifier] gives the
 * phone's verifier at the moment of a check (`FeedStore.verifier()`, or the bundled lists before
 * the first sync; null when the app has none): the core stores a card only once it accepted it.
 */
class WalletModel(
    private val wallet: WalletInterface,
    private val verifier: () -> Verifier?,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    private val mutableState = MutableStateFlow(WalletUiState())
    val state: StateFlow<WalletUiState> = mutableState.asStateFlow()

    suspend fun refresh() {
        mutableState.value = withContext(dispatcher) {
            val now = clock.now()
            try {
                // Cards an older app version stored unchecked count for the clock once checked.
                verifier()?.let { wallet.checkStoredCards(it, now) }
                WalletUiState(cards = wallet.cards(now), clock = wallet.clockCheck(now))
            } catch (e: WalletException) {
                mutableState.value.copy(problem = WalletProblem.of(e))
            }
        }
    }

    /** Adds a card from the QR text the issuer handed out (letter, PDF, e-mail). */
    suspend fun add(qrText: String): AddResult {
        val result = withContext(dispatcher) {
            val checker = verifier()
            try {
                when (checker) {
                    null -> AddResult.Refused(WalletProblem.CARD_REFUSED, InvalidReason.NO_TRUST_LIST)
                    else -> AddResult.Added(wallet.addCard(qrText.trim(), checker, clock.now()))
                }
            } catch (e: WalletException.CardRefused) {
                AddResult.Refused(WalletProblem.CARD_REFUSED, e.reason)
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
