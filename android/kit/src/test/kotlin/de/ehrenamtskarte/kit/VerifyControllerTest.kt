package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Flag
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.PresentationKind
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.flagText
import de.ehrenamtskarte.core.reasonText
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.World
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.world
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

object VerifyControllerTest {
    private suspend fun VerifyController.awaitResult(): VerifyUiState.Result =
        withTimeout(10_000) { state.first { it is VerifyUiState.Result } as VerifyUiState.Result }

    private suspend fun VerifyController.awaitScanning() =
        withTimeout(10_000) { state.first { it == VerifyUiState.Scanning } }

    /** Runs [body] with a controller whose hold timer waits on a virtual clock the test moves. */
    private fun withController(lang: Lang, body: suspend (VerifyController, VirtualClock, World) -> Unit) = runBlocking {
        val scope = CoroutineScope(Dispatchers.Default)
        try {
            val w = world()
            val clock = VirtualClock(NOW, autoAdvance = false)
            body(VerifyController(w.verifier.asCodeVerifier(), scope, lang, clock, holdSeconds = 8), clock, w)
        } finally {
            scope.cancel()
        }
    }

    fun presentationTurnsGreenWithTheHolderName() = withController(Lang.EN) { controller, clock, w ->
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            wallet.addCard(card.qrText, w.verifier, NOW)
            val code = wallet.present(card.cardId, NOW)
            clock.advanceTo(NOW + 4)

            assertEquals(VerifyUiState.Scanning, controller.state.value)
            assertTrue(controller.onScanned(code))
            val accepted = assertIs<VerifyUiState.Accepted>(controller.awaitResult())
            assertEquals(Signal.GREEN, accepted.signal)
            assertEquals("Erika Mustermann", accepted.holderName)
            assertEquals(PresentationKind.DEVICE_BOUND, accepted.kind)
            assertEquals(4L, accepted.presentationAgeSecs)
            assertEquals("Landkreis Test", accepted.issuerName)
            assertEquals(accepted.flags.map { flagText(it, Lang.EN) }, accepted.flagTexts)
            assertEquals(NOW + 4, accepted.scannedAt)

            // While the result is on screen the camera's repeated reads of any code are ignored.
            assertFalse(controller.onScanned(code))
            assertFalse(controller.onScanned("hello"))
            clock.advanceTo(NOW + 12)
            controller.awaitScanning()
            // The code still in front of the camera is not checked again (it would be a repeat scan)...
            assertFalse(controller.onScanned(code))
            // ...until the user asks for it: then the core flags the repeat.
            controller.dismiss()
            assertTrue(controller.onScanned(code))
            val again = assertIs<VerifyUiState.Accepted>(controller.awaitResult())
            assertContains(again.flags, Flag.REPEAT_SCAN)
            assertContains(again.flagTexts, flagText(Flag.REPEAT_SCAN, Lang.EN))
        }
    }

    fun staticCardIsGreenWithItsFlag() = withController(Lang.DE) { controller, _, w ->
        val card = w.issuer.issueCard(request("Max Mustermann"), NOW)
        assertTrue(controller.onScanned(card.qrText))
        val accepted = assertIs<VerifyUiState.Accepted>(controller.awaitResult())
        assertEquals(PresentationKind.STATIC, accepted.kind)
        assertContains(accepted.flags, Flag.STATIC_CARD)
        assertContains(accepted.flagTexts, flagText(Flag.STATIC_CARD, Lang.DE))
    }

    fun tamperedCodeTurnsRedWithTheCoreReason() = withController(Lang.DE) { controller, clock, w ->
        val card = w.issuer.issueCard(request("Erika Mustermann"), NOW)
        val i = card.qrText.length / 2
        val tampered = card.qrText.replaceRange(i, i + 1, if (card.qrText[i] != 'A') "A" else "B")
        assertTrue(controller.onScanned(tampered))
        val refused = assertIs<VerifyUiState.Refused>(controller.awaitResult())
        assertEquals(Signal.RED, refused.signal)
        assertContains(listOf(InvalidReason.BAD_ISSUER_SIGNATURE, InvalidReason.DAMAGED_ENCODING), refused.reason)
        assertEquals(reasonText(refused.reason, Lang.DE), refused.reasonText)

        clock.advanceTo(NOW + 8)
        controller.awaitScanning()
        assertTrue(controller.onScanned("hello"))
        val notACard = assertIs<VerifyUiState.Refused>(controller.awaitResult())
        assertEquals(InvalidReason.NOT_A_CARD, notACard.reason)
    }

    fun copiedCredentialTurnsRed() = withController(Lang.EN) { controller, _, w ->
        Wallet.inMemory(testKeyStore()).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            assertTrue(controller.onScanned(card.qrText))
            val refused = assertIs<VerifyUiState.Refused>(controller.awaitResult())
            assertEquals(InvalidReason.DEVICE_PRESENTATION_REQUIRED, refused.reason)
            assertEquals(reasonText(InvalidReason.DEVICE_PRESENTATION_REQUIRED, Lang.EN), refused.reasonText)
        }
    }

    fun register(r: TestRunner) {
        r.test("VerifyController: presentation turns green with the holder name", ::presentationTurnsGreenWithTheHolderName)
        r.test("VerifyController: static card is green with its flag", ::staticCardIsGreenWithItsFlag)
        r.test("VerifyController: tampered code turns red with the core's reason", ::tamperedCodeTurnsRedWithTheCoreReason)
        r.test("VerifyController: copied credential turns red", ::copiedCredentialTurnsRed)
    }
}
