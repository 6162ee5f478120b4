// Starting `ehk serve` needs Foundation's Process: these tests exist on Linux and macOS only.
#if os(Linux) || os(macOS)
import EhkCore
import EhrenamtskarteKit
import XCTest

/// Records what the coordinator hands to the OS.
final class FakeRegionMonitor: RegionMonitor, @unchecked Sendable {
    let calls = Recorder<[MonitorRegion]>()
    func replaceAll(_ regions: [MonitorRegion]) async { calls.append(regions) }
}

/// Records the notifications.
final class FakeNotifier: NewsNotifier, @unchecked Sendable {
    let shown = Recorder<String>()
    func notify(_ items: [NewsItem]) async { items.forEach { shown.append($0.id) } }
}

/// The coordinator against a real NewsEngine: a feed with stores and two news items
/// (`sampleNews`: a circle at the Christkindlesmarkt, a polygon with a hole) published with
/// `publishFeedWithNews`, served by `ehk serve`, synced into a phone database.
final class GeofenceCoordinatorTests: XCTestCase {
    private var feed: ServedFeed!
    private var phone: StoreDatabase!
    private var engine: NewsEngine!
    private var monitor: FakeRegionMonitor!
    private var notifier: FakeNotifier!

    override func setUpWithError() throws {
        feed = try ServedFeed(news: sampleNews)
        phone = try feed.syncedPhone()
        engine = try feed.newsEngine()
        monitor = FakeRegionMonitor()
        notifier = FakeNotifier()
    }

    override func tearDown() {
        feed?.stop()
        engine = nil
        phone = nil
        feed = nil
    }

    private func coordinator(offers: Bool = false) -> GeofenceCoordinator {
        GeofenceCoordinator(engine: engine, source: NewsSource(stores: phone, rootPublicKey: feed.rootPublicKey),
                            monitor: monitor, notifier: notifier, offersNearFavorites: offers, clock: FakeClock(NOW))
    }

    func testHandleNotifiesAfterDwellOnceAndRegistersTheCoreRegions() async throws {
        let coordinator = coordinator()
        let loaded = try await coordinator.reload(now: NOW)
        XCTAssertEqual(loaded, 2)
        XCTAssertTrue(monitor.calls.values.isEmpty, "no position yet: nothing to register")

        let first = try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW)
        XCTAssertEqual(first, [], "the first fix only starts the dwell")
        XCTAssertEqual(monitor.calls.values.count, 1, "the first fix registers the regions")
        let regions = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertLessThanOrEqual(regions.count, 20)
        XCTAssertEqual(regions.last?.refresh, true, "the last region is the refresh region")
        XCTAssertEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"])
        XCTAssertEqual(regions, try engine.regionsToMonitor(position: newsMarket, max: 20, now: NOW),
                       "exactly the core's answer for 20 regions")
        let monitored = await coordinator.monitored
        XCTAssertEqual(monitored, regions)

