import EhkCore
import Foundation

/// Where the signed feed is and the project the app is pinned to: the Land's root key, the
/// project id and the trust list the app ships (`FeedStore.onDevice(project:)` opens the phone's
/// store with them; the core checks that they hold together).
public struct FeedConfiguration: Equatable, Sendable {
    /// The feed directory's URL (`https://…/feed`; the manifest and artifacts are below it).
    public let url: String
    /// The Land's 32-byte Ed25519 root public key.
    public let rootPublicKey: Data
    /// The project the app is built for.
    public let projectId: UInt32
    /// The project's root-signed trust list as the app ships it (the feed's `trust-list-N.cose`).
    public let trustList: Data

    public init(url: String, rootPublicKey: Data, projectId: UInt32, trustList: Data) {
        self.url = url
        self.rootPublicKey = rootPublicKey
        self.projectId = projectId
        self.trustList = trustList
    }

    /// `rootPublicKeyHex` as `ehk key generate` writes it to `root.key.pub`; nil if it is not hex.
    public init?(url: String, rootPublicKeyHex: String, projectId: UInt32, trustList: Data) {
        guard let key = Data(hexDigits: rootPublicKeyHex) else { return nil }
        self.init(url: url, rootPublicKey: key, projectId: projectId, trustList: trustList)
    }

    /// What the core's `FeedStore.open` takes.
    public var project: ProjectPin {
        ProjectPin(rootPublicKey: rootPublicKey, projectId: projectId, trustList: trustList)
    }
}

/// Why a sync failed, as the user should hear it. The database is unchanged in every case.
public enum FeedSyncProblem: Error, Equatable, Sendable {
    /// No connection, a server error or a timeout (`FeedError.Network`): try again later.
    case offline
    /// A download did not match the signed manifest (`FeedError.Damaged`): a broken transfer or
    /// a tampered copy; retried later, worth reporting if it persists.
    case damaged
    /// The feed is not signed by a trusted key, its signer lacks the stores role, it is another
    /// project's, or it is an older version than the one on the phone (`BadSignature`,
    /// `NotAllowed`, `WrongProject`, `VersionNotNewer`): someone may be interfering. The data on the phone stays as it was.
    case securityProblem
    /// The feed is past its expiry (`FeedError.Expired`): the publisher has not refreshed it, or
    /// the phone's clock is wrong.
    case outdated
    /// The app's feed URL is unusable (`FeedError.InvalidArgument`): a build problem.
    case misconfigured
    /// The phone's database could not be written (`FeedError.Storage`), e.g. the disk is full.
    /// (`Interrupted`, which only a superseded search reports, counts here too.)
    case storage

    /// Nil for `FeedError.Cancelled`, which is no problem (the caller stopped the sync).
    public init?(_ error: FeedError) {
        switch error {
        case .Cancelled: return nil
        case .Network: self = .offline
        case .Damaged: self = .damaged
        case .BadSignature, .NotAllowed, .WrongProject, .VersionNotNewer: self = .securityProblem
        case .Expired: self = .outdated
        case .InvalidArgument: self = .misconfigured
        case .Storage, .Interrupted: self = .storage
        }
    }

    /// Nothing is wrong with the feed; trying again later will probably work.
    public var isTemporary: Bool {
        switch self {
        case .offline, .storage: return true
        case .damaged, .securityProblem, .outdated, .misconfigured: return false
        }
    }

    /// The feed that arrived was broken or not trustworthy.
    public var isSecurityRelevant: Bool {
        self == .damaged || self == .securityProblem
    }

    public func text(lang: Lang) -> String {
        let de = lang == .de
        switch self {
        case .offline:
            return de ? "Keine Verbindung. Die Akzeptanzstellen werden später aktualisiert."
                : "No connection. The store list will be updated later."
        case .damaged:
            return de ? "Die Aktualisierung kam beschädigt an und wurde verworfen. Es wird später erneut versucht."
                : "The update arrived damaged and was discarded. It will be tried again later."
        case .securityProblem:
            return de ? "Die Aktualisierung hat die Sicherheitsprüfung nicht bestanden und wurde verworfen."
                : "The update failed the security check and was discarded."
        case .outdated:
            return de ? "Die angebotenen Daten sind veraltet. Bitte prüfen Sie Datum und Uhrzeit des Geräts."
                : "The offered data is out of date. Please check the device's date and time."
        case .misconfigured:
            return de ? "Die Aktualisierung ist in dieser App nicht richtig eingerichtet."
                : "Updates are not set up correctly in this app."
        case .storage:
            return de ? "Die Daten konnten nicht gespeichert werden. Ist der Speicher voll?"
                : "The data could not be saved. Is the storage full?"
        }
    }
}

/// How a sync ended.
public enum FeedSyncOutcome: Equatable, Sendable {
    /// A new feed version is on the phone.
    case updated(version: UInt64, viaDelta: Bool)
    /// The phone already had the newest version (`notModified` or `upToDate`).
    case unchanged(version: UInt64)
    case failed(FeedSyncProblem)
    /// The calling task was cancelled (e.g. the background task expired); the core stopped the
    /// sync (its `Cancellation`) and the database is as it was.
    case cancelled

