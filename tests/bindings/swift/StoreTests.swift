// The store database and the feed through the Swift bindings: each method of StoreDatabase, the
// records and enums it returns, the progress listener it calls back, and each error it throws
// cross the FFI once. The feed is the kit tests' (`ServedFeed`: stores and a revocation list
// published with `publishFeed`, served by `ehk serve` on loopback). The stories are told by the
// kit's tests against the same core (ios/linux-tests.sh): German spellings, filters, search as you
// type, nearby, favorites and details in StoreCatalogTests; progress, deltas, favorites across
// syncs, the verifier from the feed, failures and cancellation that change nothing in
// FeedSyncerTests.

import EhkCore
import Foundation

func testStoreDatabaseMethods() throws {
    let feed = try ServedFeed()
    defer { feed.stop() }
    // importStores (the publisher's source database) and publishFeed.
    let report = feed.publisher.importReport
    expectEqual(report.imported, 4, "imported stores")
    expectEqual(report.errors.map { "\($0.line): \($0.reason)" }, ["5: name is empty"], "import errors")

    // sync with a listener that Rust calls back; every field of SyncResult.
    let phone = try feed.phone()
    expectEqual(try phone.feedVersion(), nil, "no feed version before the first sync")
    let progress = ProgressLog()
    let first = try feed.sync(phone, progress: progress)
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
    expectEqual(try phone.storeCount(), 4, "stores on the phone")
    expectEqual(try phone.feedVersion(), 1, "feed version on the phone")
    expectEqual(try feed.sync(phone), .notModified(version: 1), "second sync")
    expectEqual(try feed.publisher.publish(), 2, "second feed version")
    let delta = try feed.sync(phone)
    guard case let .updated(deltaFrom, deltaTo, isDelta, deltaBytes) = delta else {
        expect(false, "the sync after version 2 should update, got \(delta)")
        return
    }
    expectEqual(deltaFrom, 1, "delta from")
    expectEqual(deltaTo, 2, "delta to")
    expect(isDelta, "version 2 comes as a delta")
    expect(deltaBytes > 0, "delta bytes: \(deltaBytes)")

    // search: every field of StoreQuery and of the StoreSummary it returns.
    func names(_ text: String, category: UInt32? = nil, near: Position? = nil, radiusM: Double? = nil,
               sortByDistance: Bool = false, offset: UInt32 = 0, limit: UInt32 = 20) throws -> [String] {
        try phone.search(query: StoreQuery(text: text, category: category, near: near, radiusM: radiusM,
                                           sortByDistance: sortByDistance, offset: offset, limit: limit)).map(\.name)
    }
    let byDistance = try phone.search(query: StoreQuery(
        text: "münchen", category: nil, near: marienplatz, radiusM: nil, sortByDistance: true, offset: 0, limit: 20))
    expectEqual(byDistance.map(\.name), ["Bäckerei Müller", "Buchhandlung Weiß", "Café Crème", "Ohne Ort"],
                "nearest first, the store without a position last")
    if let bakery = byDistance.first {
        expectEqual(bakery, StoreSummary(
            id: bakery.id, name: "Bäckerei Müller", categoryId: 0, street: "Hauptstraße", houseNumber: "1",
            postalCode: "80331", city: "München", position: Position(latitude: 48.137, longitude: 11.575),
            discountDe: "10 % auf Brezen", discountEn: "10% off pretzels", distanceM: bakery.distanceM,
            favorite: false), "the bakery's summary")
        expect((bakery.distanceM ?? .infinity) < 100, "distance to the bakery: \(String(describing: bakery.distanceM))")
    }
    expectEqual(byDistance.last?.position, nil, "no position")
    expectEqual(byDistance.last?.distanceM, nil, "no distance without a position")
    expectEqual(try names("münchen", near: marienplatz, radiusM: 1000, sortByDistance: true),
                ["Bäckerei Müller", "Buchhandlung Weiß", "Café Crème"], "within 1000 m")
    expectEqual(try names("münchen", near: marienplatz, sortByDistance: true, offset: 1, limit: 2),
                ["Buchhandlung Weiß", "Café Crème"], "offset and limit")
    expectEqual(try names("buch", category: 1), ["Buchhandlung Weiß"], "category filter")
    phone.cancelSearch() // interrupts only a search that runs now
    expectEqual(try names("Mueller"), ["Bäckerei Müller"], "a search after cancelSearch")

    // nearby, categories, store details, favorites.
    let near = try phone.nearby(position: Position(latitude: 48.135, longitude: 11.57), limit: 1, radiusM: 2000,
                                category: 0)
    expectEqual(near.map(\.name), ["Café Crème"], "nearby")
    guard let cafe = near.first else { return }
    let categories = try phone.categories()
    expectEqual(categories.count, 10, "categories")
    expect(categories.allSatisfy { !$0.nameDe.isEmpty && !$0.nameEn.isEmpty && !$0.icon.isEmpty },
           "every category has names and an icon: \(categories)")
    expectEqual(try phone.store(id: cafe.id), StoreDetails(
        id: cafe.id, name: "Café Crème", categoryId: 0, street: "Sendlinger Straße", houseNumber: "3",
        postalCode: "80331", city: "München", phone: "", email: "", website: "",
        position: Position(latitude: 48.135, longitude: 11.57), regionId: nil,
        discounts: [Discount(textDe: "Kaffee gratis", textEn: "Free coffee", validFrom: nil, validUntil: nil)]),
        "the café's details")
    expectEqual(try phone.store(id: 999_999), nil, "an unknown store")
    expect(try phone.setFavorite(storeId: cafe.id, favorite: true, now: NOW), "favorite set")
    let favorites = try phone.favorites(near: marienplatz)
    expectEqual(favorites.map { "\($0.storeId) \($0.name) \($0.addedAt)" }, ["\(cafe.id) Café Crème \(NOW)"],
                "favorites")
    expectEqual(favorites.first?.store?.favorite, true, "the favorite's store is marked")
    expect(favorites.first?.store?.distanceM != nil, "the favorite's distance from the given position")

    // verifier: a Verifier object with the synced trust list and revocation list.
    let verifier = try phone.verifier(rootPublicKey: feed.rootPublicKey)
    expectEqual(verifier.trustListVersion(), 1, "trust list from the feed")
    expectEqual(verifier.verify(qrText: feed.publisher.revokedCard.qrText, now: NOW).invalidReason, .revoked,
                "revocation list from the feed")
}

