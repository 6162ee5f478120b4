// The feed store through the Swift bindings: the issuer's `publishFeed` and its report, and each
// store method of FeedStore, the records and enums it returns, the progress listener it calls
// back from its async sync, and each FeedError it throws, crossing the FFI once. The feed is
// the kit tests' (`ServedFeed`: stores and a revocation list served by `ehk serve` on loopback).
// The stories are told by the kit's tests against the same core (ios/linux-tests.sh): German
// spellings, filters, search as you type, nearby, favorites and details in StoreCatalogTests;
// progress, deltas, favorites across syncs, the verifier of the feed, failures and cancellation
// that change nothing in FeedSyncerTests.

import EhkCore
import Foundation

func testFeedStoreMethods() throws {
    let feed = try ServedFeed()
    defer { feed.stop() }
    // publishFeed (in the publisher): the version, the stores and each skipped CSV line.
    let published = feed.publisher.first
    expectEqual(published.version, 1, "first feed version")
    expectEqual(published.stores, 4, "published stores")
    expectEqual(published.importErrors.map { "\($0.line): \($0.reason)" }, ["5: column 'name': empty"], "import errors")
    expectEqual(published.skipped, [], "nothing left out")

    // sync (async) with a listener that Rust calls back; every field of SyncReport and SyncOutcome.
    let phone = try feed.phone(platform: .android)
    expectEqual(try phone.feedVersion(), nil, "no feed version before the first sync")
    expectEqual(phone.trustListVersion(), 1, "the shipped trust list before the first sync")
    let progress = ProgressLog()
    let first = try blocking { try await feed.sync(phone, progress: progress) }
    guard case let .updated(from, to, viaDelta, downloadedBytes) = first.outcome else {
        expect(false, "first sync should update, got \(first)")
        return
    }
    expectEqual(from, nil, "first sync from")
    expectEqual(to, 1, "first sync to")
    expect(!viaDelta, "the first sync is a full snapshot")
    expect(downloadedBytes > 0, "downloaded bytes: \(downloadedBytes)")
    expectEqual(first.geofence, GeofenceUpdate(notify: [], register: nil), "no fix yet: nothing to register")
    let calls = progress.calls
    expect(!calls.isEmpty, "progress was reported")
    if let last = calls.last { expectEqual(last.0, last.1, "progress ends at done == total") }
    expectEqual(try phone.storeCount(), 4, "stores on the phone")
    expectEqual(try phone.feedVersion(), 1, "feed version on the phone")
    expectEqual(try blocking { try await feed.sync(phone) }.outcome, .notModified(version: 1), "second sync")
    phone.cancelSync() // no sync runs: a cancel now does not reach the next one
    expectEqual(try feed.publisher.publish().version, 2, "second feed version")
    let delta = try blocking { try await feed.sync(phone) }.outcome
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

    // verify: the store's own verifier with the synced trust list and revocation list.
    expectEqual(phone.trustListVersion(), 1, "trust list from the feed")
    expectEqual(phone.verify(qrText: feed.publisher.revokedCard.qrText, now: NOW).invalidReason, .revoked,
                "revocation list from the feed")
    let valid = phone.verify(qrText: try feed.publisher.world.issue("Max Mustermann").qrText, now: NOW).validCard
    expectEqual(valid?.issuerKeyId, feed.publisher.issuer.keyId(), "the signer's key id")
}

/// Cancels the sync from its own progress callback (another thread would do the same).
final class CancelAtOnce: ProgressListener, @unchecked Sendable {
    let store: FeedStore
    init(_ store: FeedStore) { self.store = store }
    func progress(done: UInt64, total: UInt64) { store.cancelSync() }
}

