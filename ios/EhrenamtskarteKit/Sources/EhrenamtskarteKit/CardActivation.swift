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

/// Why an activation did not work: the core's `ActivationProblem`, with the core's texts.
extension ActivationProblem {
    /// What the core says an error of `Wallet.activate` means: nil for `UsedOnOtherPhone`,
    /// which is a question (ask with `ActivationPrompt.moveQuestion`), otherwise the problem.
    /// An error that is no `WalletError` is `.failed`.
    public init?(_ error: Error) {
        guard let error = error as? WalletError else {
            self = .failed
            return
        }
        guard let problem = activationProblem(error: error) else { return nil }
        self = problem
    }

    /// The holder's text for the problem (the core's, German or English).
    public func text(lang: Lang) -> String { activationProblemText(problem: self, lang: lang) }
}

extension ActivationPrompt {
    /// The move question, its buttons and the typing hint (the core's texts).
    public func text(lang: Lang) -> String { activationPromptText(prompt: self, lang: lang) }
}

/// Where an activation stands: what the screen shows.
public enum ActivationStep: Equatable, Sendable {
    case idle
    case working
    /// The card is active on another phone: ask with `ActivationPrompt.moveQuestion`.
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
