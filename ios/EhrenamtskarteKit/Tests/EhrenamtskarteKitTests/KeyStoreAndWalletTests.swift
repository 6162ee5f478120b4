import EhkCore
import EhrenamtskarteKit
import XCTest

final class KeyStoreAndWalletTests: XCTestCase {
    func testDeviceKeyIsCreatedOnceInTheSecureItemStore() async throws {
        let items = InMemorySecureItemStore()
        let wallet = try CardWallet(databasePath: nil, items: items, clock: FakeClock(NOW))
        XCTAssertEqual(items.count, 0, "no key before first use")
        let key = try await wallet.devicePublicKey()
        XCTAssertEqual(key.count, 32)
        XCTAssertEqual(items.count, 1, "the core saved the device key through SecureKeyStore")
        let sameKey = try await wallet.devicePublicKey()
        XCTAssertEqual(sameKey, key)

        // A second wallet (e.g. after an app restart) loads the same key.
        let again = try CardWallet(databasePath: nil, items: items, clock: FakeClock(NOW))
        let loadedKey = try await again.devicePublicKey()
        XCTAssertEqual(loadedKey, key)
        XCTAssertEqual(items.count, 1)
    }

    func testSecureKeyStoreMapsFailuresToKeyStoreError() throws {
        let items = InMemorySecureItemStore()
        let store = SecureKeyStore(items: items)
        try store.save(alias: "device", secret: Data([1, 2, 3]))
        XCTAssertEqual(try store.load(alias: "device"), Data([1, 2, 3]))
        XCTAssertNil(try store.load(alias: "other"))
        items.failAll(with: SecureItemStoreError(operation: "read", status: -25308))
        XCTAssertThrowsError(try store.load(alias: "device")) { error in
            XCTAssertEqual(error as? KeyStoreError,
                           .Unavailable(detail: "secure item read failed with status -25308"))
        }
    }

    func testLockedKeychainIsAWalletKeyStoreError() async throws {
        let items = InMemorySecureItemStore()
        items.failAll(with: SecureItemStoreError(operation: "read", status: -25308))
        let wallet = try CardWallet(databasePath: nil, items: items, clock: FakeClock(NOW))
        do {
            _ = try await wallet.devicePublicKey()
            XCTFail("expected WalletError.KeyStore")
        } catch let error as WalletError {
            guard case let .KeyStore(detail) = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(detail.contains("-25308"), detail)
        }
    }

    func testWalletRoundTripThroughADatabaseFile() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ehk-kit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("wallet.sqlite").path
        let world = try World()
        let clock = FakeClock(NOW)
        let items = InMemorySecureItemStore()

        let verifier = try world.cardVerifier(clock: clock)
        let wallet = try CardWallet(databasePath: path, items: items, clock: clock)
        let bound = try world.issue("Erika Mustermann", deviceKey: try await wallet.devicePublicKey())
        let paper = try world.issue("Max Mustermann")
        let added = try await wallet.add(qrText: bound.qrText, verifier: verifier)
        XCTAssertTrue(added.deviceBound)
        XCTAssertEqual(added.status, .valid)
        try await wallet.add(qrText: paper.qrText, verifier: verifier)
        let clockStatus = try await wallet.clockCheck()
        XCTAssertEqual(clockStatus, .plausible)

        // The app restarts: same database file, same Keychain.
        let reopened = try CardWallet(databasePath: path, items: items, clock: clock)
        let cards = try await reopened.cards()
        XCTAssertEqual(Set(cards.map(\.cardId)), [bound.cardId, paper.cardId])
        XCTAssertEqual(cards.first { $0.cardId == bound.cardId }?.holderName, "Erika Mustermann")

        let shown = try await reopened.present(cardId: bound.cardId)
        let display = verifier.check(shown.qrText, lang: .de)
        XCTAssertTrue(display.isValid, display.detail)
        XCTAssertEqual(display.holderName, "Erika Mustermann")

