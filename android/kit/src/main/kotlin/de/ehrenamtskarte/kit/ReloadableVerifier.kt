package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.UpdateOutcome
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.VerifierInterface
import java.util.concurrent.atomic.AtomicReference

/**
 * A [VerifierInterface] whose verifier can be replaced while screens hold on to it: the app builds
 * it from `StoreDatabase.verifier(root)` (the trust list and revocation lists of the last feed sync)
 * and calls [replace] after a sync that changed them, so an open verify screen checks the next code
 * against the new lists. Every decision stays the core's.
 */
class ReloadableVerifier(initial: VerifierInterface) : VerifierInterface {
    private val current = AtomicReference(initial)

    /** The verifier codes are checked with now. */
    val verifier: VerifierInterface get() = current.get()

    /**
     * Uses [next] from now on. The previous one is not closed here (a check may still be running
     * on it); UniFFI's cleaner frees it once unreachable.
     */
    fun replace(next: VerifierInterface) {
        current.set(next)
    }

    override fun verify(qrText: String, now: Long): Verification = current.get().verify(qrText, now)

    override fun loadTrustList(signedList: ByteArray): UpdateOutcome = current.get().loadTrustList(signedList)

    override fun loadRevocationList(signedList: ByteArray): UpdateOutcome = current.get().loadRevocationList(signedList)

    override fun trustListVersion(): ULong? = current.get().trustListVersion()
}
