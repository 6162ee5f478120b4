import EhkCore
import Foundation

/// The core's `Wallet.activate` for the app's service and feed store. Everything the holder has
/// (the opened universal or app-scheme link, the scanned letter, the typed code) goes through
/// unchanged: reading it, checking the link's host, the clock, the service's answer and the card
/// are the core's.
public protocol Activator: Sendable {
    /// The activation (network). Cancelling the calling task stops it: it throws
    /// `WalletError.Cancelled` (or `CancellationError`) and stores nothing, unless the card was
    /// already stored, then it returns the activation.
    func activate(linkOrCode: String, confirmMove: Bool, now: Int64) async throws -> Activation
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

    /// The core's async `Wallet.activate`, which runs on a thread of its own (never on the
    /// caller's). Cancelling the calling task cancels the core's activation through a
    /// `Cancellation`: it stops before the request is sent, or after the service's answer before
    /// anything is stored, with `WalletError.Cancelled`; activating again later returns the
    /// same card. A request already on its way is finished (bounded by the service's timeout)
    /// and its answer dropped.
    public func activate(linkOrCode: String, confirmMove: Bool, now: Int64) async throws -> Activation {
        // Made before the call: a cancel that comes before the core's activation has begun
        // still reaches it (and no other call).
        let cancellation = Cancellation()
        // The generated Swift code does not pass a task's cancellation to Rust: cancel the
        // core's activation explicitly. The handler runs at once if the task is already
        // cancelled.
        return try await withTaskCancellationHandler {
            try await wallet.activate(linkOrCode: linkOrCode, serviceUrl: serviceUrl, feed: feed,
                                      confirmMove: confirmMove, now: now, cancellation: cancellation)
        } onCancel: {
            cancellation.cancel()
        }
    }
}

/// Why an activation did not work: the core's `ActivationProblem`, with the core's texts.
extension ActivationProblem {
    /// What the core says an error of `Wallet.activate` means: nil for `UsedOnOtherPhone`,
    /// which is a question (ask with `ActivationPrompt.moveQuestion`), otherwise the problem.
    /// `WalletError.Cancelled` and Swift's `CancellationError` are `.cancelled`; any other error
    /// that is no `WalletError` is `.failed`.
    public init?(_ error: Error) {
        if error is CancellationError {
            self = .cancelled
            return
        }
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
    /// Nothing to show: no activation has run, its result was dismissed, the holder declined
    /// the move, or the activation was cancelled (nothing was stored; the code still works).
    case idle
    case working
    /// The card is active on another phone: ask with `ActivationPrompt.moveQuestion`.
    case confirmMove
    case done(card: WalletCard, moved: Bool)
    /// Never `.cancelled`: a cancelled activation goes back to `.idle`.
    case failed(ActivationProblem)
}

/// One activation at a time, from an opened link, a scanned letter or a typed code, off the main
/// actor. When the core says the card is active on another phone, the step is `.confirmMove`;
/// `confirmMove()` repeats the same request with the holder's yes, `declineMove()` drops it.
/// `activator` is nil when the app has no service configured.
///
/// Cancelling the task that awaits `submit` or `confirmMove` cancels the core's activation (see
/// `WalletActivator`). A cancelled activation is no failure to show the holder: the holder or
/// the app stopped it, nothing was stored and the code still works on this phone. The step goes
/// back to `.idle` (not `.failed(.cancelled)`), as if the activation had not been started, and
/// the request is dropped: after a cancelled `confirmMove()` the question is not open any more;
/// the next `submit` starts afresh (the core asks about the move again if it has to; if the
/// cancelled request had already reached the service, it returns the card without asking). If
/// the cancel came too late (the card was already stored), the step is `.done` as usual.
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
    /// question is open. Cancelling the calling task stops the activation: `.idle`.
    public func submit(_ linkOrCode: String) async -> ActivationStep {
        if step == .working || step == .confirmMove { return step }
        return await run(linkOrCode, confirmMove: false)
    }

    /// The holder said yes to the move: the same request again, with the move confirmed.
    /// Cancelling the calling task stops it: `.idle`, nothing stored on this phone.
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
                let activation = try await activator.activate(linkOrCode: input, confirmMove: confirmMove, now: now)
                result = .done(card: activation.card, moved: activation.moved)
            } catch {
                switch ActivationProblem(error) {
                case nil: result = .confirmMove
                case .cancelled?: result = .idle
                case let problem?: result = .failed(problem)
                }
            }
        } else {
            result = .failed(.notConfigured)
        }
        pending = result == .confirmMove ? input : nil
        step = result
        return result
    }
}
