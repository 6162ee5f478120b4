import EhrenamtskarteKit
import Foundation
import SwiftUI

/// The app's state: the wallet (database in Application Support, device key in the Keychain)
/// and the shop verifier (root key and trust list shipped in the app bundle).
@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var cards: [WalletCard] = []
    /// A problem to show in an alert (texts from AppText, never the core's internal details).
    @Published var message: String?

    let lang: Lang
    let text: AppText
    let wallet: CardWallet?
    let verifier: CardVerifier?

    init() {
        let lang = Lang.preferred()
        let text = AppText(lang)
        OSLogLogger.install(maxLevel: .info)
        let walletResult = Result { try CardWallet.onDevice() }
        let verifierResult = Result { try Self.bundledVerifier() }
        self.lang = lang
        self.text = text
        wallet = try? walletResult.get()
        verifier = try? verifierResult.get()
        if wallet == nil {
            message = text.walletUnavailable
        } else if verifier == nil {
            message = text.verifierUnavailable
        }
    }

    /// Root key (`root.key.pub`, hex, as `ehk key generate` writes it) and trust list
    /// (`trust-list.cose`) from the bundle; a bundled `revocations.cose` is optional.
    /// The feed (a later issue) replaces them with newer signed versions.
    private static func bundledVerifier() throws -> CardVerifier {
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

    func reload() async {
        guard let wallet else { return }
        do {
            cards = try await wallet.cards()
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
        do {
            try await wallet.add(qrText: qrText)
            await reload()
            return true
        } catch {
            message = text.walletError(error)
            return false
        }
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
