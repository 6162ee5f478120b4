// Test support shared by the kit's tests (this folder belongs to the EhrenamtskarteKitTests
// target) and the binding tests in tests/bindings/swift (run.sh and bench.sh compile the files of
// this folder with swiftc). It imports only EhkCore and Foundation: no XCTest, no
// EhrenamtskarteKit. A setup step that goes wrong throws `FixtureError`, which fails the test in
// either runner.
//
// This file: the clock constants, the key stores, logger and progress listener the shells
// implement for the core, a temporary directory, and a small trust world (root key, issuer, signed
// trust list, verifier) with card requests.

import EhkCore
import Foundation

let NOW: Int64 = 1_795_953_600 // 2026-11-29 12:00 UTC, on a 30-second step boundary
let DAY: Int64 = 86_400

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// Throws `FixtureError(message)` unless `condition` holds (a fixture's own sanity check).
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw FixtureError(description: message()) }
}

/// Runs `body` under `lock` (NSLock.withLock is not on every Foundation we build with).
@discardableResult
func locked<T>(_ lock: NSLock, _ body: () throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body()
}

/// Collects values from any thread.
final class Recorder<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    var values: [T] { locked(lock) { items } }

    func append(_ value: T) {
        locked(lock) { items.append(value) }
    }
}

extension Result where Failure == Error {
    /// `Result { try await … }`.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}

/// Runs an async call to its end from synchronous code (the binding tests' harness): the call
/// runs in a task, the calling thread waits for it.
func blocking<T>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let done = DispatchSemaphore(value: 0)
    let outcome = Recorder<Result<T, Error>>()
    Task {
        outcome.append(await Result(catching: body))
        done.signal()
    }
    done.wait()
    return try outcome.values[0].get()
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
    private let entries = Recorder<(LogLevel, String, String)>()

    var messages: [String] { entries.values.map { $0.2 } }

    func log(level: LogLevel, target: String, message: String) {
        entries.append((level, target, message))
    }
}

/// Records the core's progress calls `(done, total)`.
final class ProgressLog: ProgressListener, @unchecked Sendable {
    private let log = Recorder<(UInt64, UInt64)>()

    var calls: [(UInt64, UInt64)] { log.values }

    func progress(done: UInt64, total: UInt64) {
        log.append((done, total))
    }
}

/// A temporary directory, removed with the object.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ehk-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A root key, an issuer it trusts (by default for cards in region 9162), the signed trust list
/// (version 1, valid for 30 days) and a verifier that loaded it.
struct World {
    let root: IssuerKey
    let issuer: IssuerKey
    let entry: IssuerEntrySpec
    let trust: Data
    let verifier: Verifier

    init(roles: [Role] = [.cards], regions: [UInt32]? = [9162]) throws {
        root = try IssuerKey.generate()
        issuer = try IssuerKey.generate()
        entry = IssuerEntrySpec(
            publicKey: issuer.publicKey(), name: "Landkreis Test", roles: roles,
            regions: regions, cardTypes: [.standard, .gold],
            validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
        trust = try root.signTrustList(spec: TrustListSpec(
            version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
        verifier = try Verifier(rootPublicKey: root.publicKey())
        try require(try verifier.loadTrustList(signedList: trust) == .updated, "the fresh verifier took the trust list")
    }

    var rootPublicKey: Data { root.publicKey() }

    /// The issuer's trust list of `projectId` at `version`, signed by `signer` (the root by default).
    func trustList(version: UInt64 = 1, projectId: UInt32 = 1, signer: IssuerKey? = nil) throws -> Data {
        try (signer ?? root).signTrustList(spec: TrustListSpec(
            version: version, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: projectId, issuers: [entry]))
    }

    /// The project an app built with `trustList` (the world's trust list by default) is pinned to.
    func pin(_ trustList: Data? = nil, projectId: UInt32 = 1, rootPublicKey: Data? = nil) -> ProjectPin {
        ProjectPin(rootPublicKey: rootPublicKey ?? self.rootPublicKey, projectId: projectId, trustList: trustList ?? trust)
    }

    /// A card for `name` from the world's issuer, issued at NOW.
    func issue(_ name: String = "Erika Mustermann", deviceKey: Data? = nil,
               cardType: CardType = .standard) throws -> IssuedCard {
        try issuer.issueCard(request: request(name, deviceKey: deviceKey, cardType: cardType), now: NOW)
    }
}

/// A card request in region 9162, valid 2026-01-01 to 2028-12-31.
func request(_ name: String, deviceKey: Data? = nil, cardType: CardType = .standard) -> CardRequest {
    CardRequest(
        holderName: name, birthday: nil, cardType: cardType, projectId: 1,
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
