package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.ClockStatus
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
            val model = WalletModel(wallet, VirtualClock(NOW, autoAdvance = true))
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

    fun register(r: TestRunner) {
        r.test("WalletModel: add, list and remove cards", ::addListAndRemoveCards)
    }
}
