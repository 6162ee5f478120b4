package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Activation
import de.ehrenamtskarte.core.ActivationProblem
import de.ehrenamtskarte.core.ActivationPrompt
import de.ehrenamtskarte.core.Cancellation
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
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
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
    private class ScriptedActivator(vararg outcomes: suspend () -> Activation) : Activator {
        private val script = ArrayDeque(outcomes.toList())
        val calls = CopyOnWriteArrayList<Triple<String, Boolean, Long>>()
        val threads = CopyOnWriteArrayList<String>()

        override suspend fun activate(linkOrCode: String, confirmMove: Boolean, now: Long): Activation {
            calls += Triple(linkOrCode, confirmMove, now)
            threads += Thread.currentThread().name
            return script.removeFirst()()
        }
    }

    /** An activation the core is still working on until the caller's coroutine is cancelled; records that it was. */
    private fun untilCancelled(cancelled: MutableList<String>): suspend () -> Activation = {
        try {
            awaitCancellation()
        } catch (e: CancellationException) {
            cancelled += "cancelled"
            throw e
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
            WalletException.Cancelled(),
        )
        val problems = errors.map { assertIs<ActivationProblem>(activationProblem(it), "$it") }
        assertEquals(ActivationProblem.ClockWrong(10_000L, 6_400L), problems[3])
        assertEquals(ActivationProblem.ForeignLink("https://evil.example"), problems[1])
        assertEquals(ActivationProblem.Offline, problems[6])
        assertEquals(ActivationProblem.Cancelled, problems.last())
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
        val controller = ActivationController(activator, clock, onActivated = { activated += it })
        val link = "https://karte.example.org/activate#ABCD"
        assertEquals(ActivationState.ConfirmMove, controller.submit(link))
        assertEquals(ActivationState.ConfirmMove, controller.state.value)
        // While the question is open, another scan does not start a second activation.
        assertEquals(ActivationState.ConfirmMove, controller.submit("something else"))
        assertEquals(ActivationState.Done(card, moved = true), controller.confirmMove())
        assertEquals(listOf(Triple(link, false, 1_000L), Triple(link, true, 1_000L)), activator.calls.toList())
        assertEquals(listOf(card), activated.toList())
        // The activator suspends without blocking: the controller calls it where it was called, no dispatcher of its own.
        val caller = Thread.currentThread().name
        assertEquals(listOf(caller, caller), activator.threads.toList())

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
                release.await()
                throw WalletException.Network("timeout")
            },
            { Activation(card, moved = false, listsUpdated = false) },
        )
        val controller = ActivationController(activator, VirtualClock(1_000L, autoAdvance = true))
        val first = async { controller.submit("code") }
        controller.state.first { it == ActivationState.Working }
        assertEquals(ActivationState.Working, controller.submit("code"), "the camera read the code again")
        release.complete(Unit)
        assertEquals(ActivationState.Failed(ActivationProblem.Offline), first.await())
        // Try again after a problem: a new activation.
        assertEquals(ActivationState.Done(card, moved = false), controller.submit("code"))
        assertEquals(2, activator.calls.size)

        val unconfigured = ActivationController(null, VirtualClock(1_000L, autoAdvance = true))
        assertEquals(ActivationState.Failed(ActivationProblem.NotConfigured), unconfigured.submit("code"))
    }

    /**
     * A cancelled activation is no failure for the holder: whether the caller's coroutine was
     * cancelled (the CancellationException reaches the caller) or the core reports
     * `WalletException.Cancelled`, the controller shows [ActivationState.Idle], never
     * [ActivationState.Failed], nothing counts as activated, and the next submit starts afresh.
     */
    fun cancelledActivationIsIdleNotAFailure() = runBlocking {
        val cancelled = CopyOnWriteArrayList<String>()
        val activator = ScriptedActivator(
            untilCancelled(cancelled),
            { throw WalletException.UsedOnOtherPhone() },
            untilCancelled(cancelled),
            { throw WalletException.Cancelled() },
            { Activation(card, moved = false, listsUpdated = false) },
        )
        val activated = CopyOnWriteArrayList<WalletCard>()
        val controller = ActivationController(activator, VirtualClock(1_000L, autoAdvance = true), onActivated = { activated += it })

        // The caller's coroutine is cancelled while the core works (the holder left, the app cancelled it).
        val submitted = async(start = CoroutineStart.UNDISPATCHED) { controller.submit("code") }
        assertEquals(ActivationState.Working, controller.state.value)
        submitted.cancel()
        assertFailsWith<CancellationException> { submitted.await() }
        assertEquals(listOf("cancelled"), cancelled.toList(), "the core's activation was cancelled with the coroutine")
        assertEquals(ActivationState.Idle, controller.state.value)

        // The same during a confirmed move: back to idle, the question is not asked again.
        assertEquals(ActivationState.ConfirmMove, controller.submit("code"))
        val moving = async(start = CoroutineStart.UNDISPATCHED) { controller.confirmMove() }
        assertEquals(ActivationState.Working, controller.state.value)
        moving.cancel()
        assertFailsWith<CancellationException> { moving.await() }
        assertEquals(ActivationState.Idle, controller.state.value)
        assertEquals(ActivationState.Idle, controller.confirmMove(), "no pending move after the cancel")
        assertEquals(3, activator.calls.size)

        // The core reports the cancellation (a Cancellation the activator was given): idle as well.
        assertEquals(ActivationState.Idle, controller.submit("code"))
        assertEquals(ActivationState.Idle, controller.state.value)
        assertEquals(emptyList(), activated.toList())

        // And the holder tries again: a new activation.
        assertEquals(ActivationState.Done(card, moved = false), controller.submit("code"))
        assertEquals(listOf(card), activated.toList())
        assertEquals(5, activator.calls.size)
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

            // Cancelled before it was sent (an already cancelled Cancellation): the core reports it,
            // the controller is idle, nothing is stored, and the letter still activates.
            val cancellation = Cancellation()
            cancellation.cancel()
            val cancelledActivator = Activator { linkOrCode, confirmMove, now ->
                wallet.activate(linkOrCode, service.url, feed, confirmMove, now, cancellation)
            }
            val cards = wallet.cards(realNow()).map { it.cardId }
            assertEquals(ActivationState.Idle, ActivationController(cancelledActivator).submit(mistaken.link))
            assertEquals(cards, wallet.cards(realNow()).map { it.cardId }, "nothing stored")
            controller.dismiss()
            assertEquals(mistaken.holderName, assertIs<ActivationState.Done>(controller.submit(mistaken.link)).card.holderName)
            listOf(wallet, other, feed, otherFeed).forEach { it.close() }
        }
    }

    fun register(r: TestRunner) {
        r.test("Activation: every core error has a text in German and English", ::everyCoreErrorHasATextInBothLanguages)
        r.test("Activation: the move is asked, then confirmed or declined", ::moveIsAskedThenConfirmedOrDeclined)
        r.test("Activation: one at a time, problems as state", ::oneActivationAtATimeAndProblemsAsState)
        r.test("Activation: a cancelled activation is idle, not a failure", ::cancelledActivationIsIdleNotAFailure)
        r.test("Activation: link, typed code, move, mistakes and a cancel at the running service", ::activatesAtTheRunningService)
    }
}
