package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.WalletInterface
import de.ehrenamtskarte.core.secondsUntilNextPresentation
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn

/** What the card screen shows. */
sealed interface CardCode {
    /** The QR text to draw now, and when the presenter will replace it (Unix seconds). */
    data class Showing(val qrText: String, val shownAt: Long, val refreshAt: Long) : CardCode

    /** No code can be shown; [problem] says why. The presenter retries at [retryAt] unless it is null. */
    data class Unavailable(val problem: WalletProblem, val retryAt: Long?) : CardCode

    /**
     * The card cannot be shown at a shop ([CardStatus.isUsable] is false: not yet valid, expired,
     * or refused by the phone's lists), so no code: show its status line ([CardStatus.text]).
     * The presenter looks again at [retryAt] (a not yet valid card becomes valid, new lists may
     * accept a card again).
     */
    data class NotUsable(val status: CardStatus, val retryAt: Long) : CardCode
}

/** Wallet errors as the UI tells them apart (texts live in the app's string resources). */
enum class WalletProblem {
    CARD_NOT_FOUND,
    INVALID_CARD,

    /** The core's check refused the card (the reason comes with [AddResult.Refused]); nothing was stored. */
    CARD_REFUSED,

    /** The wallet already holds this card, issued at the same time or later, and keeps it. */
    NOT_NEWER_THAN_STORED,
    WRONG_DEVICE,
    KEY_STORE_UNAVAILABLE,
    STORAGE,
    INVALID_ARGUMENT,

    /** An activation error outside an activation (never expected; see [ActivationProblem]). */
    ACTIVATION,
    ;

    companion object {
        fun of(e: WalletException): WalletProblem = when (e) {
            is WalletException.CardNotFound -> CARD_NOT_FOUND
            is WalletException.InvalidCard -> INVALID_CARD
            is WalletException.CardRefused -> CARD_REFUSED
            is WalletException.NotNewerThanStored -> NOT_NEWER_THAN_STORED
            is WalletException.WrongDevice -> WRONG_DEVICE
            is WalletException.KeyStore -> KEY_STORE_UNAVAILABLE
            is WalletException.Storage -> STORAGE
            is WalletException.InvalidArgument -> INVALID_ARGUMENT
            is WalletException.CodeUnreadable,
            is WalletException.ForeignLink,
            is WalletException.CodeInvalid,
            is WalletException.UsedOnOtherPhone,
            is WalletException.ClockWrong,
            is WalletException.RateLimited,
            is WalletException.ServiceRefused,
            is WalletException.Network,
            is WalletException.Cancelled,
            -> ACTIVATION
        }
    }
}

/**
 * Emits a fresh QR text for a card at every presentation time step: the core signs a device-bound
 * presentation over the current 30-second step (`Wallet.present`) and says when the next step
 * starts (`secondsUntilNextPresentation`). A screenshot of the code therefore goes stale within a
 * minute. Collect the flow only while the card is on screen; cancelling it stops the refresh.
 *
 * Before each code the core says whether the card can be shown now (its status at that moment,
 * checked against the phone's lists from [verifier] as in [WalletModel]; `CardStatus.isUsable`):
 * a card that is not yet valid, expired, or refused by the lists (revoked, moved to another phone)
 * gets [CardCode.NotUsable] instead of a code, also when that changes while it is on screen.
 *
 * A static card comes back unchanged each step. A step costs a read of the wallet and a check of
 * its few cards against the lists, every 30 s while the card is on screen.
 */
class CardPresenter(
    private val wallet: WalletInterface,
    private val verifier: () -> Verifier?,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.Default,
) {
    fun codes(cardId: String): Flow<CardCode> = flow {
        while (true) {
            val now = clock.now()
            val next = now + secondsUntilNextPresentation(now)
            val code = try {
                val status = wallet.cards(now, verifier()).firstOrNull { it.cardId == cardId }?.status
                when {
                    status == null -> CardCode.Unavailable(WalletProblem.CARD_NOT_FOUND, null)
                    !status.isUsable -> CardCode.NotUsable(status, retryAt = next)
                    else -> CardCode.Showing(wallet.present(cardId, now), shownAt = now, refreshAt = next)
                }
            } catch (e: WalletException) {
                val problem = WalletProblem.of(e)
                // A locked key store may come back (the user unlocks the phone); a removed card will not.
                val retry = if (problem == WalletProblem.KEY_STORE_UNAVAILABLE) next else null
                CardCode.Unavailable(problem, retry)
            }
            emit(code)
            val wakeAt = when (code) {
                is CardCode.Showing -> code.refreshAt
                is CardCode.Unavailable -> code.retryAt ?: return@flow
                is CardCode.NotUsable -> code.retryAt
            }
            clock.sleepUntil(wakeAt)
        }
    }.flowOn(dispatcher)
}
