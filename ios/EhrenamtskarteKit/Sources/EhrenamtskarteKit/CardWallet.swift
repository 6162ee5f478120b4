import EhkCore
import Foundation

/// One QR text to show, and when to replace it.
public struct Presentation: Equatable, Sendable {
    /// The exact text to encode in the QR code.
    public let qrText: String
    /// Unix time at which the core made it.
    public let shownAt: Int64
    /// Unix time at which a fresh one is due (from the core's `secondsUntilNextPresentation`).
    public let refreshAt: Int64

    public init(qrText: String, shownAt: Int64, refreshAt: Int64) {
        self.qrText = qrText
        self.shownAt = shownAt
        self.refreshAt = refreshAt
    }
}

/// The holder's wallet: the core's `Wallet` behind an actor, with `now` from an injectable clock.
/// Every decision (is the card readable, is it bound to this device, its status, the QR text)
/// is the core's.
public actor CardWallet {
    private let wallet: Wallet
    public nonisolated let clock: any WalletClock

    /// A wallet in `databasePath` (SQLite), or in memory when nil, with the device key in `keyStore`.
    public init(databasePath: String?, keyStore: any KeyStore, clock: any WalletClock = SystemClock()) throws {
        if let databasePath {
            wallet = try Wallet.open(path: databasePath, keyStore: keyStore)
        } else {
            wallet = try Wallet.inMemory(keyStore: keyStore)
        }
        self.clock = clock
    }

    /// A wallet with its device key in `items` (the Keychain on a phone).
    public init(databasePath: String?, items: any SecureItemStore, clock: any WalletClock = SystemClock()) throws {
        try self.init(databasePath: databasePath, keyStore: SecureKeyStore(items: items), clock: clock)
    }

    #if canImport(Security)
    /// The app's wallet: database in Application Support, device key in the Keychain.
    public static func onDevice(clock: any WalletClock = SystemClock()) throws -> CardWallet {
        let directory = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        let path = directory.appendingPathComponent("wallet.sqlite").path
        return try CardWallet(databasePath: path, items: KeychainSecureItemStore(), clock: clock)
    }
    #endif

    /// The activator for `CardActivation`: this wallet at the issuer service `serviceUrl`, cards
    /// checked by `feed` (the app's feed store).
    public nonisolated func activator(serviceUrl: String, feed: FeedStore) -> WalletActivator {
        WalletActivator(wallet: wallet, serviceUrl: serviceUrl, feed: feed)
    }

    /// This device's public key (32 bytes); the core creates it in the key store on first use.
    public func devicePublicKey() throws -> Data {
        try wallet.devicePublicKey()
    }

    /// Adds a card from the text of its QR code (scanned, or from a link) once `verifier` (the
    /// app's: the feed store's lists, or the bundled ones before the first sync) accepted it. The
    /// core refuses anything else: `WalletError.CardRefused(reason:)` (`.noTrustList` before any
    /// lists), `.NotNewerThanStored` for an older version of a stored card, `.WrongDevice`.
    @discardableResult
    public func add(qrText: String, verifier: CardVerifier) throws -> WalletCard {
        try wallet.addCard(qrText: qrText, verifier: verifier.walletVerifier, now: clock.now())
    }

    /// Checks the cards an older app version stored unchecked, so their dates count for
    /// `clockCheck`; returns how many remain unchecked.
    @discardableResult
    public func checkStoredCards(verifier: CardVerifier) throws -> UInt32 {
        try wallet.checkStoredCards(verifier: verifier.walletVerifier, now: clock.now())
    }

    /// All cards, the newest first, with their status now. With `verifier` (the app's: the feed
    /// store's lists, or the bundled ones before the first sync), the core also checks each card
    /// against the phone's lists: one they now refuse (revoked, moved to another phone, its
    /// issuer withdrawn) has the status `.refused(reason:)`. Without, the dates alone decide.
    public func cards(verifier: CardVerifier? = nil) throws -> [WalletCard] {
        try wallet.cards(now: clock.now(), verifier: verifier?.walletVerifier)
    }

    @discardableResult
    public func remove(cardId: String) throws -> Bool {
        try wallet.removeCard(cardId: cardId)
    }

    /// Whether the device clock looks plausible (a presentation from a wrong clock is refused).
    public func clockCheck() throws -> ClockStatus {
        try wallet.clockCheck(now: clock.now())
    }

    /// The code to show now.
    public func present(cardId: String) throws -> Presentation {
        let now = clock.now()
        let text = try wallet.present(cardId: cardId, now: now)
        return Presentation(qrText: text, shownAt: now, refreshAt: now + secondsUntilNextPresentation(now: now))
    }

    /// Fresh codes for `cardId`: one at once, then one at each 30-second step for as long as
    /// the consumer iterates. It is demand-driven: a consumer that comes back late (the app was
    /// in the background) gets a fresh code at once rather than a stale one. Ends when the
    /// consuming task is cancelled, and throws the core's `WalletError` if presenting fails.
    public nonisolated func presentations(cardId: String) -> AsyncThrowingStream<Presentation, Error> {
        let schedule = PresentationSchedule(wallet: self, cardId: cardId)
        return AsyncThrowingStream(unfolding: { try await schedule.next() })
    }
}

/// The state behind `CardWallet.presentations`: when the code shown last is due for renewal.
private actor PresentationSchedule {
    private let wallet: CardWallet
    private let cardId: String
    private var last: Presentation?

    init(wallet: CardWallet, cardId: String) {
        self.wallet = wallet
        self.cardId = cardId
    }

    func next() async throws -> Presentation? {
        if let last {
            let wait = last.refreshAt - wallet.clock.now()
            do {
                if wait > 0 { try await wallet.clock.sleep(seconds: wait) }
                try Task.checkCancellation()
            } catch is CancellationError {
                return nil
            }
        }
        let presentation = try await wallet.present(cardId: cardId)
        last = presentation
        return presentation
    }
}
