import EhkCore
import Foundation

/// The operating system's geofencing: replace every monitored region with exactly these
/// circles (the last one the refresh circle). Throws when the OS refuses (no "Always" location
/// permission, monitoring unavailable). The app implements it with CoreLocation region
/// monitoring; tests record the calls.
public protocol RegionMonitor: Sendable {
    func replaceAll(_ regions: [MonitorRegion]) async throws
}

/// Shows the notifications the core decided on (UNUserNotificationCenter in the app).
public protocol NewsNotifier: Sendable {
    func notify(_ items: [NewsItem]) async
}

/// Geofenced news on the phone: the OS calls around the core's geofencing. Every decision
/// (what to notify, which regions to monitor and when to ask again, dwell, entry events,
/// permission, once-only, daily cap, quiet hours, muted categories) is the `FeedStore`'s; the
/// coordinator passes the OS's events in and applies each `GeofenceUpdate` that comes back:
/// shows `notify`, hands `register` (when set) to the OS and reports whether the OS took it.
/// Events are applied one at a time, in order.
public actor GeofenceCoordinator {
    public nonisolated let store: FeedStore
    public nonisolated let clock: any WalletClock
    private let monitor: any RegionMonitor
    private let notifier: any NewsNotifier

    public init(store: FeedStore, monitor: any RegionMonitor, notifier: any NewsNotifier,
                clock: any WalletClock = SystemClock()) {
        self.store = store
        self.monitor = monitor
        self.notifier = notifier
        self.clock = clock
    }

    /// A location fix (foreground, or after a region event). Returns the notified items.
    @discardableResult
    public func location(_ fix: Fix, now: Int64? = nil) async throws -> [NewsItem] {
        let now = now ?? clock.now()
        let store = self.store
        return try await apply(runBlocking { try store.onLocation(fix: fix, now: now) })
    }

    /// The OS reported entering regions, with the fix the app took for it if it has one (on
    /// iOS an entry and one fix inside the area notify at once; a fix within two minutes
    /// confirms an entry reported without one).
    @discardableResult
    public func entered(_ regionIds: [String], fix: Fix?, now: Int64? = nil) async throws -> [NewsItem] {
        let now = now ?? clock.now()
        let store = self.store
        return try await apply(runBlocking { try store.onRegionsEntered(regionIds: regionIds, fix: fix, now: now) })
    }

    /// The OS reported leaving regions (leaving the refresh circle asks for new regions).
    @discardableResult
    public func exited(_ regionIds: [String], fix: Fix?, now: Int64? = nil) async throws -> [NewsItem] {
        let now = now ?? clock.now()
        let store = self.store
        return try await apply(runBlocking { try store.onRegionsExited(regionIds: regionIds, fix: fix, now: now) })
    }

    /// The "Always" location permission was granted or taken away.
    public func permissionChanged(backgroundAllowed: Bool, now: Int64? = nil) async throws {
        let now = now ?? clock.now()
        let store = self.store
        try await apply(runBlocking { try store.onPermissionChanged(backgroundAllowed: backgroundAllowed, now: now) })
    }

    /// The "offers near my favorites" setting (opt-in, kept by the core); the news change, so
    /// the regions may too.
    public func setOffersNearFavorites(_ on: Bool, now: Int64? = nil) async throws {
        let now = now ?? clock.now()
        let store = self.store
        try await apply(runBlocking { try store.setOffersNearFavorites(on: on, now: now) })
    }

    /// The OS gave up monitoring a region after accepting it (e.g. too many regions): nothing
    /// counts as registered any more, and the next event asks again.
    public func monitoringFailed() async throws {
        let store = self.store
        try await runBlocking { try store.regionsRefused() }
    }

    /// Applies what the core decided (after any event, and after a feed sync: see
    /// `FeedSyncer`): shows the notifications, replaces the OS's regions when asked to and
    /// reports the OS's answer. Returns the notified items.
    @discardableResult
    public func apply(_ update: GeofenceUpdate) async throws -> [NewsItem] {
        if !update.notify.isEmpty {
            await notifier.notify(update.notify)
        }
        if let regions = update.register {
            let store = self.store
            do {
                try await monitor.replaceAll(regions)
            } catch {
                try await runBlocking { try store.regionsRefused() }
                return update.notify
            }
            let ids = regions.map(\.id)
            _ = try await runBlocking { try store.regionsRegistered(regionIds: ids) }
        }
        return update.notify
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
    public let store: FeedStore
    public let lang: Lang
    public let clock: any WalletClock

    public init(store: FeedStore, lang: Lang, clock: any WalletClock = SystemClock()) {
        self.store = store
        self.lang = lang
        self.clock = clock
    }

    /// The rows at `position`; none without a position (every item has an area).
    public func rows(at position: Position?) async throws -> [NewsRow] {
        guard let position else { return [] }
        let store = self.store
        let now = clock.now()
        let lang = self.lang
        return try await runBlocking { try store.newsAt(position: position, now: now) }
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

    /// A stable key ("event", "offer", "notice"), e.g. a notification thread.
    public var key: String {
        switch self {
        case .event: return "event"
        case .offer: return "offer"
        case .notice: return "notice"
        }
    }
}
