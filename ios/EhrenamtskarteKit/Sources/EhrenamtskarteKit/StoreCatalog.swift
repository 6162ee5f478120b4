import EhkCore
import Foundation

/// The core's store category (id, German and English name, SF Symbol name). The alias avoids
/// the clash with the Objective-C runtime's `Category` in files that import it.
public typealias StoreCategory = EhkCore.Category

/// What the stores screen asks for. An empty text lists stores by distance (with `near`) or by
/// name; the core does the German folding (ü = ue = u, ß = ss) and prefix matching.
public struct StoreSearchQuery: Equatable, Sendable {
    public var text: String
    public var category: UInt32?
    public var near: Position?
    public var radiusM: Double?
    /// Nearest first instead of best match first (needs `near`).
    public var sortByDistance: Bool
    public var limit: UInt32

    public init(text: String = "", category: UInt32? = nil, near: Position? = nil, radiusM: Double? = nil,
                sortByDistance: Bool = false, limit: UInt32 = 50) {
        self.text = text
        self.category = category
        self.near = near
        self.radiusM = radiusM
        self.sortByDistance = sortByDistance
        self.limit = limit
    }

    var coreQuery: StoreQuery {
        StoreQuery(text: text, category: category, near: near, radiusM: radiusM,
                   sortByDistance: sortByDistance, offset: 0, limit: limit)
    }
}

/// One answer of the search-as-you-type stream. Superseded searches never show up here.
public enum StoreSearchUpdate: Equatable, Sendable {
    case results(StoreSearchQuery, [StoreSummary])
    /// The core refused the query (never `FeedError.Interrupted`, which only means superseded).
    case failed(StoreSearchQuery, FeedError)

    public var query: StoreSearchQuery {
        switch self {
        case let .results(query, _), let .failed(query, _): return query
        }
    }

    public var stores: [StoreSummary] {
        if case let .results(_, stores) = self { return stores }
        return []
    }
}

extension FeedStore {
    /// The app's feed store: `feed.sqlite` in Application Support (not backed up: the feed
    /// brings the stores, lists and news back; favorites and the news settings are lost with a
    /// new phone, as with any offline cache), for iOS (20 regions, entry events). Open it once
    /// per process and share it: it keeps the geofencing state and the news in memory.
    public static func onDevice(project: ProjectPin, clock: any WalletClock = SystemClock()) throws -> FeedStore {
        var directory = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try? directory.setResourceValues(values)
        return try FeedStore.open(path: directory.appendingPathComponent("feed.sqlite").path,
                                  project: project, platform: .ios, now: clock.now())
    }
}

