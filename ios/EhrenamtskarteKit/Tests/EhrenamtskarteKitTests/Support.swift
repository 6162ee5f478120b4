import EhkCore
import EhrenamtskarteKit
import Foundation

let NOW: Int64 = 1_795_953_600 // 2026-11-29 12:00 UTC, on a 30-second step boundary
let DAY: Int64 = 86_400

/// A clock the test moves: `sleep` records the request and advances time at once.
final class FakeClock: WalletClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Int64
    private var requested: [Int64] = []

    init(_ start: Int64) { current = start }

    var sleeps: [Int64] { locked { requested } }

    func now() -> Int64 { locked { current } }

    func set(_ time: Int64) { locked { current = time } }

    func sleep(seconds: Int64) async throws {
        try Task.checkCancellation()
        locked {
            requested.append(seconds)
            current += seconds
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// An issuer, its trust list, and a shop's verifier that trusts it.
struct TestWorld {
    let issuer: IssuerKey
    let rootPublicKey: Data
    let trustList: Data

    init() throws {
        let root = try IssuerKey.generate()
        issuer = try IssuerKey.generate()
        let entry = IssuerEntrySpec(
            publicKey: issuer.publicKey(), name: "Landkreis Test", roles: [.cards],
            regions: [9162], cardTypes: [.standard, .gold],
            validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
        trustList = try root.signTrustList(spec: TrustListSpec(
            version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
        rootPublicKey = root.publicKey()
    }

    func verifier(clock: FakeClock) throws -> CardVerifier {
        let verifier = try CardVerifier(rootPublicKey: rootPublicKey, clock: clock)
        try verifier.loadTrustList(trustList)
        return verifier
    }

    func issue(_ name: String = "Erika Mustermann", deviceKey: Data? = nil,
               cardType: CardType = .standard) throws -> IssuedCard {
        try issuer.issueCard(request: CardRequest(
            holderName: name, birthday: nil, cardType: cardType, projectId: 1,
            regionId: 9162, validFrom: "2026-01-01", validUntil: "2028-12-31",
            devicePublicKey: deviceKey), now: NOW)
    }
}
