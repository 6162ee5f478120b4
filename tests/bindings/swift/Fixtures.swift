// Shared by the story tests and the benchmark: keys, a trust list, a verifier, card requests,
// and the key stores and logger the Swift shell implements for the core.

import EhkCore
import Foundation

let NOW: Int64 = 1_795_953_600 // 2026-11-29 12:00 UTC
let DAY: Int64 = 86_400

/// Runs `body` under `lock` (NSLock.withLock is not on every Foundation we build with).
@discardableResult
func locked<T>(_ lock: NSLock, _ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
}

/// The shell's key store; on a phone this is the Keychain. The core calls it from any thread.
final class DictKeyStore: KeyStore, @unchecked Sendable {
    private let lock = NSLock()
    private var secrets: [String: Data] = [:]
    private var saveCount = 0

    var saves: Int { locked(lock) { saveCount } }

    func load(alias: String) throws -> Data? {
        locked(lock) { secrets[alias] }
    }

    func save(alias: String, secret: Data) throws {
        locked(lock) {
            saveCount += 1
            secrets[alias] = secret
        }
    }
}

/// A locked Keychain: throws the declared error type.
final class LockedKeyStore: KeyStore, @unchecked Sendable {
    func load(alias: String) throws -> Data? { throw KeyStoreError.Unavailable(detail: "locked") }
    func save(alias: String, secret: Data) throws { throw KeyStoreError.Unavailable(detail: "locked") }
}

/// A key store that throws some other Swift error, which UniFFI reports as an unexpected error.
final class FaultyKeyStore: KeyStore, @unchecked Sendable {
    struct Fault: Error {}
    func load(alias: String) throws -> Data? { throw Fault() }
    func save(alias: String, secret: Data) throws { throw Fault() }
}

final class ListLogger: Logger, @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(LogLevel, String, String)] = []

    var messages: [String] { locked(lock) { entries.map { $0.2 } } }

    func log(level: LogLevel, target: String, message: String) {
        locked(lock) { entries.append((level, target, message)) }
    }
}

struct World {
    let root: IssuerKey
    let issuer: IssuerKey
    let trust: Data
    let verifier: Verifier
}

func makeWorld() throws -> World {
    let root = try IssuerKey.generate()
    let issuer = try IssuerKey.generate()
    let entry = IssuerEntrySpec(
        publicKey: issuer.publicKey(), name: "Landkreis Test", roles: [.cards],
        regions: [9162], cardTypes: [.standard, .gold],
        validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
    let trust = try root.signTrustList(spec: TrustListSpec(
        version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
    let verifier = try Verifier(rootPublicKey: root.publicKey())
    _ = try verifier.loadTrustList(signedList: trust)
    return World(root: root, issuer: issuer, trust: trust, verifier: verifier)
}

func request(_ name: String, deviceKey: Data? = nil) -> CardRequest {
    CardRequest(
        holderName: name, birthday: nil, cardType: .standard, projectId: 1,
        regionId: 9162, validFrom: "2026-01-01", validUntil: "2028-12-31",
        devicePublicKey: deviceKey)
}

extension Verification {
    var validCard: ValidCard? {
        if case let .valid(card) = self { return card }
        return nil
    }

    var invalidReason: InvalidReason? {
        if case let .invalid(reason) = self { return reason }
        return nil
    }
}

final class ProgressLog: ProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var log: [(UInt64, UInt64)] = []

    var calls: [(UInt64, UInt64)] { locked(lock) { log } }

    func progress(done: UInt64, total: UInt64) {
        locked(lock) { log.append((done, total)) }
    }
}
