// The card story through the Swift bindings (the same story as tests/bindings/python/test_story.py):
// a wallet whose device key lives in a key store written in Swift, a device-bound card, a live
// presentation, a verifier that accepts it, and stale, copied, tampered, revoked and malformed
// inputs that come back as the right reasons or typed thrown errors.

import EhkCore
import Foundation

func testDeviceBoundCardStory() throws {
    let world = try World()
    let store = DictKeyStore()
    let wallet = try Wallet.inMemory(keyStore: store)
    let deviceKey = try wallet.devicePublicKey()
    expectEqual(deviceKey.count, 32, "device public key length")
    expectEqual(store.saves, 1, "the device key was created in the Swift key store")
    expectEqual(try wallet.devicePublicKey(), deviceKey, "device key is stable")
    // A second wallet over the same Swift key store loads the key instead of creating one.
    expectEqual(try Wallet.inMemory(keyStore: store).devicePublicKey(), deviceKey, "key loaded from the store")
    expectEqual(store.saves, 1, "no second key was created")

    let card = try world.issuer.issueCard(request: request("Erika Mustermann", deviceKey: deviceKey), now: NOW)
    let added = try wallet.addCard(qrText: card.qrText, verifier: world.verifier, now: NOW)
    expect(added.deviceBound, "the added card is device-bound")
    expectEqual(added.status, .valid, "wallet status")
    expectEqual(added.cardId, card.cardId, "card id")
    expectEqual(try wallet.cards(now: NOW).map(\.cardId), [card.cardId], "wallet list")

    let text = try wallet.present(cardId: card.cardId, now: NOW)
    expect(text.hasPrefix("EP1:"), "presentation prefix: \(text.prefix(4))")

    let result = world.verifier.verify(qrText: text, now: NOW + 10)
    guard let valid = result.validCard else {
        expect(false, "presentation should be valid, got \(result)")
        return
    }
    expectEqual(valid.holderName, "Erika Mustermann", "holder name")
    expectEqual(valid.kind, .deviceBound, "kind")
    expectEqual(valid.validUntil, "2028-12-31", "valid until")
    expectEqual(valid.presentationAgeSecs, 10, "presentation age")
    expectEqual(valid.cardId, card.cardId, "verified card id")

    // The same code two minutes later is a stale screenshot.
    expectEqual(world.verifier.verify(qrText: text, now: NOW + 120), .invalid(reason: .stalePresentation),
                "two minutes later")
    // The credential alone, copied off the phone, is not enough.
    expectEqual(world.verifier.verify(qrText: card.qrText, now: NOW).invalidReason,
                .devicePresentationRequired, "copied credential")
    // Another phone cannot take the card.
    let otherPhone = try Wallet.inMemory(keyStore: DictKeyStore())
    expectThrows("card bound to another device", WalletError.self, matching: { $0 == .WrongDevice }) {
        try otherPhone.addCard(qrText: card.qrText, verifier: world.verifier, now: NOW)
    }
}

func testPresentationRenewsEveryThirtySeconds() throws {
    let world = try World()
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    let card = try world.issuer.issueCard(
        request: request("Erika Mustermann", deviceKey: try wallet.devicePublicKey()), now: NOW)
    _ = try wallet.addCard(qrText: card.qrText, verifier: world.verifier, now: NOW)
    // NOW is on a 30-second boundary.
    expectEqual(secondsUntilNextPresentation(now: NOW), 30, "at a step boundary")
    expectEqual(secondsUntilNextPresentation(now: NOW + 1), 29, "one second in")
    expectEqual(secondsUntilNextPresentation(now: NOW + 29), 1, "last second of a step")
    let first = try wallet.present(cardId: card.cardId, now: NOW)
    expectEqual(try wallet.present(cardId: card.cardId, now: NOW + 29), first, "same step, same code")
    let next = try wallet.present(cardId: card.cardId, now: NOW + 30)
    expect(next != first, "a new step gives a new code")
    expect(world.verifier.verify(qrText: next, now: NOW + 31).validCard != nil, "the renewed code is valid")
}

