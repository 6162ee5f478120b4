// Activation through the Kotlin bindings against a running issuer service, as
// tests/bindings/python/test_activation.py tells it: the letter's link or typed code goes to
// Wallet.activate, which proves the device key, checks the card against the phone's FeedStore and
// stores it; a retry returns the same card; a second phone is asked before the card moves (the old
// phone's wallet list, checked against the new lists, then shows it refused); typing
// errors, foreign links and a wrong clock are typed exceptions; a cancelled activation stores
// nothing. The service is the one scripts/test-bindings.sh starts (EHK_TEST_SERVICE_FIXTURE);
// Kotlin uses its letters 3-5. Wallet.activate is a suspend fun: the tests call it in runBlocking,
// as StoresTest.kt does the sync.
package bindingtests

import de.ehrenamtskarte.core.ActivationProblem
import de.ehrenamtskarte.core.Cancellation
import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.PresentationKind
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.activationProblem
import de.ehrenamtskarte.core.cardStatusText
import de.ehrenamtskarte.core.cardStatusUsable
import de.ehrenamtskarte.testing.MapKeyStore
import de.ehrenamtskarte.testing.ServiceFixture
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.realNow
import de.ehrenamtskarte.testing.withTempDir
import kotlinx.coroutines.runBlocking
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertTrue

private const val FIRST_LETTER = 3 // Kotlin's letters: 3, 4, 5

/**
 * The device key of the phone that activates letter 5, in the mistakes test and the cancellation
 * test: the service sees one phone, so each of them gets the same card, in either order.
 */
private val letter5Phone = MapKeyStore()

/** A temp dir for the test's phones, and a coroutine for the suspend `Wallet.activate`. */
private fun activationTest(body: suspend (File) -> Unit) = withTempDir { dir -> runBlocking { body(dir) } }

private fun openWallet(dir: File, name: String, keyStore: MapKeyStore = MapKeyStore()) =
    Wallet.open(File(dir, "$name-wallet.sqlite").path, keyStore)

fun activationByLinkRetryAndMove() = activationTest { dir ->
    val service = ServiceFixture.load()
    val letter = service.letters(FIRST_LETTER, 3)[0]
    val feed = service.openFeed(dir, "first", realNow())
    val wallet = openWallet(dir, "first")
    val activation = wallet.activate(letter.link, service.url, feed, false, realNow())
    val card = activation.card
    assertFalse(activation.moved)
    assertTrue(card.deviceBound)
    assertEquals(letter.holderName, card.holderName)
    assertEquals(CardStatus.Valid, card.status)
    assertEquals(listOf(card.cardId), wallet.cards(realNow()).map { it.cardId })

    val shown = wallet.present(card.cardId, realNow())
    val result = assertIs<Verification.Valid>(feed.verify(shown, realNow()))
    assertEquals(letter.holderName, result.card.holderName)
    assertEquals(PresentationKind.DEVICE_BOUND, result.card.kind)

    // The answer got lost; the holder taps the link again: the same card.
    val again = wallet.activate(letter.link, service.url, feed, false, realNow())
    assertEquals(card.cardId, again.card.cardId)
    assertFalse(again.moved)
    assertEquals(1, wallet.cards(realNow()).size)

    // A new phone is asked first; with the holder's yes the card moves and the old code is revoked.
    val otherFeed = service.openFeed(dir, "second", realNow())
    val other = openWallet(dir, "second")
    assertFailsWith<WalletException.UsedOnOtherPhone> { other.activate(letter.link, service.url, otherFeed, false, realNow()) }
    assertEquals(emptyList(), other.cards(realNow()))
    val moved = other.activate(letter.link, service.url, otherFeed, true, realNow())
    assertTrue(moved.moved)
    assertTrue(moved.card.deviceBound)
    assertEquals(letter.holderName, moved.card.holderName)
    assertIs<Verification.Valid>(otherFeed.verify(other.present(moved.card.cardId, realNow()), realNow()))
    assertTrue(moved.listsUpdated, "the move's revocation list came with the answer")
    assertEquals(Verification.Invalid(InvalidReason.REVOKED), otherFeed.verify(wallet.present(card.cardId, realNow()), realNow()))
    // The old phone's wallet list, checked against lists that carry the move, says so too; the
    // new phone's card stays usable.
    val revoked = CardStatus.Refused(InvalidReason.REVOKED)
    assertEquals(listOf(revoked), wallet.cards(realNow(), otherFeed.verifier()).map { it.status })
    assertFalse(cardStatusUsable(revoked))
    assertEquals("Die Karte wurde gesperrt.", cardStatusText(revoked, Lang.DE))
    assertEquals(listOf<CardStatus>(CardStatus.Valid), wallet.cards(realNow()).map { it.status }, "without a verifier the dates alone decide")
    assertTrue(cardStatusUsable(other.cards(realNow(), otherFeed.verifier()).single().status))
    listOf(wallet, other, feed, otherFeed).forEach { it.close() }
}

