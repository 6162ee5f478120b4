import EhkCore
import Foundation

/// The core's `Wallet.activate` for the app's service and feed store. Everything the holder has
/// (the opened universal or app-scheme link, the scanned letter, the typed code) goes through
/// unchanged: reading it, checking the link's host, the clock, the service's answer and the card
/// are the core's.
public protocol Activator: Sendable {
    /// Blocking network; `CardActivation` calls it off the main actor and the cooperative pool.
    func activate(linkOrCode: String, confirmMove: Bool, now: Int64) throws -> Activation
}

/// The app's activator: `wallet` at the issuer service `serviceUrl`, cards checked by `feed`.
public struct WalletActivator: Activator {
    let wallet: Wallet
    let serviceUrl: String
    let feed: FeedStore

    public init(wallet: Wallet, serviceUrl: String, feed: FeedStore) {
        self.wallet = wallet
        self.serviceUrl = serviceUrl
        self.feed = feed
    }

    public func activate(linkOrCode: String, confirmMove: Bool, now: Int64) throws -> Activation {
        try wallet.activate(linkOrCode: linkOrCode, serviceUrl: serviceUrl, feed: feed,
                            confirmMove: confirmMove, now: now)
    }
}

/// Why an activation did not work, as the holder should hear it (`text(lang:)`).
public enum ActivationProblem: Equatable, Sendable {
    /// The app has no issuer service or no project configured.
    case notConfigured
    /// A typing error, or a QR code that is no activation letter.
    case codeUnreadable
    /// A link to another service than the app's (never sent anywhere).
    case foreignLink(origin: String)
    /// Unknown, expired, replaced by a newer letter, or locked after too many tries.
    case codeInvalid
    /// The phone's clock is off; nothing was sent, so no attempt was used up.
    case clockWrong(serverTime: Int64, phoneTime: Int64)
    case rateLimited(retryAfterSecs: UInt64)
    /// The service said no (e.g. the card was revoked); `detail` is the service's message.
    case serviceRefused(code: String, detail: String)
    /// No connection or no answer: try again.
    case offline
    /// The card from the service did not pass the phone's own check; the core's reason.
    case cardRefused(InvalidReason)
    /// The device key cannot be reached (Keychain locked).
    case keyStore
    /// Anything else (storage, an internal error): the details are in the log.
    case failed

    /// The core's error as a problem; nil for `UsedOnOtherPhone`, which is a question.
    public init?(_ error: Error) {
        guard let error = error as? WalletError else {
            self = .failed
            return
        }
        switch error {
        case .UsedOnOtherPhone: return nil
        case .CodeUnreadable: self = .codeUnreadable
        case let .ForeignLink(origin): self = .foreignLink(origin: origin)
        case .CodeInvalid: self = .codeInvalid
        case let .ClockWrong(serverTime, phoneTime): self = .clockWrong(serverTime: serverTime, phoneTime: phoneTime)
        case let .RateLimited(retryAfterSecs): self = .rateLimited(retryAfterSecs: retryAfterSecs)
        case let .ServiceRefused(code, detail): self = .serviceRefused(code: code, detail: detail)
        case .Network: self = .offline
        case let .CardRefused(reason): self = .cardRefused(reason)
        case .KeyStore: self = .keyStore
        case .InvalidArgument, .InvalidCard, .NotNewerThanStored, .WrongDevice, .CardNotFound, .Storage:
            self = .failed
        }
    }

    public func text(lang: Lang) -> String {
        let pick = { (de: String, en: String) in lang == .de ? de : en }
        switch self {
        case .notConfigured:
            return pick("Die Aktivierung ist in dieser App nicht eingerichtet.", "Activation is not set up in this app.")
        case .codeUnreadable:
            return pick("Das ist kein gültiger Aktivierungscode. Bitte prüfen Sie die Eingabe (17 Zeichen aus Ihrem Schreiben).",
                        "This is not a valid activation code. Please check what you entered (17 characters from your letter).")
        case let .foreignLink(origin):
            return pick("Dieser Link gehört nicht zum Dienst dieser App (\(origin)). Es wurde nichts gesendet.",
                        "This link does not belong to this app's service (\(origin)). Nothing was sent.")
        case .codeInvalid:
            return pick("Der Code ist ungültig oder abgelaufen. Wenden Sie sich an die Stelle, die Ihre Karte ausgestellt hat.",
                        "The code is invalid or has expired. Please contact the office that issued your card.")
        case let .clockWrong(serverTime, phoneTime):
            let minutes = (abs(serverTime - phoneTime) + 30) / 60
            return pick("Die Uhr dieses Telefons geht um etwa \(minutes) Minuten falsch. Bitte stellen Sie Datum und Uhrzeit richtig ein und versuchen Sie es erneut.",
                        "This phone's clock is off by about \(minutes) minutes. Please set the date and time correctly and try again.")
        case let .rateLimited(retryAfterSecs):
            let minutes = max(1, (retryAfterSecs + 59) / 60)
            return pick("Zu viele Versuche. Bitte versuchen Sie es in \(minutes) Minuten erneut.",
                        "Too many attempts. Please try again in \(minutes) minutes.")
        case let .serviceRefused(_, detail):
            return pick("Der Dienst hat die Aktivierung abgelehnt: \(detail)", "The service refused the activation: \(detail)")
        case .offline:
            return pick("Keine Verbindung zum Dienst. Bitte prüfen Sie die Internetverbindung und versuchen Sie es erneut.",
                        "No connection to the service. Please check the internet connection and try again.")
        case let .cardRefused(reason):
            return reasonText(reason: reason, lang: lang)
        case .keyStore:
            return pick("Der Schlüssel dieses Telefons ist nicht erreichbar. Ist das Telefon entsperrt?",
                        "This phone's key cannot be reached. Is the phone unlocked?")
        case .failed:
            return pick("Die Aktivierung ist fehlgeschlagen.", "The activation failed.")
        }
    }
}