/// Cancels the sync from its own progress callback (another thread would do the same).
final class CancelAtOnce: ProgressListener, @unchecked Sendable {
    let database: StoreDatabase
    init(_ database: StoreDatabase) { self.database = database }
    func progress(done: UInt64, total: UInt64) { database.cancelSync() }
}

func testStoreAndSyncErrors() throws {
    let feed = try ServedFeed()
    defer { feed.stop() }
    let phone = try feed.syncedPhone()
    let rootKey = feed.rootPublicKey
    func sync(_ database: StoreDatabase, url: String? = nil, root: Data? = nil, now: Int64 = NOW,
              progress: ProgressListener? = nil) throws -> SyncResult {
        try database.sync(url: url ?? feed.url, rootPublicKey: root ?? rootKey, now: now, progress: progress)
    }
    expectThrows("ftp URL", SyncError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try sync(phone, url: "ftp://example")
    }
    expectThrows("short root key", SyncError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try sync(phone, root: Data("short".utf8))
    }
    expectThrows("nobody listens", SyncError.self, matching: { if case .Network = $0 { true } else { false } }) {
        try sync(phone, url: "http://127.0.0.1:9")
    }
    let fresh = try feed.phone("fresh.db")
    expectThrows("wrong root key", SyncError.self, matching: { $0 == .BadSignature }) {
        try sync(fresh, root: try IssuerKey.generate().publicKey())
    }
    expectThrows("expired feed", SyncError.self, matching: { $0 == .Expired }) {
        try sync(fresh, now: NOW + 15 * DAY)
    }
    expectThrows("cancelled sync", SyncError.self, matching: { $0 == .Cancelled }) {
        try sync(fresh, progress: CancelAtOnce(fresh))
    }
    expectThrows("latitude 123", StoreError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try phone.nearby(position: Position(latitude: 123, longitude: 0), limit: 5, radiusM: nil, category: nil)
    }
    expectThrows("empty path", StoreError.self, matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try StoreDatabase.open(path: "")
    }
    expectThrows("verifier with a short root key", TrustError.self,
                 matching: { if case .InvalidArgument = $0 { true } else { false } }) {
        try phone.verifier(rootPublicKey: Data("short".utf8))
    }
    expectEqual(try phone.storeCount(), 4, "stores unchanged by the failed syncs")
    expectEqual(try phone.feedVersion(), 1, "feed version unchanged by the failed syncs")
}
