import EhrenamtskarteKit
import Foundation
import SwiftUI

/// The app's state: the wallet (database in Application Support, device key in the Keychain),
/// the shop verifier (the feed store's lists once a sync brought them, until then the root key
/// and trust list shipped in the app bundle), and the offline store catalog with its feed syncer.
@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var cards: [WalletCard] = []
    /// A problem to show in an alert (texts from AppText, never the core's internal details).
    @Published var message: String?
    /// The last feed sync (nil before the first one of this launch).
    @Published private(set) var syncState: FeedSyncState = .idle
    /// Where the activation of a letter stands (the root view shows its question and result).
    @Published private(set) var activationStep: ActivationStep = .idle

    let lang: Lang
    let text: AppText
    let wallet: CardWallet?
    let catalog: StoreCatalog?
    /// Nil when the build has no feed URL or root key (see ios/README.md).
    let syncer: FeedSyncer?
    private let bundledVerifier: CardVerifier?
    /// Activation letters to the core's `Wallet.activate`; without a service URL or a feed store
    /// it answers "not set up".
    private let activation: CardActivation
    /// The running activation (submit or confirmed move), for `cancelActivation()`.
    private var activationTask: Task<ActivationStep, Never>?
    private let feedVerifier: CardVerifier?

    /// The verifier for the next scan: the feed store's when the app has a feed (it starts from
    /// the shipped trust list and is current after every sync), else the bundled lists.
    var verifier: CardVerifier? {
        feedVerifier ?? bundledVerifier
    }

    init() {
        let lang = Lang.preferred()
        let text = AppText(lang)
        OSLogLogger.install(maxLevel: .info)
        let walletResult = Result { try CardWallet.onDevice() }
        let verifierResult = Result { try Self.loadBundledVerifier() }
        self.lang = lang
        self.text = text
        let cardWallet = try? walletResult.get()
        wallet = cardWallet
        bundledVerifier = try? verifierResult.get()
        let store = AppConfiguration.feedStore
        feedVerifier = store.map { CardVerifier(store: $0) }
        catalog = store.map { StoreCatalog(store: $0) }
        if let catalog, let configuration = AppConfiguration.feed {
            // The sync's geofence update (new news, new regions) goes to the news geofencing.
            syncer = FeedSyncer(catalog: catalog, url: configuration.url, geofence: NewsGeofencing.shared.coordinator)
        } else {
            syncer = nil
        }
        let activator = cardWallet.flatMap { wallet in
            AppConfiguration.serviceURL.flatMap { url in store.map { wallet.activator(serviceUrl: url, feed: $0) } }
        }
        activation = CardActivation(activator: activator)
        if wallet == nil {
            message = text.walletUnavailable
        } else if verifier == nil {
            message = text.verifierUnavailable
        }
        BackgroundFeedSync.shared.model = self
    }

    /// Runs a feed sync (pull to refresh, app start, background refresh) off the main actor.
    /// Failures show in the stores screen's status line, not as an alert.
    @discardableResult
    func syncFeed() async -> FeedSyncOutcome {
        guard let syncer else { return .failed(.misconfigured) }
        syncState = .syncing(fraction: nil)
        let outcome = await syncer.sync { fraction in
            Task { @MainActor [weak self] in
                if case .syncing = self?.syncState { self?.syncState = .syncing(fraction: fraction) }
            }
        }
        syncState = await syncer.state
        // New lists may refuse a stored card now (revoked, moved to another phone): list again.
        if case .updated = outcome { await reload() }
        return outcome
    }

    /// Root key (`root.key.pub`, hex, as `ehk key generate` writes it) and trust list
    /// (`trust-list.cose`) from the bundle; a bundled `revocations.cose` is optional.
    /// With a feed configured, the feed store's are used instead (`verifier`).
    private static func loadBundledVerifier() throws -> CardVerifier {
        guard let keyURL = Bundle.main.url(forResource: "root.key", withExtension: "pub"),
              let trustURL = Bundle.main.url(forResource: "trust-list", withExtension: "cose")
        else {
            throw CocoaError(.fileNoSuchFile)
        }
        let verifier = try CardVerifier(rootPublicKeyHex: String(contentsOf: keyURL, encoding: .utf8))
        try verifier.loadTrustList(Data(contentsOf: trustURL))
        if let revocationsURL = Bundle.main.url(forResource: "revocations", withExtension: "cose") {
            _ = try? verifier.loadRevocationList(Data(contentsOf: revocationsURL))
        }
        return verifier
    }

    /// Lists the cards, each checked by the core against the phone's lists (`verifier`): a card
    /// they now refuse (revoked, moved to another phone, its issuer withdrawn) shows as refused.
    func reload() async {
        guard let wallet else { return }
        do {
            // Cards an older app version stored unchecked count for the clock check once checked.
            if let verifier { try await wallet.checkStoredCards(verifier: verifier) }
            cards = try await wallet.cards(verifier: verifier)
        } catch {
            message = text.walletError(error)
        }
    }

    /// Adds a scanned card; false (with `message` set) if the core refuses it.
    func add(qrText: String) async -> Bool {
        guard let wallet else {
            message = text.walletUnavailable
            return false
        }
        guard let verifier else {
            message = text.verifierUnavailable
            return false
        }
        do {
            try await wallet.add(qrText: qrText, verifier: verifier)
            await reload()
            return true
        } catch {
            message = text.walletError(error)
            return false
        }
    }

    /// An opened link (universal link or app scheme), a scanned letter or a typed code: to the
    /// core unchanged. The step says whether to ask about a move, or what happened.
    func activate(_ linkOrCode: String) async {
        await runActivation { await $0.submit(linkOrCode) }
    }

    /// The holder's answer to the move question.
    func answerMove(_ yes: Bool) async {
        if yes {
            await runActivation { await $0.confirmMove() }
        } else {
            await activation.declineMove()
            activationStep = await activation.step
        }
    }

    /// The progress overlay's cancel button: stops the running activation. The kit cancels the
    /// core's activation, nothing is stored (the code still works), and the step goes back to
    /// `.idle`: no alert, a cancel is no failure.
    func cancelActivation() {
        activationTask?.cancel()
    }

    /// Runs one activation step as a task of its own that `cancelActivation()` can cancel
    /// (cancelling the caller cancels it as well), then shows its step.
    private func runActivation(_ body: @escaping @Sendable (CardActivation) async -> ActivationStep) async {
        activationStep = .working
        let activation = self.activation
        let task = Task { await body(activation) }
        activationTask = task
        let step = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        if activationTask == task { activationTask = nil }
        activationStep = step
        if case .done = step { await reload() }
    }

    func dismissActivation() async {
        await activation.dismiss()
        activationStep = await activation.step
    }

    func remove(cardIds: [String]) async {
        guard let wallet else { return }
        for cardId in cardIds {
            do {
                try await wallet.remove(cardId: cardId)
            } catch {
                message = text.walletError(error)
            }
        }
        await reload()
    }
}
