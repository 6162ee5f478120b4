package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Activation
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.WalletInterface
import de.ehrenamtskarte.core.reasonText
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.withContext
import kotlin.math.abs

/**
 * The core's `Wallet.activate` for the app's service and feed store. Everything the holder has
 * (the opened link, the scanned letter, the typed code) goes through unchanged: reading it,
 * checking the link's host, the clock, the service's answer and the card are the core's.
 */
fun interface Activator {
    /** Blocking network; the controller calls it off the main thread. */
    fun activate(linkOrCode: String, confirmMove: Boolean, now: Long): Activation
}

/** The app's activator: [wallet] at the issuer service [serviceUrl], cards checked by [feed]. */
fun walletActivator(wallet: WalletInterface, serviceUrl: String, feed: FeedStore): Activator =
    Activator { linkOrCode, confirmMove, now -> wallet.activate(linkOrCode, serviceUrl, feed, confirmMove, now) }

/** Why an activation did not work, as the holder should hear it; [text] in German or English. */
sealed interface ActivationProblem {
    /** The app has no issuer service or no project configured. */
    data object NotConfigured : ActivationProblem

    /** A typing error, or a QR code that is no activation letter. */
    data object CodeUnreadable : ActivationProblem

    /** A link to another service than the app's (never sent anywhere). */
    data class ForeignLink(val origin: String) : ActivationProblem

    /** Unknown, expired, replaced by a newer letter, or locked after too many tries. */
    data object CodeInvalid : ActivationProblem

    /** The phone's clock is off; nothing was sent, so no attempt was used up. */
    data class ClockWrong(val serverTime: Long, val phoneTime: Long) : ActivationProblem

    data class RateLimited(val retryAfterSecs: ULong) : ActivationProblem

    /** The service said no (e.g. the card was revoked); [detail] is the service's message. */
    data class ServiceRefused(val code: String, val detail: String) : ActivationProblem

    /** No connection or no answer: try again. */
    data object Offline : ActivationProblem

    /** The card from the service did not pass the phone's own check; [reason] is the core's. */
    data class CardRefused(val reason: InvalidReason) : ActivationProblem

    /** The device key cannot be reached (Keystore locked or lost). */
    data object KeyStore : ActivationProblem

    /** Anything else (storage, an internal error): the details are in the log. */
    data object Failed : ActivationProblem

    companion object {
        /** The core's error as a problem; `UsedOnOtherPhone` is a question, not a problem (null). */
        fun of(e: WalletException): ActivationProblem? = when (e) {
            is WalletException.UsedOnOtherPhone -> null
            is WalletException.CodeUnreadable -> CodeUnreadable
            is WalletException.ForeignLink -> ForeignLink(e.origin)
            is WalletException.CodeInvalid -> CodeInvalid
            is WalletException.ClockWrong -> ClockWrong(e.serverTime, e.phoneTime)
            is WalletException.RateLimited -> RateLimited(e.retryAfterSecs)
            is WalletException.ServiceRefused -> ServiceRefused(e.code, e.detail)
            is WalletException.Network -> Offline
            is WalletException.CardRefused -> CardRefused(e.reason)
            is WalletException.KeyStore -> KeyStore
            is WalletException.InvalidArgument,
            is WalletException.InvalidCard,
            is WalletException.NotNewerThanStored,
            is WalletException.WrongDevice,
            is WalletException.CardNotFound,
            is WalletException.Storage,
            -> Failed
        }
    }
}

/** The activation texts in the app's language (the problems' and the move question). */
object ActivationTexts {
    fun moveQuestion(lang: Lang): String = pick(
        lang,
        "Die Karte ist auf einem anderen Telefon aktiv. Hierher umziehen? Die Karte auf dem anderen Telefon funktioniert dann nicht mehr.",
        "The card is active on another phone. Move it here? The card on the other phone will then stop working.",
    )

    fun moveConfirm(lang: Lang): String = pick(lang, "Hierher umziehen", "Move it here")

    fun moveDecline(lang: Lang): String = pick(lang, "Abbrechen", "Cancel")

    fun activated(lang: Lang, card: WalletCard, moved: Boolean): String = when {
        moved -> pick(lang, "Die Karte von ${card.holderName} ist jetzt auf diesem Telefon.", "${card.holderName}'s card is now on this phone.")
        else -> pick(lang, "Die Karte von ${card.holderName} ist aktiviert.", "${card.holderName}'s card is activated.")
    }

    fun typeCodeHint(lang: Lang): String = pick(
        lang,
        "Geben Sie den Aktivierungscode aus Ihrem Schreiben ein (17 Zeichen, z. B. ABCD-EFGH-JKMN-PQRS-T).",
        "Enter the activation code from your letter (17 characters, e.g. ABCD-EFGH-JKMN-PQRS-T).",
    )

