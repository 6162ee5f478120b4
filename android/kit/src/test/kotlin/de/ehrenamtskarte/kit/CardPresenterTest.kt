package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.KeyStore
import de.ehrenamtskarte.core.KeyStoreException
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.world
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertEquals
import kotlin.test.assertIs

object CardPresenterTest {
    fun freshCodeAtEveryTimeStep() = runBlocking {
        val w = world()
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            wallet.addCard(card.qrText, w.verifier, NOW)
            val clock = VirtualClock(NOW + 7, autoAdvance = true)
            val codes = withTimeout(10_000) {
                CardPresenter(wallet, { w.verifier }, clock, Dispatchers.Default).codes(card.cardId).take(3).toList()
            }
            val shown = codes.map { assertIs<CardCode.Showing>(it) }
            assertEquals(listOf(NOW + 7, NOW + 30, NOW + 60), shown.map { it.shownAt })
            assertEquals(listOf(NOW + 30, NOW + 60, NOW + 90), shown.map { it.refreshAt })
            assertEquals(3, shown.map { it.qrText }.toSet().size, "each step has its own code")
            for (code in shown) {
                val v = assertIs<Verification.Valid>(w.verifier.verify(code.qrText, code.shownAt + 5))
                assertEquals("Erika Mustermann", v.card.holderName)
            }
            // The first code, kept as a screenshot, is refused two minutes later.
            assertEquals(
                Verification.Invalid(InvalidReason.STALE_PRESENTATION),
                w.verifier.verify(shown[0].qrText, NOW + 150),
            )
        }
    }

    fun removedCardEndsTheFlow() = runBlocking {
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val clock = VirtualClock(NOW, autoAdvance = true)
            val codes = withTimeout(10_000) { CardPresenter(wallet, { null }, clock).codes("0011223344556677").toList() }
            assertEquals(listOf<CardCode>(CardCode.Unavailable(WalletProblem.CARD_NOT_FOUND, null)), codes)
        }
    }

    /** A key store that is locked (the phone was just restarted) until the test unlocks it. */
    private class LockableKeyStore : KeyStore {
        @Volatile var locked = false
        private val inner = testKeyStore()
        override fun load(alias: String): ByteArray? =
            if (locked) throw KeyStoreException.Unavailable("locked") else inner.load(alias)
        override fun save(alias: String, secret: ByteArray) = inner.save(alias, secret)
    }

    fun lockedKeyStoreIsRetriedAtTheNextStep() = runBlocking {
        val w = world()
        val store = LockableKeyStore()
        Wallet.inMemory(store).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            wallet.addCard(card.qrText, w.verifier, NOW)
            store.locked = true
            val clock = VirtualClock(NOW + 1, autoAdvance = true)
            val presenter = CardPresenter(wallet, { w.verifier }, clock)
            val codes = withTimeout(10_000) { presenter.codes(card.cardId).take(2).toList() }
            assertEquals(
                listOf<CardCode>(
                    CardCode.Unavailable(WalletProblem.KEY_STORE_UNAVAILABLE, NOW + 30),
                    CardCode.Unavailable(WalletProblem.KEY_STORE_UNAVAILABLE, NOW + 60),
                ),
                codes,
            )
            store.locked = false
            val after = withTimeout(10_000) { presenter.codes(card.cardId).take(1).toList() }
            val code = assertIs<CardCode.Showing>(after.single())
            val verdict = w.verifier.verify(code.qrText, code.shownAt)
            assertIs<Verification.Valid>(verdict, "$verdict at ${code.shownAt - NOW}")
        }
    }

    fun noCodeForACardThatCannotBeShown() = runBlocking {
        val w = world()
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            wallet.addCard(card.qrText, w.verifier, NOW)
            // Expired (valid until 2028-12-31): no code, and the presenter keeps looking each step.
            val late = NOW + 3 * 365 * DAY
            val expired = withTimeout(10_000) {
                CardPresenter(wallet, { null }, VirtualClock(late, autoAdvance = true)).codes(card.cardId).take(2).toList()
            }
            assertEquals(listOf(CardStatus.Expired, CardStatus.Expired), expired.map { assertIs<CardCode.NotUsable>(it).status })
            assertEquals(listOf(late + 30, late + 60), expired.map { (it as CardCode.NotUsable).retryAt })
            assertEquals("Abgelaufen", CardStatus.Expired.text(Lang.DE))
            // Revoked while it is on screen: the next step shows no code, only the core's reason.
            val clock = VirtualClock(NOW, autoAdvance = false)
            val presenter = CardPresenter(wallet, { w.verifier }, clock)
            val seen = CopyOnWriteArrayList<CardCode>()
            withTimeout(10_000) {
                val collecting = launch(Dispatchers.Default) { presenter.codes(card.cardId).collect { seen += it } }
                while (seen.isEmpty()) delay(10)
                assertIs<CardCode.Showing>(seen.single())
                w.verifier.loadRevocationList(w.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId)))
                clock.advanceTo(NOW + 30)
                while (seen.size < 2) delay(10)
                collecting.cancel()
            }
            val refused = CardCode.NotUsable(CardStatus.Refused(InvalidReason.REVOKED), retryAt = NOW + 60)
            assertEquals(refused, seen[1])
            assertEquals("The card has been revoked.", refused.status.text(Lang.EN))
        }
    }

    fun register(r: TestRunner) {
        r.test("CardPresenter: fresh code at every 30 s step", ::freshCodeAtEveryTimeStep)
        r.test("CardPresenter: removed card ends the flow", ::removedCardEndsTheFlow)
        r.test("CardPresenter: locked key store is retried at the next step", ::lockedKeyStoreIsRetriedAtTheNextStep)
        r.test("CardPresenter: no code for an expired or revoked card", ::noCodeForACardThatCannotBeShown)
    }
}
