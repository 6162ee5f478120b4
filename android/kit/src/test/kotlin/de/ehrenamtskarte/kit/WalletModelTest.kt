package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.UpdateOutcome
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.withFeedWorld
import de.ehrenamtskarte.testing.world
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

object WalletModelTest {
    fun addListAndRemoveCards() = runBlocking {
        val w = world()
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val model = WalletModel(wallet, { w.verifier }, VirtualClock(NOW, autoAdvance = true))
            model.refresh()
            assertEquals(WalletUiState(), model.state.value)

            val hex = model.deviceKeyHex().getOrThrow()
            assertTrue(hex.matches(Regex("[0-9a-f]{64}")), hex)
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            val added = assertIs<AddResult.Added>(model.add(" ${card.qrText}\n"))
            assertTrue(added.card.deviceBound)
            assertEquals(listOf(card.cardId), model.state.value.cards.map { it.cardId })
            assertEquals(CardStatus.Valid, model.state.value.cards.single().status)
            assertEquals(ClockStatus.Plausible, model.state.value.clock)

            assertEquals(AddResult.Refused(WalletProblem.INVALID_CARD), model.add("EK1:NOT A CARD"))
            Wallet.inMemory(testKeyStore()).use { other ->
                val foreign = w.issuer.issueCard(request("Max Mustermann", other.devicePublicKey()), NOW)
                assertEquals(AddResult.Refused(WalletProblem.WRONG_DEVICE), model.add(foreign.qrText))
            }
            assertTrue(model.remove(card.cardId))
            assertEquals(emptyList(), model.state.value.cards)
        }
    }

    fun refusesCardsTheCoreDoesNotAccept() = runBlocking {
        val w = world()
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val clock = VirtualClock(NOW, autoAdvance = true)
            val card = w.issuer.issueCard(request("Erika Mustermann"), NOW)
            // Signed by a key the trust list does not know.
            val forged = IssuerKey.generate().issueCard(request("Erika Mustermann"), NOW)
            val model = WalletModel(wallet, { w.verifier }, clock)
            assertEquals(AddResult.Refused(WalletProblem.CARD_REFUSED, InvalidReason.UNKNOWN_ISSUER), model.add(forged.qrText))
            // A phone that never synced, and an app without any lists.
            val unsynced = WalletModel(wallet, { Verifier(IssuerKey.generate().publicKey()) }, clock)
            assertEquals(AddResult.Refused(WalletProblem.CARD_REFUSED, InvalidReason.NO_TRUST_LIST), unsynced.add(card.qrText))
            assertEquals(AddResult.Refused(WalletProblem.CARD_REFUSED, InvalidReason.NO_TRUST_LIST), WalletModel(wallet, { null }, clock).add(card.qrText))
            assertEquals(emptyList(), model.state.value.cards)
            assertIs<AddResult.Added>(model.add(card.qrText))
            assertEquals(listOf(card.cardId), model.state.value.cards.map { it.cardId })
        }
    }

    fun listsACardTheListsNowRefuse() = runBlocking {
        val w = world()
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val clock = VirtualClock(NOW, autoAdvance = true)
            val model = WalletModel(wallet, { w.verifier }, clock)
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            assertIs<AddResult.Added>(model.add(card.qrText))
            val valid = model.state.value.cards.single().status
            assertEquals(CardStatus.Valid, valid)
            assertTrue(valid.isUsable)
            assertEquals("Gültig", valid.text(Lang.DE))

            // The phone's next lists revoke the card (say, it moved to another phone).
            val revocations = w.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId))
            assertEquals(UpdateOutcome.UPDATED, w.verifier.loadRevocationList(revocations))
            model.refresh()
            val refused = model.state.value.cards.single()
            assertEquals(card.cardId, refused.cardId)
            assertEquals(CardStatus.Refused(InvalidReason.REVOKED), refused.status)
            assertEquals("Die Karte wurde gesperrt.", refused.status.text(Lang.DE))
            assertEquals("The card has been revoked.", refused.status.text(Lang.EN))
            assertFalse(refused.status.isUsable)

            // Without the phone's lists only the dates decide.
            val unchecked = WalletModel(wallet, { null }, clock).apply { refresh() }
            assertEquals(CardStatus.Valid, unchecked.state.value.cards.single().status)
        }
    }

    fun syncThatRevokesACardRelistsIt() = withFeedWorld { f ->
        runBlocking {
            Wallet.inMemory(testKeyStore()).use { wallet ->
                val clock = VirtualClock(NOW, autoAdvance = true)
                // The phone's verifier: the trust list the app ships until the first sync.
                val model = WalletModel(wallet, { f.phone.verifier() }, clock)
                assertIs<AddResult.Added>(model.add(f.card.qrText))
                assertEquals(CardStatus.Valid, model.state.value.cards.single().status)

                val syncer = FeedSyncer(f.phone, f.url, clock)
                val following = launch { model.refreshAfterSyncs(syncer.state) }
                try {
                    // The feed's revocation list names the card: after the sync the list says so.
                    assertIs<SyncState.Synced>(syncer.syncNow())
                    val listed = withTimeout(10_000) {
                        model.state.first { s -> s.cards.any { it.status is CardStatus.Refused } }
                    }
                    assertEquals(CardStatus.Refused(InvalidReason.REVOKED), listed.cards.single().status)
                } finally {
                    following.cancel()
                }
            }
        }
    }

    fun register(r: TestRunner) {
        r.test("WalletModel: add, list and remove cards", ::addListAndRemoveCards)
        r.test("WalletModel: refuses cards the core does not accept", ::refusesCardsTheCoreDoesNotAccept)
        r.test("WalletModel: lists a card the phone's lists now refuse as refused (revoked)", ::listsACardTheListsNowRefuse)
        r.test("WalletModel: a sync that revokes a stored card lists it again as refused", ::syncThatRevokesACardRelistsIt)
    }
}
