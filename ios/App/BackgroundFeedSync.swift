import BackgroundTasks
import EhrenamtskarteKit
import Foundation

/// Periodic feed sync with BGTaskScheduler: a BGAppRefreshTask under
/// `AppConfiguration.feedRefreshTask`, registered at launch and scheduled again at the start of
/// every run and whenever the app goes to the background (iOS decides when it really runs).
/// The work is the kit's `FeedSyncer`, through AppModel when the UI is up. The expiration
/// handler cancels the work: the kit then cancels the core's sync through the sync's
/// `Cancellation`, the download stops or the transaction rolls back, and the database stays
/// exactly as it was.
@MainActor
final class BackgroundFeedSync {
    static let shared = BackgroundFeedSync()

    /// Set by AppModel; nil when iOS launched the app in the background without its UI.
    weak var model: AppModel?
    /// The syncer for a background launch without the UI.
    private lazy var standalone: FeedSyncer? = {
        guard let configuration = AppConfiguration.feed, let store = AppConfiguration.feedStore else { return nil }
        return FeedSyncer(store: store, url: configuration.url, geofence: NewsGeofencing.shared.coordinator)
    }()

    /// Call once, before the app finishes launching (EhrenamtskarteApp.init).
    nonisolated static func register() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: AppConfiguration.feedRefreshTask, using: nil) { task in
            guard let refresh = task as? BGAppRefreshTask else {
                task.setTaskCompleted(success: false)
                return
            }
            Task { @MainActor in BackgroundFeedSync.shared.run(refresh) }
        }
    }

    /// Asks iOS for the next background refresh (replaces a pending request).
    nonisolated static func schedule() {
        let request = BGAppRefreshTaskRequest(identifier: AppConfiguration.feedRefreshTask)
        request.earliestBeginDate = Date(timeIntervalSinceNow: AppConfiguration.feedRefreshInterval)
        do {
            try BGTaskScheduler.shared.submit(request)
        } catch {
            // Background App Refresh is off for this app (or this is the simulator):
            // the app still syncs when it comes to the foreground.
        }
    }

    private func run(_ task: BGAppRefreshTask) {
        Self.schedule()
        let model = self.model
        let syncer = model == nil ? standalone : nil
        guard model?.syncer != nil || syncer != nil else {
            task.setTaskCompleted(success: false)
            return
        }
        let work = Task { @MainActor in
            let outcome: FeedSyncOutcome
            if let model {
                outcome = await model.syncFeed()
            } else if let syncer {
                outcome = await syncer.sync()
            } else {
                outcome = .cancelled
            }
            task.setTaskCompleted(success: outcome.succeeded)
        }
        task.expirationHandler = {
            work.cancel()
        }
    }
}
