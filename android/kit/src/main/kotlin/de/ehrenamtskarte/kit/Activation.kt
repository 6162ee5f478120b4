package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Activation
import de.ehrenamtskarte.core.ActivationProblem
import de.ehrenamtskarte.core.ActivationPrompt
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.WalletInterface
import de.ehrenamtskarte.core.activationProblem
import de.ehrenamtskarte.core.activationProblemText
import de.ehrenamtskarte.core.activationPromptText
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * The core's `Wallet.activate` for the app's service and feed store. Everything the holder has
 * (the opened link, the scanned letter, the typed code) goes through unchanged: reading it,
 * checking the link's host, the clock, the service's answer and the card are the core's.
 */
fun interface Activator {
    /**
     * The core's async activation: it never blocks the calling thread (the network runs on a
     * thread of the core's own), and cancelling the calling coroutine cancels it (nothing stored).
     */
    suspend fun activate(linkOrCode: String, confirmMove: Boolean, now: Long): Activation
}

/** The app's activator: [wallet] at the issuer service [serviceUrl], cards checked by [feed]. */
fun walletActivator(wallet: WalletInterface, serviceUrl: String, feed: FeedStore): Activator =
    Activator { linkOrCode, confirmMove, now -> wallet.activate(linkOrCode, serviceUrl, feed, confirmMove, now, null) }

/** The holder's text for an activation problem (the core's texts, German or English). */
fun ActivationProblem.text(lang: Lang): String = activationProblemText(this, lang)

/** The move question, its buttons and the typing hint (the core's texts). */
fun ActivationPrompt.text(lang: Lang): String = activationPromptText(this, lang)

/** Where an activation stands: what the screen or dialog shows. */
sealed interface ActivationState {
    data object Idle : ActivationState

    data object Working : ActivationState

    /** The card is active on another phone: ask with [ActivationPrompt.MOVE_QUESTION]. */
    data object ConfirmMove : ActivationState

    data class Done(val card: WalletCard, val moved: Boolean) : ActivationState

    data class Failed(val problem: ActivationProblem) : ActivationState
}

/**
 * One activation at a time, from an opened link, a scanned letter or a typed code, as a
 * [StateFlow]. When the core says the card is active on another phone, the state is
 * [ActivationState.ConfirmMove]; [confirmMove] repeats the same request with the holder's yes,
 * [declineMove] drops it. [activator] is null when the app has no service configured.
 * [onActivated] runs after a card was stored (e.g. to refresh the wallet list).
 *
 * The activator is a suspend call that does not block, so the controller runs it in the caller's
 * context (no dispatcher of its own). Cancelling the coroutine of [submit] or [confirmMove]
 * cancels the activation, and the CancellationException propagates to that caller.
 *
 * A cancelled activation is no failure: the holder (or the app, leaving) stopped it, nothing was
 * stored and the code still works on this phone, so there is nothing to tell. The state goes back
 * to [ActivationState.Idle] (the progress closes, an open move question is dropped with it), never
 * [ActivationState.Failed]; this holds for the caller's cancelled coroutine and for a cancellation
 * the core reports (`WalletException.Cancelled`, which `activationProblem` reads as
 * `ActivationProblem.Cancelled`, e.g. from a `Cancellation` the activator was given). A later
 * [submit] starts afresh; the same letter activates the same card. (The iOS kit's CardActivation
 * does the same.)
 */
class ActivationController(
    private val activator: Activator?,
    private val clock: Clock = SystemClock,
    private val onActivated: suspend (WalletCard) -> Unit = {},
) {
    private val mutableState = MutableStateFlow<ActivationState>(ActivationState.Idle)
    val state: StateFlow<ActivationState> = mutableState.asStateFlow()

    // The input waiting for the holder's answer to the move question.
    private var pending: String? = null

    /** Starts an activation; ignored (returns the current state) while one is running or a move question is open. */
    suspend fun submit(linkOrCode: String): ActivationState {
        synchronized(this) {
            val now = mutableState.value
            if (now == ActivationState.Working || now == ActivationState.ConfirmMove) return now
            mutableState.value = ActivationState.Working
        }
        return run(linkOrCode, confirmMove = false)
    }

    /** The holder said yes to the move: the same request again, with the move confirmed. */
    suspend fun confirmMove(): ActivationState {
        val input = synchronized(this) {
            val input = pending?.takeIf { mutableState.value == ActivationState.ConfirmMove } ?: return mutableState.value
            mutableState.value = ActivationState.Working
            input
        }
        return run(input, confirmMove = true)
    }

    /** The holder said no: nothing moves. */
    fun declineMove() = synchronized(this) {
        if (mutableState.value == ActivationState.ConfirmMove) {
            pending = null
            mutableState.value = ActivationState.Idle
        }
    }

    /** Back to idle after a result was shown. */
    fun dismiss() = synchronized(this) {
        if (mutableState.value != ActivationState.Working) {
            pending = null
            mutableState.value = ActivationState.Idle
        }
    }

    private suspend fun run(input: String, confirmMove: Boolean): ActivationState {
        val result = try {
            activate(input, confirmMove)
        } catch (e: Throwable) {
            // The caller's coroutine was cancelled (or something no WalletException describes
            // escaped): nothing to show, and never a state stuck at Working; the caller gets it.
            synchronized(this) {
                pending = null
                mutableState.value = ActivationState.Idle
            }
            throw e
        }
        synchronized(this) {
            pending = if (result == ActivationState.ConfirmMove) input else null
            mutableState.value = result
        }
        if (result is ActivationState.Done) onActivated(result.card)
        return result
    }

    private suspend fun activate(input: String, confirmMove: Boolean): ActivationState {
        val activator = activator ?: return ActivationState.Failed(ActivationProblem.NotConfigured)
        return try {
            val activation = activator.activate(input, confirmMove, clock.now())
            ActivationState.Done(activation.card, activation.moved)
        } catch (e: WalletException) {
            // The core says what the error means: the move question (null), a cancellation (no
            // failure: back to idle), or a problem to show.
            when (val problem = activationProblem(e)) {
                null -> ActivationState.ConfirmMove
                is ActivationProblem.Cancelled -> ActivationState.Idle
                else -> ActivationState.Failed(problem)
            }
        }
    }
}
