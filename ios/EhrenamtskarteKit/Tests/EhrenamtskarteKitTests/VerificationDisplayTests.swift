import EhkCore
import EhrenamtskarteKit
import XCTest

final class VerificationDisplayTests: XCTestCase {
    func testValidStaticCardShowsNameValidityAndTheCoreNotes() throws {
        let world = try World()
        let clock = FakeClock(NOW)
        let verifier = try world.cardVerifier(clock: clock)
        let card = try world.issue("Erika Mustermann", cardType: .gold)

        let german = verifier.check(card.qrText, lang: .de)
        XCTAssertTrue(german.isValid)
        XCTAssertEqual(german.verdict, .valid)
        XCTAssertEqual(german.headline, "Gültig")
        XCTAssertEqual(german.holderName, "Erika Mustermann")
        // The core decides that a gold card does not expire (it drops the requested end date).
        XCTAssertEqual(german.detail, "Goldene Ehrenamtskarte, unbefristet")
        XCTAssertNil(german.reason)
        XCTAssertTrue(german.notes.contains(flagText(flag: .staticCard, lang: .de)), "\(german.notes)")

        let english = VerificationDisplay(verifier.verify(card.qrText), lang: .en)
        XCTAssertEqual(english.headline, "Valid")
        XCTAssertEqual(english.detail, "Gold volunteer card, no expiry")

        let standard = try world.issue("Max Mustermann")
        XCTAssertEqual(verifier.check(standard.qrText, lang: .de).detail, "Ehrenamtskarte, gültig bis 2028-12-31")
        XCTAssertEqual(verifier.check(standard.qrText, lang: .en).detail, "Volunteer card, valid until 2028-12-31")
        XCTAssertTrue(english.notes.contains(flagText(flag: .repeatScan, lang: .en)), "second scan: \(english.notes)")
    }

    func testInvalidCodeShowsTheCoreReasonAndNoName() throws {
        let world = try World()
        let clock = FakeClock(NOW)
        let verifier = try world.cardVerifier(clock: clock)
        let card = try world.issue()
        try verifier.loadRevocationList(world.issuer.signRevocationList(
            version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, cardIds: [card.cardId]))

        let revoked = verifier.check(card.qrText, lang: .de)
        XCTAssertFalse(revoked.isValid)
        XCTAssertEqual(revoked.headline, "Ungültig")
        XCTAssertNil(revoked.holderName, "an invalid code shows no name")
        XCTAssertEqual(revoked.reason, .revoked)
        XCTAssertEqual(revoked.detail, "Die Karte wurde gesperrt.")
        XCTAssertEqual(revoked.notes, [])

        let garbage = verifier.check("hello", lang: .en)
        XCTAssertEqual(garbage.headline, "Not valid")
        XCTAssertEqual(garbage.reason, .notACard)
        XCTAssertEqual(garbage.detail, reasonText(reason: .notACard, lang: .en))
    }

    func testDeviceBoundCredentialAloneIsRefused() throws {
        let world = try World()
        let verifier = try world.cardVerifier(clock: FakeClock(NOW))
        let card = try world.issue(deviceKey: try IssuerKey.generate().publicKey())
        XCTAssertEqual(verifier.check(card.qrText, lang: .en).reason, .devicePresentationRequired)
    }

    func testPreferredLanguage() {
        XCTAssertEqual(Lang.preferred(["de-DE", "en-US"]), .de)
        XCTAssertEqual(Lang.preferred(["de"]), .de)
        XCTAssertEqual(Lang.preferred(["en-GB", "de-DE"]), .en)
        XCTAssertEqual(Lang.preferred(["fr-FR"]), .en)
        XCTAssertEqual(Lang.preferred([]), .de)
    }

    func testVerifierRefusesAnOlderTrustList() throws {
        let world = try World()
        let verifier = try world.cardVerifier(clock: FakeClock(NOW))
        XCTAssertEqual(verifier.trustListVersion, 1)
        XCTAssertEqual(try verifier.loadTrustList(world.trust), .unchanged)
        // The root key as the CLI writes it (root.key.pub: hex and a newline).
        let hex = world.rootPublicKey.map { String(format: "%02x", $0) }.joined() + "\n"
        let fromFile = try CardVerifier(rootPublicKeyHex: hex, clock: FakeClock(NOW))
        XCTAssertEqual(try fromFile.loadTrustList(world.trust), .updated)
        XCTAssertThrowsError(try CardVerifier(rootPublicKeyHex: "not hex")) { error in
            guard case .InvalidArgument = error as? TrustError else {
                return XCTFail("expected TrustError.InvalidArgument, got \(error)")
            }
        }
        XCTAssertThrowsError(try CardVerifier(rootPublicKey: Data([1, 2, 3]))) { error in
            guard case .InvalidArgument = error as? TrustError else {
                return XCTFail("expected TrustError.InvalidArgument, got \(error)")
            }
        }
    }
}

final class CardStatusTextTests: XCTestCase {
    /// The texts and the usable flag are the core's (`cardStatusText`, `cardStatusUsable`).
    func testStatusTexts() {
        XCTAssertEqual(CardStatus.valid.text(lang: .de), "Gültig")
        XCTAssertEqual(CardStatus.valid.text(lang: .en), "Valid")
        XCTAssertEqual(CardStatus.notYetValid.text(lang: .de), "Noch nicht gültig")
        XCTAssertEqual(CardStatus.expiresSoon(daysLeft: 12).text(lang: .de), "Läuft in 12 Tagen ab")
        XCTAssertEqual(CardStatus.expiresSoon(daysLeft: 12).text(lang: .en), "Expires in 12 days")
        XCTAssertEqual(CardStatus.expiresSoon(daysLeft: 1).text(lang: .de), "Läuft morgen ab")
        XCTAssertEqual(CardStatus.expiresSoon(daysLeft: 1).text(lang: .en), "Expires tomorrow")
        XCTAssertEqual(CardStatus.expired.text(lang: .de), "Abgelaufen")
        XCTAssertEqual(CardStatus.expired.text(lang: .en), "Expired")
        XCTAssertTrue(CardStatus.valid.isUsable)
        XCTAssertTrue(CardStatus.expiresSoon(daysLeft: 3).isUsable)
        XCTAssertFalse(CardStatus.notYetValid.isUsable)
        XCTAssertFalse(CardStatus.expired.isUsable)

        // A card the phone's lists refuse: the core's reason text, and it cannot be shown.
        let revoked = CardStatus.refused(reason: .revoked)
        XCTAssertEqual(revoked.text(lang: .de), "Die Karte wurde gesperrt.")
        XCTAssertEqual(revoked.text(lang: .en), reasonText(reason: .revoked, lang: .en))
        XCTAssertFalse(revoked.isUsable)
        XCTAssertEqual(revoked.text(lang: .de), cardStatusText(status: revoked, lang: .de))
        XCTAssertEqual(revoked.isUsable, cardStatusUsable(status: revoked))
    }
}