        // Another phone (another key) cannot take the device-bound card.
        let otherPhone = try CardWallet(databasePath: nil, items: InMemorySecureItemStore(), clock: clock)
        do {
            try await otherPhone.add(qrText: bound.qrText, verifier: verifier)
            XCTFail("expected WalletError.WrongDevice")
        } catch let error as WalletError {
            XCTAssertEqual(error, .WrongDevice)
        }

        let removed = try await reopened.remove(cardId: paper.cardId)
        XCTAssertTrue(removed)
        let left = try await reopened.cards()
        XCTAssertEqual(left.map(\.cardId), [bound.cardId])
    }

    func testWalletStoresOnlyCardsTheCoreAccepts() async throws {
        let world = try World()
        let clock = FakeClock(NOW)
        let wallet = try CardWallet(databasePath: nil, items: InMemorySecureItemStore(), clock: clock)
        // Signed by a key the trust list does not know.
        let forged = try IssuerKey.generate().issueCard(request: request("Erika Mustermann"), now: NOW)
        do {
            try await wallet.add(qrText: forged.qrText, verifier: try world.cardVerifier(clock: clock))
            XCTFail("expected WalletError.CardRefused")
        } catch let error as WalletError {
            XCTAssertEqual(error, .CardRefused(reason: .unknownIssuer))
        }
        // A phone without lists yet.
        let card = try world.issue("Erika Mustermann")
        let unsynced = try CardVerifier(rootPublicKey: world.rootPublicKey, clock: clock)
        do {
            try await wallet.add(qrText: card.qrText, verifier: unsynced)
            XCTFail("expected WalletError.CardRefused")
        } catch let error as WalletError {
            XCTAssertEqual(error, .CardRefused(reason: .noTrustList))
        }
        let none = try await wallet.cards()
        XCTAssertTrue(none.isEmpty)
        try await wallet.add(qrText: card.qrText, verifier: try world.cardVerifier(clock: clock))
        let unchecked = try await wallet.checkStoredCards(verifier: try world.cardVerifier(clock: clock))
        XCTAssertEqual(unchecked, 0)
    }

    func testWalletListShowsACardTheListsRefuse() async throws {
        let world = try World()
        let clock = FakeClock(NOW)
        let verifier = try world.cardVerifier(clock: clock)
        let wallet = try CardWallet(databasePath: nil, items: InMemorySecureItemStore(), clock: clock)
        let kept = try world.issue("Max Mustermann")
        let revoked = try world.issue("Erika Mustermann", deviceKey: try await wallet.devicePublicKey())
        try await wallet.add(qrText: kept.qrText, verifier: verifier)
        try await wallet.add(qrText: revoked.qrText, verifier: verifier)
        let before = try await wallet.cards(verifier: verifier)
        XCTAssertEqual(before.map(\.status), [.valid, .valid], "nothing revoked yet")

        // The next lists revoke Erika's card (e.g. it moved to another phone).
        try verifier.loadRevocationList(world.issuer.signRevocationList(
            version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, cardIds: [revoked.cardId]))
        let cards = try await wallet.cards(verifier: verifier)
        XCTAssertEqual(Set(cards.map(\.cardId)), [kept.cardId, revoked.cardId], "a refused card stays listed")
        let refused = try XCTUnwrap(cards.first { $0.cardId == revoked.cardId })
        XCTAssertEqual(refused.status, .refused(reason: .revoked))
        XCTAssertFalse(refused.status.isUsable, "a refused card is not shown as valid")
        XCTAssertEqual(refused.status.text(lang: .de), "Die Karte wurde gesperrt.")
        XCTAssertEqual(cards.first { $0.cardId == kept.cardId }?.status, .valid)

        // Without the phone's lists only the dates decide.
        let unchecked = try await wallet.cards()
        XCTAssertEqual(unchecked.map(\.status), [.valid, .valid])
    }
}