func testFeedErrors() throws {
    let feed = try ServedFeed()
    defer { feed.stop() }
    let phone = try blocking { try await feed.syncedPhone() }
    func sync(_ store: FeedStore, url: String? = nil, now: Int64 = NOW,
              progress: ProgressListener? = nil) throws -> SyncReport {
        try blocking { try await store.sync(url: url ?? feed.url, now: now, progress: progress) }
    }
    func isInvalidArgument(_ error: FeedError) -> Bool {
        if case .InvalidArgument = error { return true }
        return false
    }
    expectThrows("ftp URL", FeedError.self, matching: isInvalidArgument) { try sync(phone, url: "ftp://example") }
    expectThrows("nobody listens", FeedError.self, matching: { if case .Network = $0 { true } else { false } }) {
        try sync(phone, url: "http://127.0.0.1:9")
    }
    let world = feed.publisher.world
    let stranger = try IssuerKey.generate()
    let otherRoot = try feed.phone("other-root.db",
                                   pin: world.pin(try world.trustList(signer: stranger), rootPublicKey: stranger.publicKey()))
    expectThrows("wrong root key", FeedError.self, matching: { $0 == .BadSignature }) { try sync(otherRoot) }
    let fresh = try feed.phone("fresh.db")
    expectThrows("expired feed", FeedError.self, matching: { $0 == .Expired }) { try sync(fresh, now: NOW + 15 * DAY) }
    expectThrows("cancelled sync", FeedError.self, matching: { $0 == .Cancelled }) {
        try sync(fresh, progress: CancelAtOnce(fresh))
    }
    expectThrows("latitude 123", FeedError.self, matching: isInvalidArgument) {
        try phone.nearby(position: Position(latitude: 123, longitude: 0), limit: 5, radiusM: nil, category: nil)
    }
    expectThrows("empty path", FeedError.self, matching: isInvalidArgument) {
        try FeedStore.open(path: "", project: feed.pin, platform: .ios, now: NOW)
    }
    expectThrows("short root key", FeedError.self, matching: isInvalidArgument) {
        try feed.phone("short.db", pin: world.pin(rootPublicKey: Data("short".utf8)))
    }
    expectEqual(try phone.storeCount(), 4, "stores unchanged by the failed syncs")
    expectEqual(try phone.feedVersion(), 1, "feed version unchanged by the failed syncs")
}

/// The project pin: a wrong shipped trust list is refused at open; a fresh phone verifies with the
/// shipped list and refuses a feed with an older one; another project's feed signed by the same
/// root is `WrongProject` and changes nothing; `resetFeed` goes back to the shipped list.
func testProjectPin() throws {
    let feed = try ServedFeed()
    defer { feed.stop() }
    let world = feed.publisher.world
    func isInvalidArgument(_ error: FeedError) -> Bool {
        if case .InvalidArgument = error { return true }
        return false
    }
    let stranger = try IssuerKey.generate()
    let wrongPins: [(String, ProjectPin)] = [
        ("other-root", world.pin(try world.trustList(signer: stranger))),
        ("other-project", world.pin(try world.trustList(projectId: 2))),
        ("pinned-elsewhere", world.pin(projectId: 2)),
        ("garbage", world.pin(Data("not a trust list".utf8))),
    ]
    for (name, pin) in wrongPins {
        expectThrows(name, FeedError.self, matching: isInvalidArgument) { try feed.phone("\(name).db", pin: pin) }
    }

    let phone = try feed.phone()
    let card = feed.publisher.revokedCard
    expect(phone.verify(qrText: card.qrText, now: NOW).validCard != nil, "valid offline before any sync")
    let newer = try feed.phone("newer-app.db", pin: world.pin(try world.trustList(version: 2)))
    expectThrows("older trust list than shipped", FeedError.self,
                 matching: { $0 == .VersionNotNewer(offered: 1, current: 2) }) {
        try blocking { try await feed.sync(newer) }
    }
    expectEqual(try newer.storeCount(), 0, "nothing stored from the older feed")

    try blocking { try await feed.sync(phone) }
    let projectTwo = feed.dir.path("project-2")
    try feed.publisher.publish(trustList: try world.trustList(version: 5, projectId: 2), into: projectTwo)
    let foreign = try FeedServer(dir: projectTwo)
    defer { foreign.stop() }
    expectThrows("another project's feed", FeedError.self, matching: { $0 == .WrongProject(offered: 2, pinned: 1) }) {
        try blocking { try await phone.sync(url: foreign.url, now: NOW) }
    }
    expectEqual(try phone.feedVersion(), 1, "feed version kept")
    expectEqual(try phone.storeCount(), 4, "stores kept")
    expectEqual(phone.verify(qrText: card.qrText, now: NOW).validCard == nil, true, "still revoked")

    _ = try phone.resetFeed(now: NOW)
    expectEqual(try phone.feedVersion(), nil, "no feed after the reset")
    expectEqual(phone.trustListVersion(), 1, "back to the shipped trust list")
    expect(phone.verify(qrText: card.qrText, now: NOW).validCard != nil, "valid on the shipped list")
}
