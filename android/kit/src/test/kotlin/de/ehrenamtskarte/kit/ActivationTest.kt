package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Activation
import de.ehrenamtskarte.core.ActivationProblem
import de.ehrenamtskarte.core.ActivationPrompt
import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.WalletCard
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.activationProblem
import de.ehrenamtskarte.testing.ServiceFixture
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.realNow
import de.ehrenamtskarte.testing.withTempDir
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

private const val FIRST_LETTER = 9 // the Android kit's letters: 9, 10, 11

object ActivationTest {
    private val card = WalletCard(
        cardId = "c1", holderName = "Erika Mustermann", birthday = null, cardType = CardType.STANDARD, projectId = 1u,
        regionId = 9162u, validFrom = "2026-01-01", validUntil = "2029-12-31", issuedAt = 0, deviceBound = true,
        status = CardStatus.Valid,
    )

    /** A scripted core: answers each call with the next outcome, and records what it was asked. */
    private class ScriptedActivator(vararg outcomes: () -> Activation) : Activator {
        private val script = ArrayDeque(outcomes.toList())
        val calls = CopyOnWriteArrayList<Triple<String, Boolean, Long>>()
        val threads = CopyOnWriteArrayList<String>()

        override fun activate(linkOrCode: String, confirmMove: Boolean, now: Long): Activation {
            calls += Triple(linkOrCode, confirmMove, now)
            threads += Thread.currentThread().name
            return script.removeFirst()()
        }
    }

    fun everyCoreErrorHasATextInBothLanguages() {
        val errors = listOf(
            WalletException.CodeUnreadable("check symbol"),
            WalletException.ForeignLink("https://evil.example"),
            WalletException.CodeInvalid(),
            WalletException.ClockWrong(10_000L, 10_000L - 3600),
            WalletException.RateLimited(90uL),
            WalletException.ServiceRefused("revoked", "card revoked"),
            WalletException.Network("timeout"),
            WalletException.CardRefused(InvalidReason.EXPIRED),
            WalletException.KeyStore("locked"),
            WalletException.Storage(),
            WalletException.InvalidArgument("x"),
            WalletException.InvalidCard(),
            WalletException.NotNewerThanStored(),
            WalletException.WrongDevice(),
            WalletException.CardNotFound(),
        )
        val problems = errors.map { assertIs<ActivationProblem>(activationProblem(it), "$it") }
        assertEquals(ActivationProblem.ClockWrong(10_000L, 6_400L), problems[3])
        assertEquals(ActivationProblem.ForeignLink("https://evil.example"), problems[1])
        assertEquals(ActivationProblem.Offline, problems[6])
        assertEquals(null, activationProblem(WalletException.UsedOnOtherPhone()), "a question, not a problem")
        for (problem in problems + ActivationProblem.NotConfigured) {
            val de = problem.text(Lang.DE)
            val en = problem.text(Lang.EN)
            assertTrue(de.isNotBlank() && en.isNotBlank(), "$problem")
            assertNotEquals(de, en, "$problem")
        }
        assertEquals(
            "Die Uhr dieses Telefons geht um etwa 60 Minuten falsch. Bitte stellen Sie Datum und Uhrzeit richtig ein und versuchen Sie es erneut.",
            problems[3].text(Lang.DE),
        )
        assertContains(problems[4].text(Lang.EN), "2 minutes")
        assertContains(problems[1].text(Lang.DE), "https://evil.example")
        // A card the phone's own check refused: the core's reason text.
        assertEquals(de.ehrenamtskarte.core.reasonText(InvalidReason.EXPIRED, Lang.DE), problems[7].text(Lang.DE))
        assertEquals(
            "Die Karte ist auf einem anderen Telefon aktiv. Hierher umziehen? Die Karte auf dem anderen Telefon funktioniert dann nicht mehr.",
            ActivationPrompt.MOVE_QUESTION.text(Lang.DE),
        )
    }

    fun moveIsAskedThenConfirmedOrDeclined() = runBlocking {
        val activator = ScriptedActivator(
            { throw WalletException.UsedOnOtherPhone() },
            { Activation(card, moved = true, listsUpdated = true) },
            { throw WalletException.UsedOnOtherPhone() },
        )
        val activated = CopyOnWriteArrayList<WalletCard>()
        val clock = VirtualClock(1_000L, autoAdvance = true)
        val controller = ActivationController(activator, clock, Dispatchers.IO, onActivated = { activated += it })
        val link = "https://karte.example.org/activate#ABCD"
        assertEquals(ActivationState.ConfirmMove, controller.submit(link))
        assertEquals(ActivationState.ConfirmMove, controller.state.value)
        // While the question is open, another scan does not start a second activation.
        assertEquals(ActivationState.ConfirmMove, controller.submit("something else"))
        assertEquals(ActivationState.Done(card, moved = true), controller.confirmMove())
        assertEquals(listOf(Triple(link, false, 1_000L), Triple(link, true, 1_000L)), activator.calls.toList())
        assertEquals(listOf(card), activated.toList())
        assertTrue(activator.threads.none { it.contains("main") }, "off the calling thread: ${activator.threads}")

        // The holder says no: nothing moves, and a stray "yes" afterwards sends nothing.
        controller.dismiss()
        assertEquals(ActivationState.ConfirmMove, controller.submit(link))
        controller.declineMove()
        assertEquals(ActivationState.Idle, controller.state.value)
        assertEquals(ActivationState.Idle, controller.confirmMove())
        assertEquals(3, activator.calls.size)
    }

