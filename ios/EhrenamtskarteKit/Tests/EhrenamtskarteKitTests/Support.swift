// Kit-only test support; what the binding tests use as well is in Shared/.

import EhkCore
import EhrenamtskarteKit
import Foundation
import XCTest

/// A clock the test moves: `sleep` records the request and advances time at once.
final class FakeClock: WalletClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64
    private var requested: [Int64] = []

    init(_ start: Int64) { current = start }

    var sleeps: [Int64] { locked(lock) { requested } }

    func now() -> Int64 { locked(lock) { current } }

    func set(_ time: Int64) { locked(lock) { current = time } }

    func sleep(seconds: Int64) async throws {
        try Task.checkCancellation()
        locked(lock) {
            requested.append(seconds)
            current += seconds
        }
    }
}

extension World {
    /// The kit's verifier facade over a fresh core verifier that trusts this world's issuer.
    func cardVerifier(clock: FakeClock) throws -> CardVerifier {
        let verifier = try CardVerifier(rootPublicKey: rootPublicKey, clock: clock)
        try verifier.loadTrustList(trust)
        return verifier
    }
}

#if os(Linux) || os(macOS)
/// A test case with a feed (`ServedFeed`: stores and a revocation list) served by `ehk serve`
/// for each test.
class ServedFeedTestCase: XCTestCase {
    var feed: ServedFeed!

    override func setUpWithError() throws {
        feed = try ServedFeed()
    }

    override func tearDown() {
        feed?.stop()
        feed = nil
    }
}
#endif
