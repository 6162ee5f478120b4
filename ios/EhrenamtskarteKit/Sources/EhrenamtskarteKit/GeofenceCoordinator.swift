import EhkCore
import Foundation

/// The operating system's geofencing, as the coordinator uses it: replace every monitored
/// region with these circles (the last one with `refresh == true`). The app implements it with
/// CoreLocation region monitoring; tests record the calls.
public protocol RegionMonitor: Sendable {
    func replaceAll(_ regions: [MonitorRegion]) async
}

/// Shows the notifications the core decided on (UNUserNotificationCenter in the app).
public protocol NewsNotifier: Sendable {
    func notify(_ items: [NewsItem]) async
}

/// Where the news come from: the store database the feed sync fills (it holds the signed news
/// bundles) and the Land's root key they are checked against again on every reload.
public struct NewsSource: Sendable {
    public let stores: StoreDatabase
    public let rootPublicKey: Data

    public init(stores: StoreDatabase, rootPublicKey: Data) {
        self.stores = stores
        self.rootPublicKey = rootPublicKey
    }
}

/// Geofenced news on the phone. The shell only moves data: a location fix goes to the core's
/// `onPosition` (dwell, once-only, daily cap, quiet hours, muted categories and accuracy are
/// the core's), whatever it returns is notified, and the regions the OS monitors are always
/// the core's `regionsToMonitor` answer for the last known position. They are registered again
/// when the holder leaves the refresh region (the last, large circle) and after every reload
/// of the feed's news.
public actor GeofenceCoordinator {
    /// iOS monitors at most 20 regions per app.
    public static let iosRegionLimit: UInt32 = 20

    public nonisolated let engine: NewsEngine
    public nonisolated let source: NewsSource
    public nonisolated let clock: any WalletClock
    private let monitor: any RegionMonitor
    private let notifier: any NewsNotifier
    private let maxRegions: UInt32

    /// What the OS monitors now (the last one the refresh region); empty before the first fix.
    public private(set) var monitored: [MonitorRegion] = []
    public private(set) var lastPosition: Position?
    public private(set) var offersNearFavorites: Bool

    public init(engine: NewsEngine, source: NewsSource, monitor: any RegionMonitor, notifier: any NewsNotifier,
                offersNearFavorites: Bool = false, clock: any WalletClock = SystemClock(),
                maxRegions: UInt32 = GeofenceCoordinator.iosRegionLimit) {
        self.engine = engine
        self.source = source
        self.monitor = monitor
        self.notifier = notifier
        self.offersNearFavorites = offersNearFavorites
        self.clock = clock
        self.maxRegions = maxRegions
    }

    /// The region the holder must leave for the regions to be asked for again.
    public var refreshRegion: MonitorRegion? {
        monitored.last(where: \.refresh)
    }

    /// A location fix (after a region event, or any fix the app has). Asks the core which
    /// notifications to show and shows them; registers the regions again when there are none
    /// yet, when the fix lies outside the refresh region, or when `exitedRegion` is the refresh
    /// region's id (the OS's exit event). Returns the notified items.
    @discardableResult
    public func handle(location: Position, accuracy: Double, now: Int64? = nil,
                       exitedRegion: String? = nil) async throws -> [NewsItem] {
        let now = now ?? clock.now()
        let engine = self.engine
        let items = try await runBlocking { try engine.onPosition(position: location, accuracyM: accuracy, now: now) }
        lastPosition = location
        if !items.isEmpty {
            await notifier.notify(items)
        }
        let leftRefresh = refreshRegion.map { region in
            region.id == exitedRegion || !Self.contains(region, location)
        } ?? true
        if leftRefresh {
            try await registerRegions(at: location, now: now)
        }
        return items
    }

    /// Loads the news the last feed sync brought (call after every sync that updated the feed,
    /// and at launch) and registers the regions again at the last known position.
    /// Returns how many items apply.
    @discardableResult
    public func reload(now: Int64? = nil) async throws -> UInt32 {
        let now = now ?? clock.now()
        let engine = self.engine
        let source = self.source
        let offers = offersNearFavorites
        let count = try await runBlocking {
            try engine.reload(stores: source.stores, rootPublicKey: source.rootPublicKey, now: now,
                              offersNearFavorites: offers)
        }
        if let lastPosition {
            try await registerRegions(at: lastPosition, now: now)
        }
        return count
    }

    /// The "offers near my favorites" setting (opt-in); reloads the news when it changes.
    public func setOffersNearFavorites(_ enabled: Bool, now: Int64? = nil) async throws {
        guard enabled != offersNearFavorites else { return }
        offersNearFavorites = enabled
        try await reload(now: now)
    }

    /// Mutes or unmutes a category's notifications (the core keeps this in its state).
    public nonisolated func setMuted(_ category: NewsCategory, _ muted: Bool) async throws {
        let engine = self.engine
        try await runBlocking { try engine.setMuted(category: category, muted: muted) }
    }

    /// Asks the core for the regions around `position` and hands them to the OS.
    public func registerRegions(at position: Position, now: Int64? = nil) async throws {
        let now = now ?? clock.now()
        let engine = self.engine
        let max = maxRegions
        let regions = try await runBlocking { try engine.regionsToMonitor(position: position, max: max, now: now) }
        lastPosition = position
        monitored = regions
        await monitor.replaceAll(regions)
    }

    /// Whether the fix lies inside the circle (great-circle distance; only for "did the holder
    /// leave the refresh region", which the OS's exit event also tells).
    static func contains(_ region: MonitorRegion, _ position: Position) -> Bool {
        distanceMetres(region.center, position) <= region.radiusM
    }

    static func distanceMetres(_ a: Position, _ b: Position) -> Double {
        let radians = Double.pi / 180
        let dLat = (b.latitude - a.latitude) * radians
        let dLon = (b.longitude - a.longitude) * radians
        let h = sin(dLat / 2) * sin(dLat / 2)
            + cos(a.latitude * radians) * cos(b.latitude * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6_371_008.8 * asin(min(1, h.squareRoot()))
    }
}

extension NewsEngine {
    /// The app's news engine: its policy state (`news-state.sqlite`) in Application Support,
    /// excluded from backups like the store database.
    public static func onDevice() throws -> NewsEngine {
        var directory = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? directory.setResourceValues(values)
        return try NewsEngine.open(statePath: directory.appendingPathComponent("news-state.sqlite").path)
    }
}

// MARK: The news screen

/// One row of the news screen, in the user's language.
public struct NewsRow: Identifiable, Equatable, Sendable {
    public let id: String
    public let title: String
    public let body: String
    public let category: NewsCategory
    public let categoryName: String
    /// "350 m" / "1,2 km" to the area's centre.
    public let distanceText: String
    public let validUntil: Int64
    /// The store of an offer (opens its detail view), nil for other items.
    public let storeId: Int64?

    public init(_ item: NewsItem, lang: Lang) {
        id = item.id
        title = item.title(lang: lang)
        body = item.body(lang: lang)
        category = item.category
        categoryName = item.category.name(lang: lang)
        distanceText = formatDistance(item.distanceM, lang: lang)
        validUntil = item.validUntil
        storeId = item.storeId
    }
}

/// The news screen's model: what applies at the holder's position now (the core's `newsAt`,
/// highest priority first, then nearest), as rows in the user's language.
public struct NewsList: Sendable {
    public let engine: NewsEngine
    public let lang: Lang
    public let clock: any WalletClock

    public init(engine: NewsEngine, lang: Lang, clock: any WalletClock = SystemClock()) {
        self.engine = engine
        self.lang = lang
        self.clock = clock
    }

    /// The rows at `position`; none without a position (every item has an area).
    public func rows(at position: Position?) async throws -> [NewsRow] {
        guard let position else { return [] }
        let engine = self.engine
        let now = clock.now()
        let lang = self.lang
        return try await runBlocking { try engine.newsAt(position: position, now: now) }
            .map { NewsRow($0, lang: lang) }
    }
}

extension NewsItem {
    /// The title in the user's language (the other one when it is empty).
    public func title(lang: Lang) -> String {
        let (first, second) = lang == .de ? (titleDe, titleEn) : (titleEn, titleDe)
        return first.isEmpty ? second : first
    }

    public func body(lang: Lang) -> String {
        let (first, second) = lang == .de ? (bodyDe, bodyEn) : (bodyEn, bodyDe)
        return first.isEmpty ? second : first
    }

    /// The identifier of its notification (one per item: the core notifies each item once).
    public var notificationId: String { "news-\(id)" }
}

extension NewsCategory {
    /// Every category, in the order the settings show them.
    public static let all: [NewsCategory] = [.event, .offer, .notice]

    public func name(lang: Lang) -> String {
        switch self {
        case .event: return lang == .de ? "Veranstaltung" : "Event"
        case .offer: return lang == .de ? "Angebot" : "Offer"
        case .notice: return lang == .de ? "Hinweis" : "Notice"
        }
    }

    /// A stable key for settings storage ("event", "offer", "notice").
    public var key: String {
        switch self {
        case .event: return "event"
        case .offer: return "offer"
        case .notice: return "notice"
        }
    }
}
