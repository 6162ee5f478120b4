import Foundation

/// Time as the core sees it: Unix seconds. The core never reads the clock itself; the app
/// passes `now`, and tests pass a fake clock.
public protocol WalletClock: Sendable {
    /// The current Unix time in whole seconds.
    func now() -> Int64
    /// Suspends for `seconds` (throws `CancellationError` when the task is cancelled).
    func sleep(seconds: Int64) async throws
}

/// The device clock.
public struct SystemClock: WalletClock {
    public init() {}

    public func now() -> Int64 {
        Int64(Date().timeIntervalSince1970.rounded(.down))
    }

    public func sleep(seconds: Int64) async throws {
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000)
    }
}