func testTamperedCodeIsRefusedWithTheReason() throws {
    let world = try World()
    let card = try world.issuer.issueCard(request: request("Erika Mustermann"), now: NOW)
    guard let valid = world.verifier.verify(qrText: card.qrText, now: NOW).validCard else {
        expect(false, "the untouched static card should be valid")
        return
    }
    expectEqual(valid.kind, .static, "static card kind")
    expect(valid.flags.contains(.staticCard), "static card flag: \(valid.flags)")

    var chars = Array(card.qrText)
    let position = chars.count / 2
    chars[position] = chars[position] != "A" ? "A" : "B"
    let reason = world.verifier.verify(qrText: String(chars), now: NOW).invalidReason
    expect(reason == .badIssuerSignature || reason == .damagedEncoding,
           "tampered code reason: \(String(describing: reason))")
    expectEqual(world.verifier.verify(qrText: "hello", now: NOW).invalidReason, .notACard, "not a card")
    expectEqual(reasonText(reason: .revoked, lang: .de), "Die Karte wurde gesperrt.", "German text")
    expectEqual(reasonText(reason: .revoked, lang: .en), "The card has been revoked.", "English text")
}

func testRepeatScanIsFlagged() throws {
    let world = try World()
    let card = try world.issuer.issueCard(request: request("Erika Mustermann"), now: NOW)
    let first = world.verifier.verify(qrText: card.qrText, now: NOW).validCard
    let second = world.verifier.verify(qrText: card.qrText, now: NOW + 5).validCard
    expect(first.map { !$0.flags.contains(.repeatScan) } ?? false, "first scan is not a repeat")
    expect(second?.flags.contains(.repeatScan) ?? false, "second scan is flagged")
    expectEqual(second?.firstSeenAt, NOW, "first seen at")
}

func testWalletStoresOnlyCardsTheVerifierAccepts() throws {
    let world = try World()
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    let card = try world.issuer.issueCard(request: request("Erika Mustermann"), now: NOW)
    // Signed by a key the trust list does not know; checked by a phone that never synced.
    let forged = try IssuerKey.generate().issueCard(request: request("Erika Mustermann"), now: NOW)
    expectThrows("unknown issuer", WalletError.self, matching: { $0 == .CardRefused(reason: .unknownIssuer) }) {
        try wallet.addCard(qrText: forged.qrText, verifier: world.verifier, now: NOW)
    }
    let unsynced = try Verifier(rootPublicKey: try IssuerKey.generate().publicKey())
    expectThrows("no trust list", WalletError.self, matching: { $0 == .CardRefused(reason: .noTrustList) }) {
        try wallet.addCard(qrText: card.qrText, verifier: unsynced, now: NOW)
    }
    expectEqual(try wallet.cards(now: NOW).count, 0, "nothing stored")
    _ = try wallet.addCard(qrText: card.qrText, verifier: world.verifier, now: NOW)
    expectEqual(try wallet.checkStoredCards(verifier: world.verifier, now: NOW), 0, "nothing unchecked")
    let revocations = try world.issuer.signRevocationList(
        version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, cardIds: [card.cardId])
    _ = try world.verifier.loadRevocationList(signedList: revocations)
    expectThrows("revoked copy", WalletError.self, matching: { $0 == .CardRefused(reason: .revoked) }) {
        try wallet.addCard(qrText: card.qrText, verifier: world.verifier, now: NOW)
    }
    expectEqual(try wallet.cards(now: NOW).map(\.cardId), [card.cardId], "the stored card stays")
}

func testRevocationAndVersionRollback() throws {
    let world = try World()
    let card = try world.issuer.issueCard(request: request("Max Mustermann"), now: NOW)
    let revocations = try world.issuer.signRevocationList(
        version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, cardIds: [card.cardId])
    expectEqual(try world.verifier.loadRevocationList(signedList: revocations), .updated, "revocation list")
    expectEqual(world.verifier.verify(qrText: card.qrText, now: NOW).invalidReason, .revoked, "revoked card")
    expectEqual(try world.verifier.loadTrustList(signedList: world.trust), .unchanged, "same trust list again")
    expectEqual(world.verifier.trustListVersion(), 1, "trust list version")
    let older = try world.issuer.signRevocationList(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, cardIds: [])
    expectThrows("older revocation list", TrustError.self,
                 matching: { $0 == .VersionNotNewer(offered: 1, current: 1) }) {
        try world.verifier.loadRevocationList(signedList: older)
    }
}

