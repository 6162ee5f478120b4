// Activation through the Swift bindings against a running issuer service, as
// tests/bindings/python/test_activation.py tells it: the letter's link or typed code goes to
// Wallet.activate, which proves the device key, checks the card against the phone's FeedStore and
// stores it; a retry returns the same card; a second phone is asked before the card moves; typing
// errors, foreign links and a wrong clock are typed errors; a cancelled activation stores nothing;
// after a move the old phone's wallet list, checked with the new lists, shows the card refused.
// The service is the one scripts/test-bindings.sh starts (EHK_TEST_SERVICE_FIXTURE); Swift uses
// its letters 6-8. Wallet.activate is async: the tests run it to the end with `blocking`.

import EhkCore
import Foundation

private let firstLetter = 6 // Swift's letters: 6, 7, 8

/// The device key of the phone that activates letter 8, in the mistakes test and the
/// cancellation test: the service sees one phone, so each of them gets the same card, in either
/// order.
private let letter8Phone = DictKeyStore()

/// `Wallet.activate`, awaited from the synchronous test runner.
private func activate(_ wallet: Wallet, _ linkOrCode: String, at service: ServiceFixture, feed: FeedStore,
                      confirmMove: Bool = false, now: Int64 = realNow(),
                      cancellation: Cancellation? = nil) throws -> Activation {
    let url = service.url
    return try blocking {
        try await wallet.activate(linkOrCode: linkOrCode, serviceUrl: url, feed: feed,
                                  confirmMove: confirmMove, now: now, cancellation: cancellation)
    }
}

func testActivationByLinkRetryAndMove() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[0]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "first")
    let wallet = try Wallet.open(path: dir.path("first-wallet.sqlite"), keyStore: DictKeyStore())
    let activation = try activate(wallet, letter.link, at: service, feed: feed)
    let card = activation.card
    expect(!activation.moved, "a first activation moves nothing")
    expect(card.deviceBound, "the card is bound to this phone")
    expectEqual(card.holderName, letter.holderName, "holder")
    expectEqual(card.status, .valid, "status")
    expectEqual(try wallet.cards(now: realNow()).map(\.cardId), [card.cardId], "wallet list")

    let shown = try wallet.present(cardId: card.cardId, now: realNow())
    let verified = feed.verify(qrText: shown, now: realNow())
    expectEqual(verified.validCard?.holderName, letter.holderName, "the shop's check: \(verified)")
    expectEqual(verified.validCard?.kind, .deviceBound, "kind")

    // The answer got lost; the holder taps the link again: the same card.
    let again = try activate(wallet, letter.link, at: service, feed: feed)
    expectEqual(again.card.cardId, card.cardId, "retry")
    expect(!again.moved, "a retry moves nothing")
    expectEqual(try wallet.cards(now: realNow()).count, 1, "one card after the retry")

    // A new phone is asked first; with the holder's yes the card moves and the old code is revoked.
    let otherFeed = try service.openFeed(dir, "second")
    let other = try Wallet.open(path: dir.path("second-wallet.sqlite"), keyStore: DictKeyStore())
    expectThrows("second phone without confirmation", WalletError.self, matching: { $0 == .UsedOnOtherPhone }) {
        try activate(other, letter.link, at: service, feed: otherFeed)
    }
    expectEqual(try other.cards(now: realNow()).count, 0, "nothing stored before the holder said yes")
    let moved = try activate(other, letter.link, at: service, feed: otherFeed, confirmMove: true)
    expect(moved.moved, "the card moved")
    expectEqual(moved.card.holderName, letter.holderName, "moved holder")
    expect(otherFeed.verify(qrText: try other.present(cardId: moved.card.cardId, now: realNow()), now: realNow())
        .validCard != nil, "the new phone's code verifies")
    expect(moved.listsUpdated, "the move's revocation list came with the answer")
    expectEqual(otherFeed.verify(qrText: try wallet.present(cardId: card.cardId, now: realNow()), now: realNow()),
                .invalid(reason: .revoked), "the old phone's code")
    // The old phone's wallet list, checked against lists that carry the move, says so too.
    let revoked = CardStatus.refused(reason: .revoked)
    expectEqual(try wallet.cards(now: realNow(), verifier: otherFeed.verifier()).map(\.status), [revoked],
                "the old phone's list with the new lists")
    expect(!cardStatusUsable(status: revoked), "a refused card cannot be shown")
    expectEqual(cardStatusText(status: revoked, lang: .de), "Die Karte wurde gesperrt.", "status line")
    expectEqual(try wallet.cards(now: realNow()).map(\.status), [.valid], "without a verifier the dates alone decide")
    expectEqual(try other.cards(now: realNow(), verifier: otherFeed.verifier()).map(\.status), [.valid],
                "the new phone's card")
    expect(cardStatusUsable(status: .valid), "a valid card can be shown")
}

