// The store database and the feed through the Swift bindings (the same story as
// tests/bindings/python/test_stores.py): an issuer imports stores and publishes a signed feed,
// `ehk serve` serves it on loopback, a phone database syncs (with progress), searches with
// German spellings, finds the nearest stores, keeps favorites across syncs, and gets its
// verifier's trust list and revocation list from the same sync.

import EhkCore
import Foundation

let storesCsvHeader =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,"
    + "discountDE,discountEN,categoryId\n"
let cafeRow = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
let storesCsv = storesCsvHeader
    + "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n"
    + "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n"
    + cafeRow
    + ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n"
    + "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
let marienplatz = Position(latitude: 48.1374, longitude: 11.5755)

/// Root, an issuer with the cards and stores roles, a trust list, a source database and a feed
/// directory; a revoked card; version 1 published and served; an empty phone database.
final class FeedWorld {
    let dir: URL
    let root: IssuerKey
    let issuer: IssuerKey
    let trust: Data
    let source: StoreDatabase
    let feedDir: String
    let card: IssuedCard
    let server: FeedServer
    let phone: StoreDatabase

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ehk-stores-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        root = try IssuerKey.generate()
        issuer = try IssuerKey.generate()
        let entry = IssuerEntrySpec(
            publicKey: issuer.publicKey(), name: "Landkreis Test", roles: [.cards, .stores],
            regions: nil, cardTypes: [.standard, .gold],
            validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
        trust = try root.signTrustList(spec: TrustListSpec(
            version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
        source = try StoreDatabase.open(path: dir.appendingPathComponent("source.db").path)
        feedDir = dir.appendingPathComponent("feed").path

        let report = try source.importStores(data: Data(storesCsv.utf8), geojson: false)
        expectEqual(report.imported, 4, "imported stores")
        expectEqual(report.errors.map { "\($0.line): \($0.reason)" }, ["5: name is empty"], "import errors")
        card = try issuer.issueCard(request: request("Erika Mustermann"), now: NOW)
        let revoked = try issuer.signRevocationList(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY,
                                                    cardIds: [card.cardId])
        let version = try source.publishFeed(
            dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: trust,
            revocationLists: [revoked], now: NOW, expiresInSecs: 14 * DAY)
        expectEqual(version, 1, "first feed version")
        server = try FeedServer(dir: feedDir)
        phone = try StoreDatabase.open(path: dir.appendingPathComponent("phone.db").path)
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    @discardableResult
    func publish(_ revocations: [Data] = []) throws -> UInt64 {
        try source.publishFeed(dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: trust,
                               revocationLists: revocations, now: NOW, expiresInSecs: 14 * DAY)
    }

    @discardableResult
    func sync(_ progress: ProgressListener? = nil) throws -> SyncResult {
        try phone.sync(url: server.url, rootPublicKey: root.publicKey(), now: NOW, progress: progress)
    }

    func search(_ text: String, category: UInt32? = nil, near: Position? = nil, radiusM: Double? = nil,
                byDistance: Bool = false) throws -> [String] {
        try phone.search(query: StoreQuery(text: text, category: category, near: near, radiusM: radiusM,
                                           sortByDistance: byDistance, offset: 0, limit: 20)).map(\.name)
    }
}

func testSyncSearchNearbyFavoritesAndVerifier() throws {
    let world = try FeedWorld()
    defer { world.server.stop() }
    let progress = ProgressLog()
    let first = try world.sync(progress)
    guard case let .updated(from, to, viaDelta, downloadedBytes) = first else {
        expect(false, "first sync should update, got \(first)")
        return
    }
    expectEqual(from, nil, "first sync from")
    expectEqual(to, 1, "first sync to")
    expect(!viaDelta, "the first sync is a full snapshot")
    expect(downloadedBytes > 0, "downloaded bytes: \(downloadedBytes)")
    let calls = progress.calls
    expect(!calls.isEmpty, "progress was reported")
    if let last = calls.last { expectEqual(last.0, last.1, "progress ends at done == total") }
    expectEqual(try world.phone.storeCount(), 4, "stores on the phone")
    expectEqual(try world.phone.feedVersion(), 1, "feed version on the phone")
    expectEqual(try world.sync(), .notModified(version: 1), "second sync")

    for spelling in ["Muller", "Mueller", "müller"] {
        expectEqual(try world.search(spelling), ["Bäckerei Müller"], spelling)
    }
    let strasse = try world.search("Strasse")
    expect(strasse.contains("Café Crème"), "'Strasse' finds the Sendlinger Straße: \(strasse)")
    expectEqual(try world.search("buch", category: 1), ["Buchhandlung Weiß"], "category filter")
    expectEqual(try world.search("münchen", near: marienplatz, byDistance: true).first, "Bäckerei Müller",
                "nearest first")
    let inRadius = try world.search("münchen", near: marienplatz, radiusM: 1000)
    expect(!inRadius.contains("Ohne Ort"), "a store without position is outside any radius: \(inRadius)")

    let near = try world.phone.nearby(position: marienplatz, limit: 2, radiusM: nil, category: nil)
    expectEqual(near.map(\.name), ["Bäckerei Müller", "Buchhandlung Weiß"], "nearby")
    expect((near.first?.distanceM ?? .infinity) < 100, "distance to the bakery: \(String(describing: near.first?.distanceM))")
    let food = try world.phone.nearby(position: marienplatz, limit: 10, radiusM: nil, category: 0)
    expectEqual(Set(food.map(\.name)), ["Bäckerei Müller", "Café Crème"], "nearby in category 0")
    expectEqual(try world.phone.categories().count, 10, "categories")

    guard let cafe = try world.phone.nearby(position: Position(latitude: 48.135, longitude: 11.57), limit: 1,
                                            radiusM: nil, category: nil).first else {
        expect(false, "no store near the café")
        return
    }
    expect(try world.phone.setFavorite(storeId: cafe.id, favorite: true, now: NOW), "favorite set")
    expectEqual(try world.phone.store(id: cafe.id)?.discounts.first?.textEn, "Free coffee", "store details")
    let favorites = try world.phone.favorites(near: marienplatz)
    expectEqual(favorites.map(\.name), ["Café Crème"], "favorites")
    expectEqual(favorites.first?.store?.favorite, true, "the favorite's store is marked")
    expectEqual(try world.phone.setFavorite(storeId: 999_999, favorite: true, now: NOW), false,
                "an unknown store cannot become a favorite")

    // The same sync brought the trust list and the revocation list.
    let verifier = try world.phone.verifier(rootPublicKey: world.root.publicKey())
    expectEqual(verifier.verify(qrText: world.card.qrText, now: NOW).invalidReason, .revoked, "revoked card")

    // Version 2 without the café: the favorite stays, without its store, and comes back.
    _ = try world.source.importStores(data: Data(storesCsv.replacingOccurrences(of: cafeRow, with: "").utf8),
                                      geojson: false)
    expectEqual(try world.publish(), 2, "second feed version")
    let second = try world.sync()
    guard case let .updated(from2, to2, viaDelta2, _) = second else {
        expect(false, "second version should update, got \(second)")
        return
    }
    expectEqual(from2, 1, "delta from")
    expectEqual(to2, 2, "delta to")
    expect(viaDelta2, "version 2 comes as a delta")
    expectEqual(try world.phone.storeCount(), 3, "stores after the café left")
    let orphan = try world.phone.favorites(near: nil)
    expectEqual(orphan.map(\.name), ["Café Crème"], "the favorite stays")
    expect(orphan.first?.store == nil, "the favorite has no store while it is missing: \(orphan)")

    _ = try world.source.importStores(data: Data(storesCsv.utf8), geojson: false)
    expectEqual(try world.publish(), 3, "third feed version")
    _ = try world.sync()
    expectEqual(try world.phone.favorites(near: nil).first?.store?.name, "Café Crème", "the café is back")
}

func testFeedErrorsLeaveTheDatabaseUnchanged() throws {
    let world = try FeedWorld()
    defer { world.server.stop() }
    try world.sync()
    let rootKey = world.root.publicKey()
    expectThrows("ftp URL", SyncError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try world.phone.sync(url: "ftp://example", rootPublicKey: rootKey, now: NOW, progress: nil)
    }
    expectThrows("short root key", SyncError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try world.phone.sync(url: world.server.url, rootPublicKey: Data("short".utf8), now: NOW, progress: nil)
    }
    let otherRoot = try IssuerKey.generate()
    let fresh = try StoreDatabase.open(path: world.dir.appendingPathComponent("fresh.db").path)
    expectThrows("wrong root key", SyncError.self, matching: { $0 == .BadSignature }) {
        try fresh.sync(url: world.server.url, rootPublicKey: otherRoot.publicKey(), now: NOW, progress: nil)
    }
    expectEqual(try fresh.storeCount(), 0, "nothing stored after a bad signature")
    expectEqual(try fresh.feedVersion(), nil, "no feed version after a bad signature")
    expectThrows("expired feed", SyncError.self, matching: { $0 == .Expired }) {
        try fresh.sync(url: world.server.url, rootPublicKey: rootKey, now: NOW + 15 * DAY, progress: nil)
    }
    expectThrows("nobody listens", SyncError.self, matching: { if case .Network = $0 { true } else { false } }) {
        try world.phone.sync(url: "http://127.0.0.1:9", rootPublicKey: rootKey, now: NOW, progress: nil)
    }
    expectThrows("latitude 123", StoreError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try world.phone.nearby(position: Position(latitude: 123, longitude: 0), limit: 5, radiusM: nil, category: nil)
    }
    expectThrows("empty path", StoreError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try StoreDatabase.open(path: "")
    }
    expectEqual(try world.phone.storeCount(), 4, "stores unchanged")
    expectEqual(try world.phone.feedVersion(), 1, "feed version unchanged")
}

/// Cancels the sync from its own progress callback (another thread would do the same).
final class CancelAtOnce: ProgressListener, @unchecked Sendable {
    let database: StoreDatabase
    init(_ database: StoreDatabase) { self.database = database }
    func progress(done: UInt64, total: UInt64) { database.cancelSync() }
}

func testCancelledSyncChangesNothing() throws {
    let world = try FeedWorld()
    defer { world.server.stop() }
    expectThrows("cancelled sync", SyncError.self, matching: { $0 == .Cancelled }) {
        try world.sync(CancelAtOnce(world.phone))
    }
    expectEqual(try world.phone.feedVersion(), nil, "no feed version after a cancelled sync")
    expectEqual(try world.phone.storeCount(), 0, "no stores after a cancelled sync")
    let next = try world.sync()
    guard case .updated = next else {
        expect(false, "the next sync should update, got \(next)")
        return
    }
    expectEqual(try world.phone.storeCount(), 4, "stores after the next sync")
}