    fun text(problem: ActivationProblem, lang: Lang): String = when (problem) {
        ActivationProblem.NotConfigured -> pick(
            lang,
            "Die Aktivierung ist in dieser App nicht eingerichtet.",
            "Activation is not set up in this app.",
        )
        ActivationProblem.CodeUnreadable -> pick(
            lang,
            "Das ist kein gültiger Aktivierungscode. Bitte prüfen Sie die Eingabe (17 Zeichen aus Ihrem Schreiben).",
            "This is not a valid activation code. Please check what you entered (17 characters from your letter).",
        )
        is ActivationProblem.ForeignLink -> pick(
            lang,
            "Dieser Link gehört nicht zum Dienst dieser App (${problem.origin}). Es wurde nichts gesendet.",
            "This link does not belong to this app's service (${problem.origin}). Nothing was sent.",
        )
        ActivationProblem.CodeInvalid -> pick(
            lang,
            "Der Code ist ungültig oder abgelaufen. Wenden Sie sich an die Stelle, die Ihre Karte ausgestellt hat.",
            "The code is invalid or has expired. Please contact the office that issued your card.",
        )
        is ActivationProblem.ClockWrong -> {
            val minutes = (abs(problem.serverTime - problem.phoneTime) + 30) / 60
            pick(
                lang,
                "Die Uhr dieses Telefons geht um etwa $minutes Minuten falsch. Bitte stellen Sie Datum und Uhrzeit richtig ein und versuchen Sie es erneut.",
                "This phone's clock is off by about $minutes minutes. Please set the date and time correctly and try again.",
            )
        }
        is ActivationProblem.RateLimited -> {
            val minutes = ((problem.retryAfterSecs.toLong() + 59) / 60).coerceAtLeast(1)
            pick(
                lang,
                "Zu viele Versuche. Bitte versuchen Sie es in $minutes Minuten erneut.",
                "Too many attempts. Please try again in $minutes minutes.",
            )
        }
        is ActivationProblem.ServiceRefused -> pick(
            lang,
            "Der Dienst hat die Aktivierung abgelehnt: ${problem.detail}",
            "The service refused the activation: ${problem.detail}",
        )
        ActivationProblem.Offline -> pick(
            lang,
            "Keine Verbindung zum Dienst. Bitte prüfen Sie die Internetverbindung und versuchen Sie es erneut.",
            "No connection to the service. Please check the internet connection and try again.",
        )
        is ActivationProblem.CardRefused -> reasonText(problem.reason, lang)
        ActivationProblem.KeyStore -> pick(
            lang,
            "Der Schlüssel dieses Telefons ist nicht erreichbar. Ist das Telefon entsperrt?",
            "This phone's key cannot be reached. Is the phone unlocked?",
        )
        ActivationProblem.Failed -> pick(lang, "Die Aktivierung ist fehlgeschlagen.", "The activation failed.")
    }

    private fun pick(lang: Lang, de: String, en: String) = if (lang == Lang.DE) de else en
}

/** Where an activation stands: what the screen or dialog shows. */
sealed interface ActivationState {
    data object Idle : ActivationState

    data object Working : ActivationState

    /** The card is active on another phone: ask with [ActivationTexts.moveQuestion]. */
    data object ConfirmMove : ActivationState

    data class Done(val card: WalletCard, val moved: Boolean) : ActivationState

    data class Failed(val problem: ActivationProblem) : ActivationState
}

/**
 * One activation at a time, from an opened link, a scanned letter or a typed code, off the main
 * thread, as a [StateFlow]. When the core says the card is active on another phone, the state is
 * [ActivationState.ConfirmMove]; [confirmMove] repeats the same request with the holder's yes,
 * [declineMove] drops it. [activator] is null when the app has no service configured.
 * [onActivated] runs after a card was stored (e.g. to refresh the wallet list).
 */
class ActivationController(
    private val activator: Activator?,
    private val clock: Clock = SystemClock,
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
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
        val result = withContext(dispatcher) {
            val activator = activator ?: return@withContext ActivationState.Failed(ActivationProblem.NotConfigured)
            try {
                val activation = activator.activate(input, confirmMove, clock.now())
                ActivationState.Done(activation.card, activation.moved)
            } catch (e: WalletException) {
                ActivationProblem.of(e)?.let { ActivationState.Failed(it) } ?: ActivationState.ConfirmMove
            }
        }
        synchronized(this) {
            pending = if (result == ActivationState.ConfirmMove) input else null
            mutableState.value = result
        }
        if (result is ActivationState.Done) onActivated(result.card)
        return result
    }
}
