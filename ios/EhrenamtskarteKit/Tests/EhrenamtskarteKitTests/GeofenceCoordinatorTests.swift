// Starting `ehk serve` needs Foundation's Process: these tests exist on Linux and macOS only.
#if os(Linux) || os(macOS)
import EhkCore
import EhrenamtskarteKit
import XCTest

/// Records what the coordinator hands to the OS; refuses (as iOS without "Always") when told to.
final class FakeRegionMonitor: RegionMonitor, @unchecked Sendable {
    struct Refused: Error {}

    let calls = Recorder<[MonitorRegion]>()
    private let lock = NSLock()
    private var refusing = false

    func refuse(_ on: Bool) { locked(lock) { refusing = on } }

    func replaceAll(_ regions: [MonitorRegion]) async throws {
        calls.append(regions)
        if locked(lock, { refusing }) { throw Refused() }
    }
}

/// Records the notifications.
final class FakeNotifier: NewsNotifier, @unchecked Sendable {
    let shown = Recorder<String>()
    func notify(_ items: [NewsItem]) async { items.forEach { shown.append($0.id) } }
}

/// The coordinator against a real iOS `FeedStore`: a feed with stores and two news items
/// (`sampleNews`: a circle at the Christkindlesmarkt, a polygon with a hole) published with
/// the issuer's `publishFeed`, served by `ehk serve`, synced. The decisions are the core's; these
/// tests check that the coordinator passes the OS's events in, shows what the core decides and
/// registers exactly the regions it asks for, and reports the OS's answer back.
final class GeofenceCoordinatorTests: XCTestCase {
    private var feed: ServedFeed!
    private var store: FeedStore!
    private var monitor: FakeRegionMonitor!
    private var notifier: FakeNotifier!
    private var coordinator: GeofenceCoordinator!

    override func setUpWithError() throws {
        feed = try ServedFeed(news: sampleNews)
        let feed = self.feed!
        store = try blocking { try await feed.syncedPhone() }
        monitor = FakeRegionMonitor()
        notifier = FakeNotifier()
        coordinator = GeofenceCoordinator(store: store, monitor: monitor, notifier: notifier, clock: FakeClock(NOW))
    }

    override func tearDown() {
        feed?.stop()
        coordinator = nil
        store = nil
        feed = nil
    }

    func testAnEntryEventAndOneFixNotifyAtOnce() async throws {
        // Far away: the first fix registers the core's regions, nothing to show.
        let far = try await coordinator.location(fix(bakeryPosition), now: NOW)
        XCTAssertEqual(far, [])
        XCTAssertEqual(monitor.calls.values.count, 1, "the first fix registers the regions")
        // iOS reports entering the market's region, the app takes one fix inside it: at once.
        let entered = try await coordinator.entered(["market"], fix: fix(newsMarket), now: NOW + 600)
        XCTAssertEqual(entered.map(\.id), ["market"])
        XCTAssertEqual(notifier.shown.values, ["market"])
        // An entry without a fix is remembered; a fix within two minutes confirms it.
        let pending = try await coordinator.entered(["ring"], fix: nil, now: NOW + 700)
        XCTAssertEqual(pending, [])
        let confirmed = try await coordinator.location(fix(newsRingPoint), now: NOW + 760)
        XCTAssertEqual(confirmed.map(\.id), ["ring"])
        // Never twice.
        try await coordinator.entered(["market"], fix: fix(newsMarket), now: NOW + 900)
        XCTAssertEqual(notifier.shown.values, ["market", "ring"])
    }

    func testFixesAloneNotifyAfterTheDwell() async throws {
        // A fix 5 km accurate never triggers the 400 m market circle, however long it stays:
        // the core checks the whole accuracy circle.
        let coarse = try await coordinator.location(fix(newsMarket, 5_000), now: NOW)
        let stillCoarse = try await coordinator.location(fix(newsMarket, 5_000), now: NOW + 100)
        XCTAssertEqual(coarse + stillCoarse, [])
        let first = try await coordinator.location(fix(newsMarket), now: NOW + 200)
        XCTAssertEqual(first, [], "the first accurate fix starts the dwell")
        let dwelt = try await coordinator.location(fix(newsMarket), now: NOW + 261)
        XCTAssertEqual(dwelt.map(\.id), ["market"])
        let again = try await coordinator.location(fix(newsMarket), now: NOW + 400)
        XCTAssertEqual(again, [], "never twice")
        XCTAssertEqual(notifier.shown.values, ["market"])
    }

    func testTheCoreRegionsAreRegisteredAndReported() async throws {
        XCTAssertEqual(store.registeredRegions(), [])
        try await coordinator.location(fix(newsMarket), now: NOW)
        let regions = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertLessThanOrEqual(regions.count, 20, "iOS monitors at most 20 regions")
        XCTAssertEqual(regions.last?.refresh, true, "the last region is the refresh circle")
        XCTAssertEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"])
        XCTAssertEqual(store.registeredRegions(), regions, "the OS's acceptance was reported to the core")

        // Inside the refresh circle nothing is registered again.
        try await coordinator.location(fix(newsMarket), now: NOW + 100)
        XCTAssertEqual(monitor.calls.values.count, 1)
        // Leaving it (the OS's exit event) asks for new regions.
        let refresh = try XCTUnwrap(regions.last)
        try await coordinator.exited([refresh.id], fix: nil, now: NOW + 200)
        XCTAssertEqual(monitor.calls.values.count, 2, "registered again after leaving the refresh circle")
        XCTAssertEqual(store.registeredRegions(), monitor.calls.values.last)
        // A fix far outside the refresh circle does too, without an exit event.
        try await coordinator.location(fix(bakeryPosition), now: NOW + 300)
        XCTAssertEqual(monitor.calls.values.count, 3)
    }