    fun oneActivationAtATimeAndProblemsAsState() = runBlocking {
        val release = CompletableDeferred<Unit>()
        val activator = ScriptedActivator(
            {
                runBlocking { release.await() }
                throw WalletException.Network("timeout")
            },
            { Activation(card, moved = false, listsUpdated = false) },
        )
        val controller = ActivationController(activator, VirtualClock(1_000L, autoAdvance = true), Dispatchers.IO)
        val first = async { controller.submit("code") }
        controller.state.first { it == ActivationState.Working }
        assertEquals(ActivationState.Working, controller.submit("code"), "the camera read the code again")
        release.complete(Unit)
        assertEquals(ActivationState.Failed(ActivationProblem.Offline), first.await())
        // Try again after a problem: a new activation.
        assertEquals(ActivationState.Done(card, moved = false), controller.submit("code"))
        assertEquals(2, activator.calls.size)

        val unconfigured = ActivationController(null, VirtualClock(1_000L, autoAdvance = true), Dispatchers.IO)
        assertEquals(ActivationState.Failed(ActivationProblem.NotConfigured), unconfigured.submit("code"))
    }

    fun activatesAtTheRunningService() = withTempDir { dir ->
        runBlocking {
            val service = ServiceFixture.load()
            val (linked, typed, mistaken) = service.letters(FIRST_LETTER, 3)
            val feed = service.openFeed(dir, "phone", realNow())
            val wallet = Wallet.open(File(dir, "phone-wallet.sqlite").path, testKeyStore())
            val model = WalletModel(wallet, { feed.verifier() })
            val controller = ActivationController(walletActivator(wallet, service.url, feed), onActivated = { model.refresh() })

            // The opened link: the card is stored and the wallet list shows it.
            val done = assertIs<ActivationState.Done>(controller.submit(linked.link))
            assertEquals(linked.holderName, done.card.holderName)
            assertEquals(listOf(done.card.cardId), model.state.value.cards.map { it.cardId })
            assertIs<de.ehrenamtskarte.core.Verification.Valid>(feed.verify(wallet.present(done.card.cardId, realNow()), realNow()))
            // The typed code, grouped and in lower case.
            controller.dismiss()
            assertEquals(typed.holderName, assertIs<ActivationState.Done>(controller.submit(typed.typed)).card.holderName)

            // A second phone: the question, then the move.
            val otherFeed = service.openFeed(dir, "other", realNow())
            val other = Wallet.open(File(dir, "other-wallet.sqlite").path, testKeyStore())
            val otherController = ActivationController(walletActivator(other, service.url, otherFeed))
            assertEquals(ActivationState.ConfirmMove, otherController.submit(linked.link))
            val moved = assertIs<ActivationState.Done>(otherController.confirmMove())
            assertTrue(moved.moved)
            assertEquals(linked.holderName, moved.card.holderName)

            // Mistakes, as the holder reads them.
            controller.dismiss()
            assertEquals(ActivationState.Failed(ActivationProblem.CodeUnreadable), controller.submit(mistaken.typo))
            controller.dismiss()
            val foreign = "https://karte.example.org/activate#${mistaken.compact}"
            assertEquals(ActivationState.Failed(ActivationProblem.ForeignLink("https://karte.example.org")), controller.submit(foreign))
            val wrongClock = ActivationController(walletActivator(wallet, service.url, feed), VirtualClock(realNow() - 3600, autoAdvance = true))
            val clockProblem = assertIs<ActivationProblem.ClockWrong>(assertIs<ActivationState.Failed>(wrongClock.submit(mistaken.link)).problem)
            assertContains(clockProblem.text(Lang.DE), "60 Minuten")
            listOf(wallet, other, feed, otherFeed).forEach { it.close() }
        }
    }

    fun register(r: TestRunner) {
        r.test("Activation: every core error has a text in German and English", ::everyCoreErrorHasATextInBothLanguages)
        r.test("Activation: the move is asked, then confirmed or declined", ::moveIsAskedThenConfirmedOrDeclined)
        r.test("Activation: one at a time, problems as state", ::oneActivationAtATimeAndProblemsAsState)
        r.test("Activation: link, typed code, move and mistakes at the running service", ::activatesAtTheRunningService)
    }
}
