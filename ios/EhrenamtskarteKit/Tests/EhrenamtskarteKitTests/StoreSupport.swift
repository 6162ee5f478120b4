import EhkCore
import EhrenamtskarteKit
import Foundation
import XCTest

let cafeRow = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
let storesCsv =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,"
    + "discountDE,discountEN,categoryId\n"
    + "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n"
    + "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n"
    + cafeRow
    + ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n"
    + "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
let marienplatz = Position(latitude: 48.1374, longitude: 11.5755)

/// A temporary directory, removed with the object.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ehk-kit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A phone catalog filled straight from the CSV (no feed, no network).
func importedCatalog(in dir: TempDir, clock: FakeClock = FakeClock(NOW)) throws -> StoreCatalog {
    let database = try StoreDatabase.open(path: dir.path("stores.db"))
    let report = try database.importStores(data: Data(storesCsv.utf8), geojson: false)
    XCTAssertEqual(report.imported, 4)
    XCTAssertEqual(report.errors.map(\.line), [5])
    return StoreCatalog(database: database, clock: clock)
}

/// Root, an issuer with the cards and stores roles, a source database with the stores, a revoked
/// card, feed version 1 published into `feedDir`.
struct FeedPublisher {
    let root: IssuerKey
    let issuer: IssuerKey
    let trust: Data
    let source: StoreDatabase
    let feedDir: String
    let revokedCard: IssuedCard
    let revocations: Data

    init(dir: TempDir) throws {
        root = try IssuerKey.generate()
        issuer = try IssuerKey.generate()
        let entry = IssuerEntrySpec(
            publicKey: issuer.publicKey(), name: "Landkreis Test", roles: [.cards, .stores],
            regions: nil, cardTypes: [.standard, .gold],
            validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
        trust = try root.signTrustList(spec: TrustListSpec(
            version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
        source = try StoreDatabase.open(path: dir.path("source.db"))
        feedDir = dir.path("feed")
        _ = try source.importStores(data: Data(storesCsv.utf8), geojson: false)
        revokedCard = try issuer.issueCard(request: CardRequest(
            holderName: "Erika Mustermann", birthday: nil, cardType: .standard, projectId: 1,
            regionId: 9162, validFrom: "2026-01-01", validUntil: "2028-12-31", devicePublicKey: nil), now: NOW)
        revocations = try issuer.signRevocationList(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY,
                                                    cardIds: [revokedCard.cardId])
        XCTAssertEqual(try publish(), 1)
    }

    @discardableResult
    func publish() throws -> UInt64 {
        try source.publishFeed(dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: trust,
                               revocationLists: [revocations], now: NOW, expiresInSecs: 14 * DAY)
    }
}

/// Collects values from any thread.
final class Recorder<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []

    var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    func append(_ value: T) {
        lock.lock()
        items.append(value)
        lock.unlock()
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
