import EhkCore

extension CardStatus {
    /// The wallet list's status line. The status itself is the core's decision.
    public func text(lang: Lang) -> String {
        switch (self, lang) {
        case (.valid, .de): return "Gültig"
        case (.valid, .en): return "Valid"
        case (.notYetValid, .de): return "Noch nicht gültig"
        case (.notYetValid, .en): return "Not yet valid"
        case (.expired, .de): return "Abgelaufen"
        case (.expired, .en): return "Expired"
        case let (.expiresSoon(days), .de): return days == 1 ? "Läuft morgen ab" : "Läuft in \(days) Tagen ab"
        case let (.expiresSoon(days), .en): return days == 1 ? "Expires tomorrow" : "Expires in \(days) days"
        }
    }

    /// Whether the card can be shown at a shop now.
    public var isUsable: Bool {
        switch self {
        case .valid, .expiresSoon: return true
        case .notYetValid, .expired: return false
        }
    }
}
