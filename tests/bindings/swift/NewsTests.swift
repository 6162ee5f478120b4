// Geofenced news through the Swift bindings: each method of NewsEngine, the records it returns
// and its errors cross the FFI once, against the kit tests' feed (`ServedFeed(news: sampleNews)`:
// a bundle signed with `signNewsBundle`, published with `publishFeedWithNews`, served by
// `ehk serve`, synced). The geofencing story (dwell then once only, muted categories, the regions
// to monitor and when to register them again, offers near favorites, the polygon's hole, the news
// list's texts) is told by the kit's GeofenceCoordinatorTests against the same core.

import EhkCore
import Foundation

func testNewsEngineMethods() throws {
    let feed = try ServedFeed(news: sampleNews)
    defer { feed.stop() }
    let phone = try feed.syncedPhone()
    let engine = try feed.newsEngine()
    expectEqual(try engine.reload(stores: phone, rootPublicKey: feed.rootPublicKey, now: NOW,
                                  offersNearFavorites: false), 2, "news items loaded")

    // newsAt: every field of NewsItem (a geoJson area; the distance is to the area's centre).
    let inRing = try engine.newsAt(position: newsRingPoint, now: NOW)
    expectEqual(inRing, [NewsItem(
        id: "ring", titleDe: "Titel ring", titleEn: "Title ring", bodyDe: "Text ring", bodyEn: "",
        category: .notice, priority: 1, validFrom: NOW - DAY, validUntil: NOW + 7 * DAY, storeId: nil,
        distanceM: inRing.first?.distanceM ?? 0)], "news in the ring")
    let distance = inRing.first?.distanceM ?? 0
    expect(distance > 7_000 && distance < 9_000, "about 8 km to the ring's centre: \(distance)")

    // onPosition: the dwell's first fix, then the notification (a circle area).
    expectEqual(try engine.onPosition(position: newsMarket, accuracyM: 10, now: NOW), [], "first fix")
    expectEqual(try engine.onPosition(position: newsMarket, accuracyM: 10, now: NOW + 61).map(\.id), ["market"],
                "after dwelling")

    // regionsToMonitor: every field of MonitorRegion.
    let regions = try engine.regionsToMonitor(position: newsMarket, max: 20, now: NOW)
    expectEqual(regions.last?.refresh, true, "the last region is the refresh region")
    expectEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"], "monitored regions")
    let market = regions.first { $0.id == "market" }
    expectEqual(market?.center, newsMarket, "the market's centre")
    expectEqual(market?.radiusM, 400, "the market's radius")
    expect(regions.allSatisfy { $0.radiusM >= 100 }, "radii >= 100 m: \(regions.map(\.radiusM))")

    // The policy: muting, settings read and written.
    try engine.setMuted(category: .notice, muted: true)
    let settings = try engine.settings()
    expectEqual(settings.dwellSecs, 60, "dwell seconds")
    expectEqual(settings.maxPerDay, 3, "max per day")
    var changed = settings
    changed.dwellSecs = 120
    changed.maxPerDay = 5
    changed.quietStartMinute = 23 * 60
    changed.quietEndMinute = 6 * 60
    try engine.setSettings(settings: changed)
    expectEqual(try engine.settings(), changed, "settings written")

    // Offers near favorites: an item for the favorite store, with its store id.
    guard let bakery = try phone.nearby(position: bakeryPosition, limit: 1, radiusM: nil, category: nil).first else {
        expect(false, "no store near the bakery")
        return
    }
    _ = try phone.setFavorite(storeId: bakery.id, favorite: true, now: NOW)
    expectEqual(try engine.reload(stores: phone, rootPublicKey: feed.rootPublicKey, now: NOW,
                                  offersNearFavorites: true), 3, "news items with the favorite's offer")
    let atBakery = try engine.newsAt(position: bakeryPosition, now: NOW)
    expectEqual(atBakery.map { "\($0.id) \(String(describing: $0.storeId)) \($0.category)" },
                ["favorite-\(bakery.id) \(String(describing: Optional(bakery.id))) offer"], "offer at the bakery")
}

func testNewsErrors() throws {
    let feed = try ServedFeed(news: sampleNews)
    defer { feed.stop() }
    let phone = try feed.syncedPhone()
    let engine = try feed.newsEngine()
    expectThrows("latitude 100", NewsError.self, matching: {
        if case .InvalidArgument = $0 { return true } else { return false }
    }) { try engine.newsAt(position: Position(latitude: 100, longitude: 0), now: NOW) }
    expectThrows("short root key", NewsError.self, matching: {
        if case .InvalidArgument = $0 { return true } else { return false }
    }) { try engine.reload(stores: phone, rootPublicKey: Data("short".utf8), now: NOW, offersNearFavorites: false) }
    expectThrows("open ring", IssueError.self, matching: {
        if case .InvalidRequest = $0 { return true } else { return false }
    }) { try feed.publisher.issuer.signNewsBundle(version: 2, issuedAt: NOW, expiresAt: NOW + DAY,
                                                  items: [newsItem("x", .geoJson(geojson: newsOpenRing))]) }
}
