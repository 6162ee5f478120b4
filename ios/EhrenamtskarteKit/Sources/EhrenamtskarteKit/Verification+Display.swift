import EhkCore
import Foundation

extension Lang {
    /// German if the user's first preferred language is German, English otherwise.
    public static func preferred(_ languages: [String] = Locale.preferredLanguages) -> Lang {
        guard let first = languages.first?.lowercased() else { return .de }
        return first == "de" || first.hasPrefix("de-") || first.hasPrefix("de_") ? .de : .en
    }
}

/// What the verify screen shows for one scan: large green or red, the holder's name to compare
/// with a photo ID, and the core's reason and notes in German or English. The decision is the
/// core's `Verification`; this only turns it into text.
public struct VerificationDisplay: Equatable, Sendable {
    public enum Verdict: Equatable, Sendable {
        case valid
        case invalid
    }

    public let verdict: Verdict
    /// "Gültig" / "Valid" or "Ungültig" / "Not valid".
    public let headline: String
    /// The holder's name (valid codes only): compare it with a photo ID.
    public let holderName: String?
    /// For an invalid code: the core's reason text. For a valid one: the card type and validity.
    public let detail: String
    /// The core's notes on a valid code (paper card, repeat scan, old lists), in order.
    public let notes: [String]
    /// The reason for an invalid code, for accessibility and analytics (no personal data).
    public let reason: InvalidReason?

    public var isValid: Bool { verdict == .valid }

    public init(_ verification: Verification, lang: Lang) {
        switch verification {
        case let .valid(card):
            verdict = .valid
            headline = lang == .de ? "Gültig" : "Valid"
            holderName = card.holderName
            detail = Self.cardLine(card, lang: lang)
            notes = card.flags.map { flagText(flag: $0, lang: lang) }
            reason = nil
        case let .invalid(reason):
            verdict = .invalid
            headline = lang == .de ? "Ungültig" : "Not valid"
            holderName = nil
            detail = reasonText(reason: reason, lang: lang)
            notes = []
            self.reason = reason
        }
    }

    private static func cardLine(_ card: ValidCard, lang: Lang) -> String {
        let type: String
        switch (card.cardType, lang) {
        case (.gold, .de): type = "Goldene Ehrenamtskarte"
        case (.gold, .en): type = "Gold volunteer card"
        case (.standard, .de): type = "Ehrenamtskarte"
        case (.standard, .en): type = "Volunteer card"
        }
        guard let until = card.validUntil else {
            return lang == .de ? "\(type), unbefristet" : "\(type), no expiry"
        }
        return lang == .de ? "\(type), gültig bis \(until)" : "\(type), valid until \(until)"
    }
}

/// The shop's verifier: the core's verdict with `now` from an injectable clock, and its result
/// as a `VerificationDisplay`. Either over lists the app loads itself (the core's `Verifier`,
/// e.g. a trust list shipped in the app bundle) or over the phone's `FeedStore`, which checks
/// against the trust and revocation lists of its last sync (current after every sync, with
/// nothing to reload).
public final class CardVerifier: Sendable {
    private enum Lists {
        case loaded(Verifier)
        case feed(FeedStore)
    }

    private let lists: Lists
    private let clock: any WalletClock

    /// `rootPublicKey`: the Land's 32-byte root key, shipped with the app; then load the lists.
    public init(rootPublicKey: Data, clock: any WalletClock = SystemClock()) throws {
        lists = .loaded(try Verifier(rootPublicKey: rootPublicKey))
        self.clock = clock
    }

    /// Checks against the lists of the feed store's last sync.
    public init(store: FeedStore, clock: any WalletClock = SystemClock()) {
        lists = .feed(store)
        self.clock = clock
    }

    /// `rootPublicKeyHex`: the root key as `ehk key generate` writes it to `root.key.pub`
    /// (64 hex digits, surrounding whitespace ignored).
    public convenience init(rootPublicKeyHex: String, clock: any WalletClock = SystemClock()) throws {
        guard let key = Data(hexDigits: rootPublicKeyHex) else {
            throw TrustError.InvalidArgument(detail: "the root public key file is not hex")
        }
        try self.init(rootPublicKey: key, clock: clock)
    }

    /// Loads a root-signed trust list; an older version throws `TrustError.VersionNotNewer`.
    /// Only for a verifier over loaded lists: a feed store's come with its syncs.
    @discardableResult
    public func loadTrustList(_ signedList: Data) throws -> UpdateOutcome {
        try loaded().loadTrustList(signedList: signedList)
    }

    /// Loads an issuer-signed revocation list (needs a trust list first); as `loadTrustList`.
    @discardableResult
    public func loadRevocationList(_ signedList: Data) throws -> UpdateOutcome {
        try loaded().loadRevocationList(signedList: signedList)
    }

    private func loaded() throws -> Verifier {
        guard case let .loaded(verifier) = lists else {
            throw TrustError.InvalidArgument(detail: "a feed store's lists come with its syncs")
        }
        return verifier
    }

    /// The core verifier a card must pass before the wallet stores it: the loaded lists, or the
    /// feed store's of its last sync.
    var walletVerifier: Verifier {
        switch lists {
        case let .loaded(verifier): return verifier
        case let .feed(store): return store.verifier()
        }
    }

    /// The trust list's version; nil before there is one.
    public var trustListVersion: UInt64? {
        switch lists {
        case let .loaded(verifier): return verifier.trustListVersion()
        case let .feed(store): return store.trustListVersion()
        }
    }

    /// The core's verdict on the exact text the scanner read.
    public func verify(_ qrText: String) -> Verification {
        switch lists {
        case let .loaded(verifier): return verifier.verify(qrText: qrText, now: clock.now())
        case let .feed(store): return store.verify(qrText: qrText, now: clock.now())
        }
    }

    /// The same, ready to show.
    public func check(_ qrText: String, lang: Lang = .preferred()) -> VerificationDisplay {
        VerificationDisplay(verify(qrText), lang: lang)
    }
}

extension Data {
    /// Bytes from hex digits (either case, surrounding whitespace ignored); nil if not hex.
    init?(hexDigits text: String) {
        let digits = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