    public init(_ result: SyncOutcome) {
        switch result {
        case let .updated(_, to, viaDelta, _): self = .updated(version: to, viaDelta: viaDelta)
        case let .notModified(version), let .upToDate(version): self = .unchanged(version: version)
        }
    }

    public init(_ error: FeedError) {
        self = FeedSyncProblem(error).map { .failed($0) } ?? .cancelled
    }

    /// The phone has the feed's current data (updated or unchanged).
    public var succeeded: Bool {
        switch self {
        case .updated, .unchanged: return true
        case .failed, .cancelled: return false
        }
    }
}

public enum FeedSyncState: Equatable, Sendable {
    case idle
    /// Running; `fraction` (0…1) once the core reported progress.
    case syncing(fraction: Double?)
    /// The last sync's outcome and when it ended (Unix seconds).
    case finished(FeedSyncOutcome, at: Int64)
}

/// Brings the phone's feed store (stores, trust and revocation lists, news) up to date from the
/// signed feed. The core's sync is async and runs on its own thread, never on the main actor;
/// concurrent calls share one run. Every check (signature, version, hashes, expiry) is the
/// core's; a failed sync leaves the store exactly as it was. After an update the store's
/// verifier, news and region choice are current; the syncer only hands the report's geofence
/// update (regions to register, notifications) to `geofence`.
public actor FeedSyncer {
    public nonisolated let store: FeedStore
    public nonisolated let url: String
    /// Applies each sync's geofence update; nil without geofenced news.
    public nonisolated let geofence: GeofenceCoordinator?
    public nonisolated let clock: any WalletClock
    public private(set) var state: FeedSyncState = .idle
    /// When the last sync ended with the feed's current data on the phone.
    public private(set) var lastSuccess: Int64?
    private var running: Task<FeedSyncOutcome, Never>?

    public init(store: FeedStore, url: String, geofence: GeofenceCoordinator? = nil,
                clock: any WalletClock = SystemClock()) {
        self.store = store
        self.url = url
        self.geofence = geofence
        self.clock = clock
    }

    /// Syncs into the catalog's store.
    public init(catalog: StoreCatalog, url: String, geofence: GeofenceCoordinator? = nil) {
        self.init(store: catalog.store, url: url, geofence: geofence, clock: catalog.clock)
    }

    /// Runs a sync, or joins the one already running (then `progress` is not called).
    /// `progress` gets fractions 0…1 on a background thread. Cancelling the calling task stops
    /// the core's sync (its `Cancellation`: the download ends or the transaction rolls back) and
    /// returns `.cancelled`; a joined run is shared, so cancelling one caller stops it for all.
    public func sync(progress: (@Sendable (Double) -> Void)? = nil) async -> FeedSyncOutcome {
        let task: Task<FeedSyncOutcome, Never>
        if let running {
            task = running
        } else {
            task = start(progress: progress)
            running = task
        }
        let outcome = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        if running == task {
            running = nil
            state = .finished(outcome, at: clock.now())
            if outcome.succeeded { lastSuccess = clock.now() }
        }
        return outcome
    }

    private func start(progress: (@Sendable (Double) -> Void)?) -> Task<FeedSyncOutcome, Never> {
        state = .syncing(fraction: nil)
        let store = self.store
        let url = self.url
        let geofence = self.geofence
        let now = clock.now()
        let relay = ProgressRelay { [weak self] fraction in
            progress?(fraction)
            Task { await self?.progressed(fraction) }
        }
        // Made before the task runs: a cancel that comes before the core's sync has begun
        // still reaches that sync (and no later one).
        let cancellation = Cancellation()
        return Task {
            let report: SyncReport
            do {
                // The generated Swift code does not pass a task's cancellation to Rust: cancel
                // the core's sync explicitly. The handler runs at once if the task is already
                // cancelled.
                report = try await withTaskCancellationHandler {
                    try await store.sync(
                        url: url, now: now, progress: relay, cancellation: cancellation)
                } onCancel: {
                    cancellation.cancel()
                }
            } catch let error as FeedError {
                return FeedSyncOutcome(error)
            } catch {
                return .failed(.storage)
            }
            // The data is on the phone whatever the OS says to the regions; a failure to
            // register them is the coordinator's to report, and the next location event asks again.
            _ = try? await geofence?.apply(report.geofence)
            return FeedSyncOutcome(report.outcome)
        }
    }

    private func progressed(_ fraction: Double) {
        guard case let .syncing(current) = state, fraction >= (current ?? 0) else { return }
        state = .syncing(fraction: fraction)
    }
}

/// The core's progress callback (called on the sync's thread) as fractions that never go
/// back. The core counts downloaded bytes against the bytes it knows of so far: 0/0 while the
/// manifest loads, then the trust list alone, then every artifact; so its ratio can drop when
/// the total grows. Reports without a total are skipped.
private final class ProgressRelay: ProgressListener, @unchecked Sendable {
    private let report: @Sendable (Double) -> Void
    private let lock = NSLock()
    private var shown = 0.0

    init(_ report: @escaping @Sendable (Double) -> Void) {
        self.report = report
    }

    func progress(done: UInt64, total: UInt64) {
        guard total > 0 else { return }
        lock.lock()
        shown = max(shown, min(1, Double(done) / Double(total)))
        let fraction = shown
        lock.unlock()
        report(fraction)
    }
}
