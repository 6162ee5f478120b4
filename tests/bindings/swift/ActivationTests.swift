// Activation through the Swift bindings against a running issuer service, as
// tests/bindings/python/test_activation.py tells it: the letter's link or typed code goes to
// Wallet.activate, which proves the device key, checks the card against the phone's FeedStore and
// stores it; a retry returns the same card; a second phone is asked before the card moves; typing
// errors, foreign links and a wrong clock are typed errors. The service is the one
// scripts/test-bindings.sh starts (EHK_TEST_SERVICE_FIXTURE); Swift uses its letters 6-8.

import EhkCore
import Foundation

private let firstLetter = 6 // Swift's letters: 6, 7, 8

func testActivationByLinkRetryAndMove() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[0]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "first")
    let wallet = try Wallet.open(path: dir.path("first-wallet.sqlite"), keyStore: DictKeyStore())
    let activation = try wallet.activate(linkOrCode: letter.link, serviceUrl: service.url, feed: feed,
                                         confirmMove: false, now: realNow())
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
    let again = try wallet.activate(linkOrCode: letter.link, serviceUrl: service.url, feed: feed,
                                    confirmMove: false, now: realNow())
    expectEqual(again.card.cardId, card.cardId, "retry")
    expect(!again.moved, "a retry moves nothing")
    expectEqual(try wallet.cards(now: realNow()).count, 1, "one card after the retry")

    // A new phone is asked first; with the holder's yes the card moves and the old code is revoked.
    let otherFeed = try service.openFeed(dir, "second")
    let other = try Wallet.open(path: dir.path("second-wallet.sqlite"), keyStore: DictKeyStore())
    expectThrows("second phone without confirmation", WalletError.self, matching: { $0 == .UsedOnOtherPhone }) {
        try other.activate(linkOrCode: letter.link, serviceUrl: service.url, feed: otherFeed,
                           confirmMove: false, now: realNow())
    }
    expectEqual(try other.cards(now: realNow()).count, 0, "nothing stored before the holder said yes")
    let moved = try other.activate(linkOrCode: letter.link, serviceUrl: service.url, feed: otherFeed,
                                   confirmMove: true, now: realNow())
    expect(moved.moved, "the card moved")
    expectEqual(moved.card.holderName, letter.holderName, "moved holder")
    expect(otherFeed.verify(qrText: try other.present(cardId: moved.card.cardId, now: realNow()), now: realNow())
        .validCard != nil, "the new phone's code verifies")
    expect(moved.listsUpdated, "the move's revocation list came with the answer")
    expectEqual(otherFeed.verify(qrText: try wallet.present(cardId: card.cardId, now: realNow()), now: realNow()),
                .invalid(reason: .revoked), "the old phone's code")
}

func testActivationByTypedCode() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[1]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "typed")
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    let activation = try wallet.activate(linkOrCode: letter.typed, serviceUrl: service.url, feed: feed,
                                         confirmMove: false, now: realNow())
    expectEqual(activation.card.holderName, letter.holderName, "holder")
    expect(feed.verify(qrText: try wallet.present(cardId: activation.card.cardId, now: realNow()), now: realNow())
        .validCard != nil, "the typed code's card verifies")
    let scheme = try wallet.activate(linkOrCode: "ehrenamtskarte://activate#\(letter.compact)", serviceUrl: service.url,
                                     feed: feed, confirmMove: false, now: realNow())
    expectEqual(scheme.card.cardId, activation.card.cardId, "the app scheme's link is the same activation")
}

func testActivationMistakesAreTypedErrors() throws {
    let service = try ServiceFixture.load()
    let letter = try service.letters(from: firstLetter, count: 3)[2]
    let dir = try TempDir()
    let feed = try service.openFeed(dir, "mistakes")
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    func activate(_ text: String, now: Int64 = realNow()) throws -> Activation {
        try wallet.activate(linkOrCode: text, serviceUrl: service.url, feed: feed, confirmMove: false, now: now)
    }
    expectThrows("typo", WalletError.self, matching: { if case .CodeUnreadable = $0 { return true }; return false }) {
        try activate(letter.typo)
    }
    expectThrows("too short", WalletError.self, matching: { if case .CodeUnreadable = $0 { return true }; return false }) {
        try activate(String(letter.compact.dropLast(2)))
    }
    expectThrows("foreign link", WalletError.self, matching: { $0 == .ForeignLink(origin: "https://karte.example.org") }) {
        try activate("https://karte.example.org/activate#\(letter.compact)")
    }
    expectThrows("wrong clock", WalletError.self, matching: {
        if case let .ClockWrong(serverTime, phoneTime) = $0 { return phoneTime < serverTime - 3000 }
        return false
    }) {
        try activate(letter.link, now: realNow() - 3600)
    }
    expectEqual(try wallet.cards(now: realNow()).count, 0, "nothing stored")
    // None of that cost the letter an attempt.
    expectEqual(try activate(letter.link).card.holderName, letter.holderName, "the letter still activates")
}
