package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.Flag
import de.ehrenamtskarte.core.InternalException
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.PresentationKind
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.VerifierInterface
import de.ehrenamtskarte.core.flagText
import de.ehrenamtskarte.core.reasonText
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** The colour the verify screen fills with. */
enum class Signal { GREEN, RED }

sealed interface VerifyUiState {
    /** The camera is looking for a code. */
    data object Scanning : VerifyUiState

    /** A code was read and is being checked (well under a millisecond in the core). */
    data object Checking : VerifyUiState

    sealed interface Result : VerifyUiState {
        val signal: Signal
        val scannedAt: Long
    }

    /** The core accepted the code: green, with the name to compare with a photo ID. */
    data class Accepted(
        val holderName: String,
        val birthday: String?,
        val cardType: CardType,
        val validUntil: String?,
        val issuerName: String,
        val kind: PresentationKind,
        val presentationAgeSecs: Long?,
        val flags: List<Flag>,
        /** The core's texts for [flags], in the screen's language (e.g. "compare with photo ID"). */
        val flagTexts: List<String>,
        val trustListAgeSecs: Long,
        override val scannedAt: Long,
    ) : Result {
        override val signal = Signal.GREEN
    }

    /** The core refused the code: red, with the core's reason text. */
    data class Refused(
        val reason: InvalidReason,
        val reasonText: String,
        override val scannedAt: Long,
    ) : Result {
        override val signal = Signal.RED
    }

    /** The core failed unexpectedly (a bug, never a verdict on the card): red, no card details. */
    data class Failed(val detail: String, override val scannedAt: Long) : Result {
        override val signal = Signal.RED
    }
}

/**
 * Checks a scanned code offline: in the app the feed store's `verify` (its trust list and
 * revocation lists are the ones of the last sync, refreshed by the sync itself), in the tests a
 * standalone `Verifier`.
 */
fun interface CodeVerifier {
    fun verify(qrText: String, now: Long): Verification
}

/** The feed store's checks, whose lists every sync keeps current. */
fun FeedStoreInterface.asCodeVerifier(): CodeVerifier = CodeVerifier(this::verify)

/** A standalone verifier's checks (the lists it was given). */
fun VerifierInterface.asCodeVerifier(): CodeVerifier = CodeVerifier(this::verify)

/**
 * The verify screen's state machine: Scanning → Checking → Accepted | Refused → (after
 * [holdSeconds] or [dismiss]) Scanning. Every decision is the core's `verify`; this class
 * only turns it into screen state and keeps the camera, which reports the same code many times a
 * second, from checking one code over and over (which the core would flag as a repeat scan): the
 * code of the last result is ignored until a different code comes or the user taps [dismiss].
 */
class VerifyController(
    private val verifier: CodeVerifier,
    private val scope: CoroutineScope,
    private val lang: Lang,
    private val clock: Clock = SystemClock,
    private val holdSeconds: Long = 8,
    private val dispatcher: CoroutineDispatcher = Dispatchers.Default,
) {
    private val mutableState = MutableStateFlow<VerifyUiState>(VerifyUiState.Scanning)
    val state: StateFlow<VerifyUiState> = mutableState.asStateFlow()

    @Volatile
    private var lastResultText: String? = null
    private var holdJob: Job? = null

    /**
     * A code the camera read. Returns true if it is being checked, false if it was ignored (a result
     * is on screen, a check is running, or it is the code of the last result).
     */
    fun onScanned(qrText: String): Boolean {
        if (qrText == lastResultText) return false
        if (!mutableState.compareAndSet(VerifyUiState.Scanning, VerifyUiState.Checking)) return false
        holdJob = scope.launch {
            val now = clock.now()
            val result = withContext(dispatcher) { check(qrText, now) }
            lastResultText = qrText
            mutableState.value = result
            clock.sleepUntil(now + holdSeconds)
            mutableState.compareAndSet(result, VerifyUiState.Scanning)
        }
        return true
    }

    /** Back to scanning now; the same code may then be checked again (and is flagged as a repeat). */
    fun dismiss() {
        holdJob?.cancel()
        lastResultText = null
        mutableState.value = VerifyUiState.Scanning
    }

    private fun check(qrText: String, now: Long): VerifyUiState.Result = try {
        when (val v = verifier.verify(qrText, now)) {
            is Verification.Valid -> with(v.card) {
                VerifyUiState.Accepted(
                    holderName = holderName,
                    birthday = birthday,
                    cardType = cardType,
                    validUntil = validUntil,
                    issuerName = issuerName,
                    kind = kind,
                    presentationAgeSecs = presentationAgeSecs,
                    flags = flags,
                    flagTexts = flags.map { flagText(it, lang) },
                    trustListAgeSecs = trustListAgeSecs,
                    scannedAt = now,
                )
            }
            is Verification.Invalid -> VerifyUiState.Refused(v.reason, reasonText(v.reason, lang), now)
        }
    } catch (e: InternalException) {
        VerifyUiState.Failed(e.message ?: "internal error", now)
    }
}