    func testRefusedRegionsAreRegisteredOnceThePermissionIsGranted() async throws {
        // The OS refuses (no "Always" permission yet): nothing counts as registered.
        monitor.refuse(true)
        try await coordinator.location(fix(newsMarket), now: NOW)
        XCTAssertEqual(monitor.calls.values.count, 1)
        XCTAssertEqual(store.registeredRegions(), [])
        // The next event asks again.
        try await coordinator.location(fix(newsMarket), now: NOW + 10)
        XCTAssertEqual(monitor.calls.values.count, 2)
        // The user grants "Always": the regions are asked for at once and registered.
        monitor.refuse(false)
        try await coordinator.permissionChanged(backgroundAllowed: true, now: NOW + 20)
        XCTAssertEqual(monitor.calls.values.count, 3)
        let regions = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertTrue(regions.contains { $0.id == "market" })
        XCTAssertEqual(store.registeredRegions(), regions)
    }

    func testPermissionGrantedLaterRegistersAroundTheLastFix() async throws {
        try await coordinator.permissionChanged(backgroundAllowed: false, now: NOW)
        try await coordinator.location(fix(newsMarket), now: NOW + 10)
        XCTAssertTrue(monitor.calls.values.isEmpty, "without the permission no regions are asked for")
        try await coordinator.permissionChanged(backgroundAllowed: true, now: NOW + 20)
        XCTAssertEqual(monitor.calls.values.count, 1, "granted: registered at once around the last fix")
        let regions = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"])
        XCTAssertEqual(store.registeredRegions(), regions, "reported to the core")
        // Taken away again: nothing counts as registered.
        try await coordinator.permissionChanged(backgroundAllowed: false, now: NOW + 30)
        XCTAssertEqual(store.registeredRegions(), [])
    }

    func testAFeedSyncRegistersTheNewsRegions() async throws {
        // A phone that has not synced yet knows no news: only the refresh circle.
        let fresh = try feed.phone("fresh.db")
        let coordinator = GeofenceCoordinator(store: fresh, monitor: monitor, notifier: notifier, clock: FakeClock(NOW))
        try await coordinator.location(fix(newsMarket), now: NOW)
        XCTAssertEqual(monitor.calls.values.last?.map(\.id).contains("market"), false)
        let before = monitor.calls.values.count
        // The syncer hands the sync's geofence update to the coordinator: the news regions.
        let syncer = FeedSyncer(store: fresh, url: feed.url, geofence: coordinator, clock: FakeClock(NOW + 60))
        let outcome = await syncer.sync()
        XCTAssertEqual(outcome, .updated(version: 1, viaDelta: false))
        XCTAssertEqual(monitor.calls.values.count, before + 1)
        let regions = try XCTUnwrap(monitor.calls.values.last)
        XCTAssertEqual(Set(regions.filter { !$0.refresh }.map(\.id)), ["market", "ring"])
        XCTAssertEqual(fresh.registeredRegions(), regions)
    }

    func testOffersNearFavoritesRegisterAgain() async throws {
        try await coordinator.location(fix(bakeryPosition), now: NOW)
        XCTAssertEqual(monitor.calls.values.count, 1)
        XCTAssertFalse(monitor.calls.values[0].contains { $0.id.hasPrefix("favorite-") })

        let bakery = try XCTUnwrap(try store.nearby(position: bakeryPosition, limit: 1, radiusM: nil, category: nil).first)
        _ = try store.setFavorite(storeId: bakery.id, favorite: true, now: NOW)
        XCTAssertFalse(try store.offersNearFavorites(), "offers near favorites are opt-in")
        try await coordinator.setOffersNearFavorites(true, now: NOW + 10)
        XCTAssertTrue(try store.offersNearFavorites(), "kept by the core")
        XCTAssertEqual(monitor.calls.values.count, 2, "the news changed: registered again")
        XCTAssertTrue(monitor.calls.values[1].contains { $0.id == "favorite-\(bakery.id)" },
                      "the favorite's offer is monitored: \(monitor.calls.values[1].map(\.id))")

        try await coordinator.entered(["favorite-\(bakery.id)"], fix: fix(bakeryPosition), now: NOW + 20)
        XCTAssertEqual(notifier.shown.values, ["favorite-\(bakery.id)"])
    }

    func testMutedCategoryStaysSilent() async throws {
        try store.setMuted(category: .notice, muted: true)
        XCTAssertEqual(try store.mutedCategories(), [.notice])
        try await coordinator.entered(["ring"], fix: fix(newsRingPoint), now: NOW)
        XCTAssertEqual(notifier.shown.values, [], "muted")
        try await coordinator.entered(["market"], fix: fix(newsMarket), now: NOW + 100)
        XCTAssertEqual(notifier.shown.values, ["market"], "other categories still notify")
    }

    func testInvalidFixIsAFeedErrorAndChangesNothing() async throws {
        do {
            try await coordinator.location(Fix(latitude: 100, longitude: 0, accuracyM: 10), now: NOW)
            XCTFail("latitude 100 accepted")
        } catch let error as FeedError {
            guard case .InvalidArgument = error else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(monitor.calls.values.isEmpty)
        XCTAssertEqual(store.registeredRegions(), [])
    }

    func testNewsListRowsInTheUserLanguage() async throws {
        let german = NewsList(store: store, lang: .de, clock: FakeClock(NOW))
        let english = NewsList(store: store, lang: .en, clock: FakeClock(NOW))

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
        let item = try XCTUnwrap(try store.newsAt(position: newsMarket, now: NOW).first)
        XCTAssertEqual(item.notificationId, "news-market")
    }
}
#endif
