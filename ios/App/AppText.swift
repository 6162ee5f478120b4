import EhrenamtskarteKit

/// The shell's own texts in German and English. Reasons and notes about a scanned code are
/// not here: they come from the core (`reasonText`, `flagText`) through VerificationDisplay.
struct AppText {
    let lang: Lang

    init(_ lang: Lang) {
        self.lang = lang
    }

    private func pick(_ de: String, _ en: String) -> String { lang == .de ? de : en }

    var walletTab: String { pick("Karten", "Cards") }
    var verifyTab: String { pick("Prüfen", "Verify") }
    var storesTab: String { pick("Akzeptanzstellen", "Stores") }
    var newsTab: String { pick("Neuigkeiten", "News") }

    var addCard: String { pick("Karte hinzufügen", "Add card") }
    var noCards: String {
        pick("Noch keine Karte. Tippen Sie auf +, um den QR-Code Ihrer Karte zu scannen.",
             "No card yet. Tap + to scan the QR code of your card.")
    }
    var scanCardHint: String {
        pick("Scannen Sie den QR-Code aus Ihrem Aktivierungsschreiben.",
             "Scan the QR code from your activation letter.")
    }
    var cancel: String { pick("Abbrechen", "Cancel") }
    var errorTitle: String { pick("Hinweis", "Notice") }
    var ok: String { "OK" }

    var deviceBoundHint: String {
        pick("Der Code erneuert sich alle 30 Sekunden. Ein Bildschirmfoto ist nach kurzer Zeit ungültig.",
             "The code renews every 30 seconds. A screenshot stops working shortly.")
    }
    var staticHint: String {
        pick("Diese Karte ist nicht an dieses Gerät gebunden; die Prüfstelle vergleicht den Namen mit einem Lichtbildausweis.",
             "This card is not bound to this phone; the shop compares the name with a photo ID.")
    }
    func renewsIn(_ seconds: Int64) -> String {
        pick("Neuer Code in \(seconds) s", "New code in \(seconds) s")
    }
    var qrAccessibility: String { pick("QR-Code der Ehrenamtskarte", "QR code of the volunteer card") }

    var scanNext: String { pick("Nächsten Code prüfen", "Check next code") }
    var cameraDenied: String {
        pick("Kein Kamerazugriff. Bitte in den Einstellungen erlauben.",
             "No camera access. Please allow it in Settings.")
    }

    var walletUnavailable: String {
        pick("Die Kartenablage ist nicht verfügbar. Ist das Gerät entsperrt?",
             "The card wallet is not available. Is the device unlocked?")
    }
    var verifierUnavailable: String {
        pick("Die Prüffunktion ist nicht eingerichtet (Vertrauensliste fehlt).",
             "Verification is not set up (trust list missing).")
    }

    var storesUnavailable: String {
        pick("Die Liste der Akzeptanzstellen ist nicht verfügbar.", "The store list is not available.")
    }
    var storeSearchPrompt: String { pick("Name, Ort, Rabatt …", "Name, place, discount …") }
    var favorites: String { pick("Favoriten", "Favorites") }
    var noFavorites: String {
        pick("Noch keine Favoriten. Tippen Sie bei einer Akzeptanzstelle auf den Stern.",
             "No favorites yet. Tap the star of a store.")
    }
    var noStores: String {
        pick("Keine Akzeptanzstelle gefunden. Ziehen Sie die Liste nach unten, um sie zu aktualisieren.",
             "No store found. Pull down to update the list.")
    }
    var nearMe: String { pick("In meiner Nähe", "Near me") }
    var category: String { pick("Kategorie", "Category") }
    var allCategories: String { pick("Alle Kategorien", "All categories") }
    var discounts: String { pick("Rabatte", "Discounts") }
    var address: String { pick("Adresse", "Address") }
    var contact: String { pick("Kontakt", "Contact") }
    func validUntil(_ date: String) -> String { pick("gültig bis \(date)", "valid until \(date)") }
    var locationDenied: String {
        pick("Kein Zugriff auf den Standort. Sie können ihn in den Einstellungen erlauben; die Suche funktioniert auch ohne.",
             "No access to your location. You can allow it in Settings; search works without it.")
    }

    /// The stores screen's status line for the last feed sync; nil when there is nothing to say.
    func syncStatus(_ state: FeedSyncState) -> String? {
        switch state {
        case .idle, .finished(.unchanged, _), .finished(.cancelled, _):
            return nil
        case let .syncing(fraction):
            let percent = fraction.map { " \(Int(($0 * 100).rounded())) %" } ?? ""
            return pick("Akzeptanzstellen werden aktualisiert …", "Updating stores …") + percent
        case .finished(.updated, _):
            return pick("Akzeptanzstellen aktualisiert.", "Stores updated.")
        case let .finished(.failed(problem), _):
            return problem.text(lang: lang)
        }
    }
    var newsPlaceholder: String {
        pick("Hier erscheinen bald Neuigkeiten und Angebote aus Ihrer Region. Diese Funktion ist noch nicht verfügbar.",
             "News and offers from your region will appear here soon. This is not available yet.")
    }

    /// A wallet error in words; the error enums carry no personal data.
    func walletError(_ error: Error) -> String {
        switch error as? WalletError {
        case .InvalidCard?: return pick("Das ist kein lesbarer Karten-Code.", "This is not a readable card code.")
        case .WrongDevice?:
            return pick("Diese Karte ist an ein anderes Gerät gebunden.", "This card is bound to another device.")
        case .CardNotFound?: return pick("Die Karte ist nicht mehr gespeichert.", "The card is no longer stored.")
        case .KeyStore?: return walletUnavailable
        case .Storage?: return pick("Die Kartenablage konnte nicht gespeichert werden.", "The wallet could not be saved.")
        case .InvalidArgument?, nil:
            return pick("Unerwarteter Fehler.", "Unexpected error.")
        }
    }
}