/// The activation texts that are not problems.
public enum ActivationText {
    public static func moveQuestion(lang: Lang) -> String {
        lang == .de
            ? "Die Karte ist auf einem anderen Telefon aktiv. Hierher umziehen? Die Karte auf dem anderen Telefon funktioniert dann nicht mehr."
            : "The card is active on another phone. Move it here? The card on the other phone will then stop working."
    }

    public static func moveConfirm(lang: Lang) -> String { lang == .de ? "Hierher umziehen" : "Move it here" }

    public static func activated(lang: Lang, card: WalletCard, moved: Bool) -> String {
        switch (lang, moved) {
        case (.de, true): return "Die Karte von \(card.holderName) ist jetzt auf diesem Telefon."
        case (.de, false): return "Die Karte von \(card.holderName) ist aktiviert."
        case (_, true): return "\(card.holderName)'s card is now on this phone."
        case (_, false): return "\(card.holderName)'s card is activated."
        }
    }

    public static func typeCodeHint(lang: Lang) -> String {
        lang == .de
            ? "Geben Sie den Aktivierungscode aus Ihrem Schreiben ein (17 Zeichen, z. B. ABCD-EFGH-JKMN-PQRS-T)."
            : "Enter the activation code from your letter (17 characters, e.g. ABCD-EFGH-JKMN-PQRS-T)."
    }
}

/// Where an activation stands: what the screen shows.
public enum ActivationStep: Equatable, Sendable {
    case idle
    case working
    /// The card is active on another phone: ask with `ActivationText.moveQuestion`.
    case confirmMove
    case done(card: WalletCard, moved: Bool)
    case failed(ActivationProblem)
}

/// One activation at a time, from an opened link, a scanned letter or a typed code, off the main
/// actor. When the core says the card is active on another phone, the step is `.confirmMove`;
/// `confirmMove()` repeats the same request with the holder's yes, `declineMove()` drops it.
/// `activator` is nil when the app has no service configured.
public actor CardActivation {
    private let activator: (any Activator)?
    private let clock: any WalletClock
    private var pending: String?
    public private(set) var step: ActivationStep = .idle

    public init(activator: (any Activator)?, clock: any WalletClock = SystemClock()) {
        self.activator = activator
        self.clock = clock
    }

    /// Starts an activation; ignored (returns the current step) while one is running or a move
    /// question is open.
    public func submit(_ linkOrCode: String) async -> ActivationStep {
        if step == .working || step == .confirmMove { return step }
        return await run(linkOrCode, confirmMove: false)
    }

    /// The holder said yes to the move: the same request again, with the move confirmed.
    public func confirmMove() async -> ActivationStep {
        guard step == .confirmMove, let input = pending else { return step }
        return await run(input, confirmMove: true)
    }

    /// The holder said no: nothing moves.
    public func declineMove() {
        guard step == .confirmMove else { return }
        pending = nil
        step = .idle
    }

    /// Back to idle after a result was shown.
    public func dismiss() {
        guard step != .working else { return }
        pending = nil
        step = .idle
    }

    private func run(_ input: String, confirmMove: Bool) async -> ActivationStep {
        step = .working
        let result: ActivationStep
        if let activator {
            let now = clock.now()
            do {
                let activation = try await runBlocking { try activator.activate(linkOrCode: input, confirmMove: confirmMove, now: now) }
                result = .done(card: activation.card, moved: activation.moved)
            } catch {
                result = ActivationProblem(error).map { ActivationStep.failed($0) } ?? ActivationStep.confirmMove
            }
        } else {
            result = .failed(.notConfigured)
        }
        pending = result == .confirmMove ? input : nil
        step = result
        return result
    }
}