        let dwelt = try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 61)
        XCTAssertEqual(dwelt.map(\.id), ["market"])
        XCTAssertEqual(notifier.shown.values, ["market"])
        _ = try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 200)
        XCTAssertEqual(notifier.shown.values, ["market"], "never twice")
        XCTAssertEqual(monitor.calls.values.count, 1, "inside the refresh region: no re-registration")

        // A coarse fix never triggers: the core checks the whole accuracy circle.
        _ = try await coordinator.handle(location: newsRingPoint, accuracy: 50_000, now: NOW + 300)
        _ = try await coordinator.handle(location: newsRingPoint, accuracy: 50_000, now: NOW + 400)
        XCTAssertEqual(notifier.shown.values, ["market"], "inaccurate fixes do not notify")
    }

    func testLeavingTheRefreshRegionRegistersAgain() async throws {
        let coordinator = coordinator()
        try await coordinator.reload(now: NOW)
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW)
        let refreshRegion = await coordinator.refreshRegion
        let refresh = try XCTUnwrap(refreshRegion)
        XCTAssertTrue(refresh.refresh)

        // The OS reports the exit; the fix is 170 km away, outside the refresh circle.
        try await coordinator.handle(location: bakeryPosition, accuracy: 20, now: NOW + 600, exitedRegion: refresh.id)
        XCTAssertEqual(monitor.calls.values.count, 2, "registered again after leaving the refresh region")
        let again = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertEqual(again, try engine.regionsToMonitor(position: bakeryPosition, max: 20, now: NOW + 600))
        XCTAssertEqual(again.last?.refresh, true)
        let last = await coordinator.lastPosition
        XCTAssertEqual(last, bakeryPosition)

        // A fix outside the refresh circle re-registers even without an exit event…
        let newRefresh = try XCTUnwrap(again.last)
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 700)
        XCTAssertEqual(monitor.calls.values.count, 3, "outside \(newRefresh) without an exit event")
        // …and the exit event of the refresh region re-registers even when the fix is still inside.
        let currentRegion = await coordinator.refreshRegion
        let current = try XCTUnwrap(currentRegion)
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 800, exitedRegion: current.id)
        XCTAssertEqual(monitor.calls.values.count, 4)
        // An ordinary region's exit does not.
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 900, exitedRegion: "ring")
        XCTAssertEqual(monitor.calls.values.count, 4)
    }

    func testReloadAndOffersNearFavoritesRegisterAgain() async throws {
        let coordinator = coordinator()
        try await coordinator.reload(now: NOW)
        try await coordinator.handle(location: bakeryPosition, accuracy: 10, now: NOW)
        XCTAssertEqual(monitor.calls.values.count, 1)
        XCTAssertFalse(monitor.calls.values[0].contains { $0.id.hasPrefix("favorite-") })

        let bakery = try XCTUnwrap(try phone.nearby(position: bakeryPosition, limit: 1, radiusM: nil, category: nil).first)
        _ = try phone.setFavorite(storeId: bakery.id, favorite: true, now: NOW)
        let reloaded = try await coordinator.reload(now: NOW)
        XCTAssertEqual(reloaded, 2, "offers near favorites are opt-in")
        XCTAssertEqual(monitor.calls.values.count, 2, "a reload registers again at the last position")

        try await coordinator.setOffersNearFavorites(true, now: NOW)
        let offers = await coordinator.offersNearFavorites
        XCTAssertTrue(offers)
        XCTAssertEqual(monitor.calls.values.count, 3)
        XCTAssertTrue(monitor.calls.values[2].contains { $0.id == "favorite-\(bakery.id)" },
                      "the favorite's offer is monitored: \(monitor.calls.values[2].map(\.id))")
        try await coordinator.setOffersNearFavorites(true, now: NOW)
        XCTAssertEqual(monitor.calls.values.count, 3, "unchanged setting: no reload")

        try await coordinator.handle(location: bakeryPosition, accuracy: 10, now: NOW + 10)
        try await coordinator.handle(location: bakeryPosition, accuracy: 10, now: NOW + 80)
        XCTAssertEqual(notifier.shown.values, ["favorite-\(bakery.id)"])
    }

    func testMutedCategoryStaysSilent() async throws {
        let coordinator = coordinator()
        try await coordinator.reload(now: NOW)
        try await coordinator.setMuted(.notice, true)
        try await coordinator.handle(location: newsRingPoint, accuracy: 10, now: NOW)
        try await coordinator.handle(location: newsRingPoint, accuracy: 10, now: NOW + 100)
        XCTAssertEqual(notifier.shown.values, [], "muted")
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 200)
        try await coordinator.handle(location: newsMarket, accuracy: 10, now: NOW + 300)
        XCTAssertEqual(notifier.shown.values, ["market"], "other categories still notify")
        try await coordinator.setMuted(.notice, false)
    }

    func testInvalidPositionIsANewsErrorAndChangesNothing() async throws {
        let coordinator = coordinator()
        try await coordinator.reload(now: NOW)
        do {
            try await coordinator.handle(location: Position(latitude: 100, longitude: 0), accuracy: 10, now: NOW)
            XCTFail("latitude 100 accepted")
        } catch let error as NewsError {
            guard case .InvalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(monitor.calls.values.isEmpty)
        let last = await coordinator.lastPosition
        XCTAssertNil(last)
    }

    func testNewsListRowsInTheUserLanguage() async throws {
        let coordinator = coordinator()
        try await coordinator.reload(now: NOW)
        let german = NewsList(engine: engine, lang: .de, clock: FakeClock(NOW))
        let english = NewsList(engine: engine, lang: .en, clock: FakeClock(NOW))

        let atMarket = try await german.rows(at: newsMarket)
        XCTAssertEqual(atMarket.map(\.id), ["market"])
        XCTAssertEqual(atMarket.first?.title, "Titel market")
        XCTAssertEqual(atMarket.first?.body, "Text market")
        XCTAssertEqual(atMarket.first?.categoryName, "Veranstaltung")
        XCTAssertEqual(atMarket.first?.distanceText, "0 m")
        let inRing = try await english.rows(at: newsRingPoint)
        XCTAssertEqual(inRing.map(\.title), ["Title ring"])
        XCTAssertEqual(inRing.first?.body, "Text ring", "the other language when one is empty")
        XCTAssertEqual(inRing.first?.categoryName, "Notice")
        let inHole = try await english.rows(at: newsHole)
        XCTAssertEqual(inHole, [], "the polygon's hole")
        let noPosition = try await english.rows(at: nil)
        XCTAssertEqual(noPosition, [])

        XCTAssertEqual(NewsCategory.all.map { $0.name(lang: .de) }, ["Veranstaltung", "Angebot", "Hinweis"])
        XCTAssertEqual(NewsCategory.all.map(\.key), ["event", "offer", "notice"])
        let item = try XCTUnwrap(try engine.newsAt(position: newsMarket, now: NOW).first)
        XCTAssertEqual(item.notificationId, "news-market")
    }
}
#endif