fun activationByTypedCode() = activationTest { dir ->
    val service = ServiceFixture.load()
    val letter = service.letters(FIRST_LETTER, 3)[1]
    val feed = service.openFeed(dir, "typed", realNow())
    val wallet = openWallet(dir, "typed")
    val activation = wallet.activate(letter.typed, service.url, feed, false, realNow())
    assertEquals(letter.holderName, activation.card.holderName)
    assertIs<Verification.Valid>(feed.verify(wallet.present(activation.card.cardId, realNow()), realNow()))
    // The app scheme's link of the same letter: the same activation.
    val scheme = wallet.activate("ehrenamtskarte://activate#${letter.compact}", service.url, feed, false, realNow())
    assertEquals(activation.card.cardId, scheme.card.cardId)
    wallet.close()
    feed.close()
}

fun activationMistakesAreTypedExceptions() = activationTest { dir ->
    val service = ServiceFixture.load()
    val letter = service.letters(FIRST_LETTER, 3)[2]
    val feed = service.openFeed(dir, "mistakes", realNow())
    val wallet = openWallet(dir, "mistakes", letter5Phone)
    assertFailsWith<WalletException.CodeUnreadable> { wallet.activate(letter.typo, service.url, feed, false, realNow()) }
    assertFailsWith<WalletException.CodeUnreadable> { wallet.activate(letter.compact.dropLast(2), service.url, feed, false, realNow()) }
    val foreign = assertFailsWith<WalletException.ForeignLink> {
        wallet.activate("https://karte.example.org/activate#${letter.compact}", service.url, feed, false, realNow())
    }
    assertEquals("https://karte.example.org", foreign.origin)
    val clock = assertFailsWith<WalletException.ClockWrong> {
        wallet.activate(letter.link, service.url, feed, false, realNow() - 3600)
    }
    assertTrue(clock.phoneTime < clock.serverTime - 3000, "phone ${clock.phoneTime}, service ${clock.serverTime}")
    assertEquals(emptyList(), wallet.cards(realNow()))
    // None of that cost the letter an attempt.
    assertEquals(letter.holderName, wallet.activate(letter.link, service.url, feed, false, realNow()).card.holderName)
    wallet.close()
    feed.close()
}

fun cancelledActivationStoresNothing() = activationTest { dir ->
    val service = ServiceFixture.load()
    val letter = service.letters(FIRST_LETTER, 3)[2]
    val feed = service.openFeed(dir, "cancelled", realNow())
    val wallet = openWallet(dir, "cancelled", letter5Phone)
    // Cancelled before the call: the core stops before the request, stores nothing, and says so.
    val cancellation = Cancellation()
    cancellation.cancel()
    assertTrue(cancellation.isCancelled())
    assertFailsWith<WalletException.Cancelled> { wallet.activate(letter.link, service.url, feed, false, realNow(), cancellation) }
    assertEquals(emptyList(), wallet.cards(realNow()))
    assertEquals(ActivationProblem.Cancelled, activationProblem(WalletException.Cancelled()))
    // The code still works: activating again (no cancellation) stores the card.
    val activation = wallet.activate(letter.link, service.url, feed, false, realNow())
    assertEquals(letter.holderName, activation.card.holderName)
    assertFalse(activation.moved)
    assertEquals(listOf(activation.card.cardId), wallet.cards(realNow()).map { it.cardId })
    // Cancelled again (a new Cancellation per call): the stored card stays, and the next call returns the same card.
    val again = Cancellation()
    again.cancel()
    assertFailsWith<WalletException.Cancelled> { wallet.activate(letter.typed, service.url, feed, false, realNow(), again) }
    assertEquals(activation.card.cardId, wallet.activate(letter.typed, service.url, feed, false, realNow()).card.cardId)
    assertEquals(1, wallet.cards(realNow()).size)
    wallet.close()
    feed.close()
}

fun registerActivationTests(runner: TestRunner) {
    runner.test("activation: link, retry, and a confirmed move to a second phone", ::activationByLinkRetryAndMove)
    runner.test("activation: typed code and the app scheme's link", ::activationByTypedCode)
    runner.test("activation: typo, foreign link and wrong clock are typed exceptions", ::activationMistakesAreTypedExceptions)
    runner.test("activation: an already cancelled Cancellation stores nothing; the code still works", ::cancelledActivationStoresNothing)
}