func testActivationByTypedCode() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[1]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "typed")
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    let activation = try activate(wallet, letter.typed, at: service, feed: feed)
    expectEqual(activation.card.holderName, letter.holderName, "holder")
    expect(feed.verify(qrText: try wallet.present(cardId: activation.card.cardId, now: realNow()), now: realNow())
        .validCard != nil, "the typed code's card verifies")
    let scheme = try activate(wallet, "ehrenamtskarte://activate#\(letter.compact)", at: service, feed: feed)
    expectEqual(scheme.card.cardId, activation.card.cardId, "the app scheme's link is the same activation")
}

func testActivationMistakesAreTypedErrors() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[2]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "mistakes")
    let wallet = try Wallet.inMemory(keyStore: letter8Phone)
    func attempt(_ text: String, now: Int64 = realNow()) throws -> Activation {
        try activate(wallet, text, at: service, feed: feed, now: now)
    }
    expectThrows("typo", WalletError.self, matching: { if case .CodeUnreadable = $0 { return true }; return false }) {
        try attempt(letter.typo)
    }
    expectThrows("too short", WalletError.self, matching: { if case .CodeUnreadable = $0 { return true }; return false }) {
        try attempt(String(letter.compact.dropLast(2)))
    }
    expectThrows("foreign link", WalletError.self, matching: { $0 == .ForeignLink(origin: "https://karte.example.org") }) {
        try attempt("https://karte.example.org/activate#\(letter.compact)")
    }
    expectThrows("wrong clock", WalletError.self, matching: {
        if case let .ClockWrong(serverTime, phoneTime) = $0 { return phoneTime < serverTime - 3000 }
        return false
    }) {
        try attempt(letter.link, now: realNow() - 3600)
    }
    expectEqual(try wallet.cards(now: realNow()).count, 0, "nothing stored")
    // None of that cost the letter an attempt.
    expectEqual(try attempt(letter.link).card.holderName, letter.holderName, "the letter still activates")
}

func testCancelledActivationStoresNothing() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[2]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "cancelled")
    let wallet = try Wallet.inMemory(keyStore: letter8Phone)
    // Cancelled before the call, as Swift's withTaskCancellationHandler may do: the core stops
    // before the request is sent.
    let cancellation = Cancellation()
    cancellation.cancel()
    expect(cancellation.isCancelled(), "cancelled")
    expectThrows("cancelled activation", WalletError.self, matching: { $0 == .Cancelled }) {
        try activate(wallet, letter.link, at: service, feed: feed, cancellation: cancellation)
    }
    expectEqual(try wallet.cards(now: realNow()).count, 0, "nothing stored")
    expectEqual(activationProblem(error: .Cancelled), .cancelled, "the holder's problem")
    // Activating again (a fresh Cancellation, or none) works.
    let again = try activate(wallet, letter.link, at: service, feed: feed, cancellation: Cancellation())
    expectEqual(again.card.holderName, letter.holderName, "holder")
    expect(!again.moved, "letter 8 stays on its phone: nothing moved")
    expectEqual(try wallet.cards(now: realNow()).map(\.cardId), [again.card.cardId], "one card")
}
