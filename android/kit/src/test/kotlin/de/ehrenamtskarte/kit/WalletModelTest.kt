package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.ClockStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.world
import kotlinx.coroutines.runBlocking
import kotlin.test.assertEquals
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

    fun register(r: TestRunner) {
        r.test("WalletModel: add, list and remove cards", ::addListAndRemoveCards)
        r.test("WalletModel: refuses cards the core does not accept", ::refusesCardsTheCoreDoesNotAccept)
    }
}
