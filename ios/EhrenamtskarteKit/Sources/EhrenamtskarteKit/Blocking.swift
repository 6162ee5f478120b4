import Dispatch
import Foundation

/// Runs a blocking core call (SQLite, network) on a global dispatch queue, so that it blocks
/// neither the main actor nor a thread of Swift's cooperative pool.
func runBlocking<T: Sendable>(
    qos: DispatchQoS.QoSClass = .userInitiated,
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: qos).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
