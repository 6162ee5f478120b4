import EhrenamtskarteKit
import Foundation

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
        pick("Noch keine Karte. Öffnen Sie den Link aus Ihrem Aktivierungsschreiben oder tippen Sie auf den Umschlag, um den Code einzugeben oder zu scannen.",
             "No card yet. Open the link in your activation letter, or tap the envelope to type or scan its code.")
    }
    var scanCardHint: String {
        pick("Scannen Sie den QR-Code Ihrer Karte (Papierkarte oder PDF). Ein Aktivierungsschreiben scannen Sie über den Umschlag.",
             "Scan the QR code of your card (paper card or PDF). Scan an activation letter through the envelope button.")
    }
    var cancel: String { pick("Abbrechen", "Cancel") }

    var activateCard: String { pick("Mit Aktivierungsschreiben aktivieren", "Activate with my letter") }
    var activationCode: String { pick("Aktivierungscode", "Activation code") }
    var activate: String { pick("Aktivieren", "Activate") }
    var scanLetter: String { pick("QR-Code im Schreiben scannen", "Scan the letter's QR code") }
    var activating: String { pick("Die Karte wird aktiviert …", "Activating the card …") }
    var activationTitle: String { pick("Karte aktivieren", "Activate card") }
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
    var noNews: String {
        pick("Hier gibt es gerade keine Neuigkeiten oder Angebote.", "No news or offers here right now.")
    }
    var newsWaitingForLocation: String {
        pick("Neuigkeiten und Angebote gelten für einen Ort. Sobald Ihr Standort bekannt ist, erscheinen sie hier.",
             "News and offers apply to a place. They appear here once your location is known.")
    }
    var newsLocationDenied: String {
        pick("Kein Zugriff auf den Standort. Neuigkeiten gelten für einen Ort; Sie können den Zugriff in den Einstellungen erlauben.",
             "No access to your location. News apply to a place; you can allow access in Settings.")
    }
    var newsSettings: String { pick("Einstellungen", "Settings") }
    var newsNotifyAbout: String { pick("Benachrichtigen über", "Notify about") }
    var offersNearFavorites: String {
        pick("Angebote in der Nähe meiner Favoriten", "Offers near my favorites")
    }
    var enableBackgroundNews: String {
        pick("Benachrichtigungen unterwegs erlauben", "Allow notifications on the go")
    }
    var backgroundNewsExplanation: String {
        pick("Dafür braucht die App Mitteilungen und den Standortzugriff „Immer“. Ihr Standort verlässt das Gerät nie; höchstens 3 Mitteilungen am Tag, nie zwischen 22 und 7 Uhr.",
             "This needs notifications and location access \"Always\". Your location never leaves the phone; at most 3 notifications a day, never between 22:00 and 07:00.")
    }
    /// "gültig bis 24.12.2026" from Unix seconds, in the app's language.
    func newsValidUntil(_ unixSeconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: lang == .de ? "de_DE" : "en_GB")
        formatter.timeZone = TimeZone(identifier: "Europe/Berlin")
        formatter.dateStyle = .medium
        formatter.timeStyle = .none
        return validUntil(formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unixSeconds))))
    }

    /// A wallet error in words; the error enums carry no personal data.
    func walletError(_ error: Error) -> String {
        switch error as? WalletError {
        case .InvalidCard?: return pick("Das ist kein lesbarer Karten-Code.", "This is not a readable card code.")
        case let .CardRefused(reason)?: return reasonText(reason: reason, lang: lang)
        case .NotNewerThanStored?:
            return pick("Diese Karte ist schon in gleicher oder neuerer Fassung gespeichert.",
                        "This card is already stored in the same or a newer version.")
        case .WrongDevice?:
            return pick("Diese Karte ist an ein anderes Gerät gebunden.", "This card is bound to another device.")
        case .CardNotFound?: return pick("Die Karte ist nicht mehr gespeichert.", "The card is no longer stored.")
        case .KeyStore?: return walletUnavailable
        case .Storage?: return pick("Die Kartenablage konnte nicht gespeichert werden.", "The wallet could not be saved.")
        case .CodeUnreadable?, .ForeignLink?, .CodeInvalid?, .UsedOnOtherPhone?, .ClockWrong?, .RateLimited?,
             .ServiceRefused?, .Network?, .Cancelled?:
            // Activation errors have their own texts (the core's ActivationProblem).
            return ActivationProblem(error)?.text(lang: lang) ?? ActivationPrompt.moveQuestion.text(lang: lang)
        case .InvalidArgument?, nil:
            return pick("Unerwarteter Fehler.", "Unexpected error.")
        }
    }
}
