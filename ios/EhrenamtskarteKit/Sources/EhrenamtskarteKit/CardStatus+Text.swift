import EhkCore

extension CardStatus {
    /// The wallet list's status line (the core's `cardStatusText`). The status itself is the
    /// core's decision as well.
    public func text(lang: Lang) -> String {
        cardStatusText(status: self, lang: lang)
    }

    /// Whether the card can be shown at a shop now (the core's `cardStatusUsable`): false for a
    /// card that is not yet valid, expired, or refused by the phone's lists.
    public var isUsable: Bool {
        cardStatusUsable(status: self)
    }
}