/// The offline store list on the phone: the core's `FeedStore` with async calls that run off
/// the caller's thread, search-as-you-type, nearby stores and favorites. Every decision (what
/// matches, the order, distances, which favorites still have a store) is the core's.
public actor StoreCatalog {
    /// The core's feed store (thread-safe); `FeedSyncer` syncs into the same one.
    public nonisolated let store: FeedStore
    public nonisolated let clock: any WalletClock
    private var cachedCategories: [StoreCategory]?

    public init(store: FeedStore, clock: any WalletClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    // MARK: Search

    /// One search; nil when a newer search superseded it (`FeedError.Interrupted`), which is
    /// not an error to show.
    public nonisolated func search(_ query: StoreSearchQuery) async throws -> [StoreSummary]? {
        do {
            return try await Self.search(query.coreQuery, in: store)
        } catch FeedError.Interrupted {
            return nil
        }
    }

    /// The core's search off the caller's thread. Workaround: the core sometimes reported an
    /// interrupted search as a storage failure instead of `Interrupted` (reported upstream);
    /// reads are idempotent, so a `Storage` failure is tried once more before it counts.
    private static func search(_ query: StoreQuery, in store: FeedStore) async throws -> [StoreSummary] {
        do {
            return try await runBlocking { try store.search(query: query) }
        } catch FeedError.Storage {
            return try await runBlocking { try store.search(query: query) }
        }
    }

    /// Stops a running search (the search screen closed).
    public nonisolated func cancelSearch() {
        store.cancelSearch()
    }

    /// Search as you type: every element of `queries` (each keystroke, each filter change)
    /// starts a search that supersedes the previous one. A changed text waits `debounce` for the
    /// next keystroke first; the first query and filter-only changes run at once. A superseded
    /// search is cancelled in the core (`cancelSearch`) and its results are never delivered, so
    /// the stream never shows an older query's results after a newer one's. The stream ends
    /// when `queries` ends (after the last search) or when its consumer is cancelled.
    public nonisolated func searchResults(
        for queries: AsyncStream<StoreSearchQuery>,
        debounce: Duration = .milliseconds(250)
    ) -> AsyncStream<StoreSearchUpdate> {
        let store = self.store
        return AsyncStream { continuation in
            let gate = LatestOnly()
            let driver = Task {
                var pending: Task<Void, Never>?
                var previous: StoreSearchQuery?
                for await query in queries {
                    let generation = gate.advance()
                    pending?.cancel()
                    store.cancelSearch()
                    let wait = previous != nil && previous?.text != query.text ? debounce : .zero
                    previous = query
                    pending = Task {
                        if wait > .zero {
                            do { try await Task.sleep(for: wait) } catch { return }
                        }
                        guard gate.isLatest(generation) else { return }
                        let update: StoreSearchUpdate
                        do {
                            update = .results(query, try await Self.search(query.coreQuery, in: store))
                        } catch FeedError.Interrupted {
                            return
                        } catch let error as FeedError {
                            update = .failed(query, error)
                        } catch {
                            update = .failed(query, .Storage)
                        }
                        gate.ifLatest(generation) { continuation.yield(update) }
                    }
                }
                await pending?.value
                continuation.finish()
            }
            continuation.onTermination = { _ in
                driver.cancel()
                store.cancelSearch()
            }
        }
    }

    // MARK: Nearby, details, categories

    /// The nearest stores with a position, nearest first (`distanceM` set).
    public nonisolated func nearby(_ position: Position, limit: UInt32 = 20, radiusM: Double? = nil,
                                   category: UInt32? = nil) async throws -> [StoreSummary] {
        try await read { try $0.nearby(position: position, limit: limit, radiusM: radiusM, category: category) }
    }

    public nonisolated func store(id: Int64) async throws -> StoreDetails? {
        try await read { try $0.store(id: id) }
    }

    /// The categories (ids, German and English names, icon names); cached after the first call.
    public func categories() async throws -> [StoreCategory] {
        if let cachedCategories { return cachedCategories }
        let loaded = try await read { try $0.categories() }
        cachedCategories = loaded
        return loaded
    }

    public nonisolated func storeCount() async throws -> UInt64 {
        try await read { try $0.storeCount() }
    }

    public nonisolated func feedVersion() async throws -> UInt64? {
        try await read { try $0.feedVersion() }
    }

    // MARK: Favorites

    /// Marks or unmarks a favorite; false when marking a store that is not in the database.
    @discardableResult
    public nonisolated func setFavorite(storeId: Int64, _ favorite: Bool) async throws -> Bool {
        let now = clock.now()
        return try await read { try $0.setFavorite(storeId: storeId, favorite: favorite, now: now) }
    }

    /// The favorites, with distances when `near` is given. A favorite whose store left the feed
    /// stays, with `store == nil`, and gets its store back when the feed brings it again.
    public nonisolated func favorites(near: Position? = nil) async throws -> [Favorite] {
        try await read { try $0.favorites(near: near) }
    }

    /// Runs a read off the caller's thread. A search started meanwhile interrupts whatever runs
    /// on the core's reader connection, so an interrupted non-search read is simply retried
    /// (and, as for searches, one `Storage` failure is retried: see `search(_:in:)`).
    private nonisolated func read<T: Sendable>(_ body: @escaping @Sendable (FeedStore) throws -> T) async throws -> T {
        let store = self.store
        var interrupted = 0
        var storage = 0
        while true {
            do {
                return try await runBlocking { try body(store) }
            } catch FeedError.Interrupted where interrupted < 8 {
                interrupted += 1
            } catch FeedError.Storage where storage < 1 {
                storage += 1
            }
            try Task.checkCancellation()
        }
    }
}

/// Which search is the newest; results of any other are dropped (under the same lock, so an
/// older result can never be delivered after a newer query arrived).
private final class LatestOnly: @unchecked Sendable {
    private let lock = NSLock()
    private var latest = 0

    func advance() -> Int {
        lock.lock()
        defer { lock.unlock() }
        latest += 1
        return latest
    }

    func isLatest(_ generation: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return generation == latest
    }

    func ifLatest(_ generation: Int, _ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        if generation == latest { body() }
    }
}

// MARK: Display texts

extension StoreSummary {
    /// The discount in the user's language (the other one when it is empty).
    public func discountText(lang: Lang) -> String {
        let (first, second) = lang == .de ? (discountDe, discountEn) : (discountEn, discountDe)
        return first.isEmpty ? second : first
    }

    /// "350 m" / "1,2 km" (German) or "1.2 km" (English); nil without a distance.
    public func distanceText(lang: Lang) -> String? {
        distanceM.map { formatDistance($0, lang: lang) }
    }

    /// "Hauptstraße 1, 80331 München".
    public var addressLine: String {
        formatAddress(street: street, houseNumber: houseNumber, postalCode: postalCode, city: city)
    }
}

extension StoreDetails {
    public var addressLine: String {
        formatAddress(street: street, houseNumber: houseNumber, postalCode: postalCode, city: city)
    }
}

extension Discount {
    public func text(lang: Lang) -> String {
        let (first, second) = lang == .de ? (textDe, textEn) : (textEn, textDe)
        return first.isEmpty ? second : first
    }
}

extension StoreCategory {
    public func name(lang: Lang) -> String {
        lang == .de ? nameDe : nameEn
    }
}

/// Metres below 1 km (rounded to 10 m), kilometres with one decimal below 10 km, whole
/// kilometres beyond; the decimal separator follows the language.
public func formatDistance(_ metres: Double, lang: Lang) -> String {
    guard metres.isFinite, metres >= 0 else { return "" }
    if metres < 995 {
        return "\(Int((metres / 10).rounded()) * 10) m"
    }
    let km = metres / 1000
    if km < 9.95 {
        let tenths = Int((km * 10).rounded())
        let separator = lang == .de ? "," : "."
        return "\(tenths / 10)\(separator)\(tenths % 10) km"
    }
    return "\(Int(km.rounded())) km"
}

private func formatAddress(street: String, houseNumber: String, postalCode: String, city: String) -> String {
    let line1 = [street, houseNumber].filter { !$0.isEmpty }.joined(separator: " ")
    let line2 = [postalCode, city].filter { !$0.isEmpty }.joined(separator: " ")
    return [line1, line2].filter { !$0.isEmpty }.joined(separator: ", ")
}
