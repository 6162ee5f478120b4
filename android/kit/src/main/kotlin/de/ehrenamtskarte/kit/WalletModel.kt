package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.WalletInterface
import de.ehrenamtskarte.core.cardStatusText
import de.ehrenamtskarte.core.cardStatusUsable
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext

/** The wallet list's status line for a card (the core's texts, German or English). */
fun CardStatus.text(lang: Lang): String = cardStatusText(this, lang)

/**
 * Whether a card with this status can be shown at a shop now (the core's decision): not when it
 * is not yet valid, expired, or refused by the phone's lists.
 */
val CardStatus.isUsable: Boolean get() = cardStatusUsable(this)

/**
 * The wallet list screen's state: the cards with the core's status for each (checked against the
 * phone's lists when the model has them: a card they refuse is `CardStatus.Refused`), and clock
 * warnings.
 */
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
 * the first sync; null when the app has none): the core stores a card only once it accepted it,
 * and checks every listed card against the same lists, so a card they now refuse (revoked, moved
 * to another phone, its issuer withdrawn) is listed as `CardStatus.Refused` with the reason.
 * Without a verifier the dates alone decide the status.
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
                val lists = verifier()
                // Cards an older app version stored unchecked count for the clock once checked.
                lists?.let { wallet.checkStoredCards(it, now) }
                WalletUiState(cards = wallet.cards(now, lists), clock = wallet.clockCheck(now))
            } catch (e: WalletException) {
                mutableState.value.copy(problem = WalletProblem.of(e))
            }
        }
    }

    /**
     * Lists the cards again after every sync that changed the feed ([syncs]: `FeedSyncer.state`),
     * until the calling coroutine is cancelled: new lists may refuse a stored card (revoked, moved
     * to another phone), and the list shows it at once.
     */
    suspend fun refreshAfterSyncs(syncs: Flow<SyncState>) {
        syncs.collect { if (it is SyncState.Synced && it.changed) refresh() }
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
