// Geofenced news through the Swift bindings (the same story as
// tests/bindings/python/test_news.py): an issuer signs a news bundle (areas checked), publishes
// it in the feed, a phone syncs, and the news engine answers what applies at a position, which
// notifications to show along a walk, and which regions to monitor.

import EhkCore
import Foundation

let newsMarket = Position(latitude: 49.4539, longitude: 11.0775)
let newsRingPoint = Position(latitude: 49.41, longitude: 11.01)
let newsRing = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]],"
    + "[[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}"
let newsOpenRing = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49],[12,49],[12,50],[11,50]]]}"

func newsItem(_ id: String, _ area: NewsArea, priority: UInt8 = 1,
              category: NewsCategory = .event) -> NewsItemSpec {
    NewsItemSpec(id: id, titleDe: "Titel \(id)", titleEn: "Title \(id)", bodyDe: "", bodyEn: "",
                 category: category, priority: priority, validFrom: NOW - DAY, validUntil: NOW + 7 * DAY,
                 storeId: nil, area: area)
}

/// Root, an issuer with the cards, stores and news roles, a feed with two news items served by
/// `ehk serve`, a synced phone database and a news engine loaded from it.
final class NewsWorld {
    let dir: URL
    let root: IssuerKey
    let issuer: IssuerKey
    let server: FeedServer
    let phone: StoreDatabase
    let engine: NewsEngine

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ehk-news-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        root = try IssuerKey.generate()
        issuer = try IssuerKey.generate()
        let entry = IssuerEntrySpec(
            publicKey: issuer.publicKey(), name: "Stadt Nürnberg", roles: [.cards, .stores, .news],
            regions: nil, cardTypes: [.standard],
            validFrom: NOW - 365 * DAY, validUntil: NOW + 365 * DAY, withdrawn: false)
        let trust = try root.signTrustList(spec: TrustListSpec(
            version: 1, issuedAt: NOW - DAY, expiresAt: NOW + 30 * DAY, projectId: 1, issuers: [entry]))
        let source = try StoreDatabase.open(path: dir.appendingPathComponent("source.db").path)
        _ = try source.importStores(data: Data(storesCsv.utf8), geojson: false)
        let bundle = try issuer.signNewsBundle(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, items: [
            newsItem("market", .circle(center: newsMarket, radiusM: 400), priority: 5),
            newsItem("ring", .geoJson(geojson: newsRing), priority: 1, category: .notice),
        ])
        let feedDir = dir.appendingPathComponent("feed").path
        let version = try source.publishFeedWithNews(
            dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: trust,
            revocationLists: [], newsBundles: [bundle], now: NOW, expiresInSecs: 14 * DAY)
        expectEqual(version, 1, "first feed version")
        server = try FeedServer(dir: feedDir)
        phone = try StoreDatabase.open(path: dir.appendingPathComponent("phone.db").path)
        _ = try phone.sync(url: server.url, rootPublicKey: root.publicKey(), now: NOW, progress: nil)
        engine = try NewsEngine.open(statePath: dir.appendingPathComponent("news-state.db").path)
        expectEqual(try engine.reload(stores: phone, rootPublicKey: root.publicKey(), now: NOW,
                                      offersNearFavorites: false), 2, "news items loaded")
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}

func testNewsAtWithHoles() throws {
    let world = try NewsWorld()
    defer { world.server.stop() }
    expectEqual(try world.engine.newsAt(position: newsMarket, now: NOW).map(\.id), ["market"], "at the market")
    expectEqual(try world.engine.newsAt(position: Position(latitude: 49.45, longitude: 11.075), now: NOW),
                [], "in the hole")
    let inRing = try world.engine.newsAt(position: newsRingPoint, now: NOW)
    expectEqual(inRing.map(\.id), ["ring"], "in the ring")
    expectEqual(inRing.first?.category, .notice, "ring category")
}

func testNewsWalkAndRegions() throws {
    let world = try NewsWorld()
    defer { world.server.stop() }
    let engine = world.engine
    // Dwell: the first fix starts it, a fix 61 s later notifies, never twice.
    expectEqual(try engine.onPosition(position: newsMarket, accuracyM: 10, now: NOW), [], "first fix")
    expectEqual(try engine.onPosition(position: newsMarket, accuracyM: 10, now: NOW + 61).map(\.id), ["market"],
                "after dwelling")
    expectEqual(try engine.onPosition(position: newsMarket, accuracyM: 10, now: NOW + 200), [], "never twice")
    try engine.setMuted(category: .notice, muted: true)
    expectEqual(try engine.onPosition(position: newsRingPoint, accuracyM: 10, now: NOW + 300), [], "ring start")
    expectEqual(try engine.onPosition(position: newsRingPoint, accuracyM: 10, now: NOW + 400), [], "muted")
    let settings = try engine.settings()
    expectEqual(settings.dwellSecs, 60, "dwell seconds")
    expectEqual(settings.maxPerDay, 3, "max per day")

    let regions = try engine.regionsToMonitor(position: newsMarket, max: 20, now: NOW)
    expectEqual(regions.last?.refresh, true, "the last region is the refresh region")
    expectEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"], "monitored regions")
    expect(regions.allSatisfy { $0.radiusM >= 100 }, "radii >= 100 m: \(regions.map(\.radiusM))")
}

func testNewsOffersNearFavoritesAndErrors() throws {
    let world = try NewsWorld()
    defer { world.server.stop() }
    let bakeryPosition = Position(latitude: 48.137, longitude: 11.575)
    guard let bakery = try world.phone.nearby(position: bakeryPosition, limit: 1, radiusM: nil,
                                              category: nil).first else {
        expect(false, "no store near the bakery")
        return
    }
    _ = try world.phone.setFavorite(storeId: bakery.id, favorite: true, now: NOW)
    expectEqual(try world.engine.reload(stores: world.phone, rootPublicKey: world.root.publicKey(), now: NOW,
                                        offersNearFavorites: true), 3, "news items with the favorite's offer")
    let atBakery = try world.engine.newsAt(position: bakeryPosition, now: NOW)
    expectEqual(atBakery.map { "\($0.id) \(String(describing: $0.storeId))" },
                ["favorite-\(bakery.id) \(String(describing: Optional(bakery.id)))"], "offer at the bakery")

    expectThrows("latitude 100", NewsError.self, matching: {
        if case .InvalidArgument = $0 { return true } else { return false }
    }) { try world.engine.newsAt(position: Position(latitude: 100, longitude: 0), now: NOW) }
    expectThrows("short root key", NewsError.self, matching: {
        if case .InvalidArgument = $0 { return true } else { return false }
    }) { try world.engine.reload(stores: world.phone, rootPublicKey: Data("short".utf8), now: NOW,
                                 offersNearFavorites: false) }
    expectThrows("open ring", IssueError.self, matching: {
        if case .InvalidRequest = $0 { return true } else { return false }
    }) { try world.issuer.signNewsBundle(version: 2, issuedAt: NOW, expiresAt: NOW + DAY,
                                         items: [newsItem("x", .geoJson(geojson: newsOpenRing))]) }
}
