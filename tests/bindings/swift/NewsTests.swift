// Geofenced news through the Swift bindings: each news and geofencing method of FeedStore, the
// records it returns (NewsItem, GeofenceUpdate, the flat MonitorRegion, PolicySettings) and its
// errors cross the FFI once, against the kit tests' feed (`ServedFeed(news: sampleNews)`: a
// bundle signed with `signNewsBundle`, published with the stores, served by `ehk serve`,
// synced). The geofencing story on iOS (an entry event and one fix, the dwell, permission
// granted later, regions refused, registered again after the refresh circle or a sync, muted
// categories, offers near favorites, the polygon's hole, the news list's texts) is told by the
// kit's GeofenceCoordinatorTests against the same core.

import EhkCore
import Foundation

func testNewsAndGeofencingMethods() throws {
    let feed = try ServedFeed(news: sampleNews)
    defer { feed.stop() }
    let store = try blocking { try await feed.syncedPhone(platform: .android) }
    expectEqual(store.newsCount(), 2, "news items loaded by the sync")

    // newsAt: every field of NewsItem (a geoJson area; the distance is to the area's centre).
    let inRing = try store.newsAt(position: newsRingPoint, now: NOW)
    expectEqual(inRing, [NewsItem(
        id: "ring", titleDe: "Titel ring", titleEn: "Title ring", bodyDe: "Text ring", bodyEn: "",
        category: .notice, priority: 1, validFrom: NOW - DAY, validUntil: NOW + 7 * DAY, storeId: nil,
        distanceM: inRing.first?.distanceM ?? 0)], "news in the ring")
    let distance = inRing.first?.distanceM ?? 0
    expect(distance > 7_000 && distance < 9_000, "about 8 km to the ring's centre: \(distance)")

    // onLocation: a GeofenceUpdate with the regions to register (every field of MonitorRegion).
    let first = try store.onLocation(fix: fix(newsMarket), now: NOW)
    expectEqual(first.notify, [], "the first fix starts the dwell (Android)")
    let regions = first.register ?? []
    expectEqual(regions.last?.refresh, true, "the last region is the refresh circle")
    expectEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"], "regions to monitor")
    let market = regions.first { $0.id == "market" }
    expectEqual(market.map { Position(latitude: $0.latitude, longitude: $0.longitude) }, newsMarket, "the market's centre")
    expectEqual(market?.radiusM, 400, "the market's radius")
    expect(regions.allSatisfy { $0.radiusM >= 100 }, "radii >= 100 m: \(regions.map(\.radiusM))")
    // regionsRegistered / registeredRegions / a stale report.
    expectEqual(store.registeredRegions(), [], "nothing registered before the OS accepted")
    expectEqual(try store.regionsRegistered(regionIds: ["market"]), false, "a report that does not match the request")
    expectEqual(try store.regionsRegistered(regionIds: regions.map(\.id).reversed()), true, "the OS accepted")
    expectEqual(store.registeredRegions(), regions, "registered")
    expectEqual(try store.onLocation(fix: fix(newsMarket), now: NOW + 61).notify.map(\.id), ["market"],
                "after dwelling")
    // onRegionsExited (the refresh circle) asks again; regionsRefused leaves nothing registered.
    let refreshId = regions.last?.id ?? ""
    let exited = try store.onRegionsExited(regionIds: [refreshId], fix: nil, now: NOW + 100)
    expect(exited.register != nil, "leaving the refresh circle asks for regions: \(exited)")
    try store.regionsRefused()
    expectEqual(store.registeredRegions(), [], "refused")
    // onPermissionChanged: revoked asks for nothing, granted asks at once.
    expectEqual(try store.onPermissionChanged(backgroundAllowed: false, now: NOW + 110).register, nil, "revoked")
    expect(try store.onPermissionChanged(backgroundAllowed: true, now: NOW + 120).register != nil, "granted")
    // onRegionsEntered: on Android an entry and a fix follow the dwell rule (iOS notifies at
    // once; see the kit's GeofenceCoordinatorTests).
    expectEqual(try store.onRegionsEntered(regionIds: ["ring"], fix: fix(newsRingPoint), now: NOW + 130).notify, [],
                "Android: the entry's fix starts the dwell")

    // The policy: muted categories, settings read and written.
    try store.setMuted(category: .notice, muted: true)
    expectEqual(try store.mutedCategories(), [.notice], "muted categories")
    let settings = try store.settings()
    expectEqual(settings.dwellSecs, 60, "dwell seconds")
    expectEqual(settings.maxPerDay, 3, "max per day")
    var changed = settings
    changed.dwellSecs = 120
    changed.maxPerDay = 5
    changed.quietStartMinute = 23 * 60
    changed.quietEndMinute = 6 * 60
    try store.setSettings(settings: changed)
    expectEqual(try store.settings(), changed, "settings written")

    // Offers near favorites: an item for the favorite store, with its store id.
    guard let bakery = try store.nearby(position: bakeryPosition, limit: 1, radiusM: nil, category: nil).first else {
        expect(false, "no store near the bakery")
        return
    }
    _ = try store.setFavorite(storeId: bakery.id, favorite: true, now: NOW)
    expectEqual(try store.offersNearFavorites(), false, "opt-in")
    let offers = try store.setOffersNearFavorites(on: true, now: NOW + 200)
    expect(offers.register?.contains { $0.id == "favorite-\(bakery.id)" } ?? false,
           "the favorite's offer is monitored: \(String(describing: offers.register))")
    expectEqual(try store.offersNearFavorites(), true, "kept")
    expectEqual(store.newsCount(), 3, "news items with the favorite's offer")
    let atBakery = try store.newsAt(position: bakeryPosition, now: NOW)
    expectEqual(atBakery.map { "\($0.id) \(String(describing: $0.storeId)) \($0.category)" },
                ["favorite-\(bakery.id) \(String(describing: Optional(bakery.id))) offer"], "offer at the bakery")
}

func testNewsErrors() throws {
    let feed = try ServedFeed(news: sampleNews)
    defer { feed.stop() }
    let store = try blocking { try await feed.syncedPhone() }
    func isInvalidArgument(_ error: FeedError) -> Bool {
        if case .InvalidArgument = error { return true }
        return false
    }
    expectThrows("latitude 100", FeedError.self, matching: isInvalidArgument) {
        try store.newsAt(position: Position(latitude: 100, longitude: 0), now: NOW)
    }
    expectThrows("a fix without a position", FeedError.self, matching: isInvalidArgument) {
        try store.onLocation(fix: Fix(latitude: .nan, longitude: 0, accuracyM: 5), now: NOW)
    }
    expectThrows("a negative accuracy", FeedError.self, matching: isInvalidArgument) {
        try store.onRegionsEntered(regionIds: ["market"], fix: Fix(latitude: 49, longitude: 11, accuracyM: -1), now: NOW)
    }
    expectThrows("open ring", IssueError.self, matching: {
        if case .InvalidRequest = $0 { return true } else { return false }
    }) { try feed.publisher.issuer.signNewsBundle(version: 2, issuedAt: NOW, expiresAt: NOW + DAY,
                                                  items: [newsItem("x", .geoJson(geojson: newsOpenRing))]) }
}