func testBadArgumentsAreTypedErrors() throws {
    expectThrows("short root key", TrustError.self, matching: { if case .InvalidArgument = $0 { return true }; return false }) {
        try Verifier(rootPublicKey: Data("short".utf8))
    }
    let freshVerifier = try Verifier(rootPublicKey: try IssuerKey.generate().publicKey())
    expectThrows("garbage trust list", TrustError.self, matching: { $0 == .Malformed }) {
        try freshVerifier.loadTrustList(signedList: Data([0x00]) + Data("garbage".utf8))
    }
    let world = try World()
    expectThrows("empty name", IssueError.self, matching: { if case .InvalidRequest = $0 { return true }; return false }) {
        try world.issuer.issueCard(request: request(""), now: NOW)
    }
    expectThrows("bad device key", IssueError.self, matching: { if case .InvalidRequest = $0 { return true }; return false }) {
        try world.issuer.issueCard(request: request("Erika Mustermann", deviceKey: Data([1, 2])), now: NOW)
    }
    let wallet = try Wallet.inMemory(keyStore: DictKeyStore())
    expectThrows("garbage card", WalletError.self, matching: { $0 == .InvalidCard }) {
        try wallet.addCard(qrText: "EK1:NOT A CARD", verifier: world.verifier, now: NOW)
    }
    expectThrows("unknown card id", WalletError.self, matching: { $0 == .CardNotFound }) {
        try wallet.present(cardId: "0011223344556677", now: NOW)
    }
    expectThrows("card id not hex", WalletError.self, matching: { if case .InvalidArgument = $0 { return true }; return false }) {
        try wallet.present(cardId: "not hex", now: NOW)
    }
    let locked = try Wallet.inMemory(keyStore: LockedKeyStore())
    expectThrows("key store throws KeyStoreError", WalletError.self, matching: {
        if case let .KeyStore(detail) = $0 { return detail.contains("locked") }
        return false
    }) {
        try locked.devicePublicKey()
    }
    let faulty = try Wallet.inMemory(keyStore: FaultyKeyStore())
    expectThrows("key store throws another Swift error", WalletError.self, matching: {
        if case .KeyStore = $0 { return true }
        return false
    }) {
        try faulty.devicePublicKey()
    }
}

func testCsvBatchWithProgress() throws {
    let world = try World()
    let csv = Data("""
        name,cardType,regionId
        Erika Mustermann,standard,9162
        ,standard,9162
        Max Mustermann,gold,

        """.utf8)
    let progress = ProgressLog()
    let defaults = BatchDefaults(projectId: 1, regionId: 9162, validFrom: nil, validUntil: nil)
    let report = try world.issuer.issueCsv(csv: csv, defaults: defaults, now: NOW, progress: progress)
    expectEqual(report.issued.map(\.line), [2, 4], "issued lines")
    expectEqual(report.errors.map(\.line), [3], "bad lines")
    expectEqual(report.errors.map(\.reason), ["column 'name': empty"], "bad line reasons")
    expect(progress.calls.last.map { $0 == (3, 3) } ?? false, "last progress call: \(progress.calls)")
    for card in report.issued {
        expect(world.verifier.verify(qrText: card.qrText, now: NOW).validCard != nil, "batch card line \(card.line) verifies")
    }
    expectThrows("CSV without a name column", IssueError.self, matching: { if case .InvalidRequest = $0 { return true }; return false }) {
        try world.issuer.issueCsv(csv: Data("vorname\nA\n".utf8), defaults: defaults, now: NOW, progress: nil)
    }
}

func testLoggerReceivesCoreRecordsWithoutPersonalData() throws {
    let logger = ListLogger()
    setLogger(logger: logger, maxLevel: .debug)
    let world = try World()
    let card = try world.issuer.issueCard(request: request("Erika Mustermann"), now: NOW)
    _ = world.verifier.verify(qrText: String(card.qrText.dropLast(5)), now: NOW)
    let messages = logger.messages
    expect(messages.contains { $0.contains("trust list version 1 loaded") }, "trust list record: \(messages)")
    expect(messages.contains { $0.contains("code refused") }, "refusal record: \(messages)")
    expect(!messages.contains { $0.contains("Erika") }, "no holder name in the log: \(messages)")
}
