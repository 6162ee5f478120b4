import CoreLocation
import EhrenamtskarteKit
import Foundation
import UIKit
import UserNotifications

/// Geofenced news in the background: the kit's GeofenceCoordinator with CoreLocation region
/// monitoring and local notifications. Created in `EhrenamtskarteApp.init`, so that a relaunch
/// by a region event finds its CLLocationManager delegate at once.
///
/// Region monitoring is the classic `CLLocationManager.startMonitoring(for: CLCircularRegion)`
/// (iOS 16 is the deployment target; CLMonitor needs iOS 17). Every decision (what to notify,
/// which regions, when to ask again) is the core's: this passes the OS's events on and
/// registers exactly the regions the core asks for.
@MainActor
final class NewsGeofencing {
    static let shared = NewsGeofencing()

    /// Nil without a feed configuration (no root key: no news) or when the store cannot be opened.
    let coordinator: GeofenceCoordinator?
    let store: FeedStore?
    let monitor: CoreLocationRegionMonitor

    private init() {
        let monitor = CoreLocationRegionMonitor()
        let store = AppConfiguration.feedStore
        self.monitor = monitor
        self.store = store
        coordinator = store.map {
            GeofenceCoordinator(store: $0, monitor: monitor, notifier: UserNotificationNewsNotifier(lang: Lang.preferred()))
        }
        monitor.coordinator = coordinator
        // The current permission, then a fix: the core registers the regions around it.
        monitor.reportPermission()
        monitor.requestFix()
    }

    /// Asks for what background news need: notifications, then "Always" location (iOS shows
    /// the upgrade prompt only after "While Using" was granted).
    func enableBackgroundNews() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound])
        monitor.requestAlwaysAuthorization()
    }
}

/// The kit's RegionMonitor with CLLocationManager region monitoring. Region events (also when
/// iOS relaunches the app in the background) go to the coordinator at once (the core remembers
/// an entry), and ask for one location fix, which goes to the coordinator too: on iOS an entry
/// and a fix inside the area notify at once.
@MainActor
final class CoreLocationRegionMonitor: NSObject, RegionMonitor, CLLocationManagerDelegate {
    /// Our regions' identifier prefix (other monitored regions are left alone).
    static let prefix = "news."

    struct Refused: Error {}

    weak var coordinator: GeofenceCoordinator?
    private let manager = CLLocationManager()

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyNearestTenMeters
    }

    /// Replaces our monitored regions with exactly these; throws (the coordinator tells the
    /// core) when iOS will not monitor them: no "Always" permission or no region monitoring.
    func replaceAll(_ regions: [MonitorRegion]) async throws {
        for region in manager.monitoredRegions where region.identifier.hasPrefix(Self.prefix) {
            manager.stopMonitoring(for: region)
        }
        guard CLLocationManager.isMonitoringAvailable(for: CLCircularRegion.self),
              manager.authorizationStatus == .authorizedAlways else { throw Refused() }
        for region in regions {
            let circle = CLCircularRegion(
                center: CLLocationCoordinate2D(latitude: region.latitude, longitude: region.longitude),
                radius: min(region.radiusM, manager.maximumRegionMonitoringDistance),
                identifier: Self.prefix + region.id)
            circle.notifyOnEntry = true
            circle.notifyOnExit = true
            manager.startMonitoring(for: circle)
        }
    }

    func requestAlwaysAuthorization() {
        manager.requestAlwaysAuthorization()
    }

    /// One fix for the coordinator (when allowed); the answer arrives in `didUpdateLocations`.
    func requestFix() {
        switch manager.authorizationStatus {
        case .authorizedAlways, .authorizedWhenInUse: manager.requestLocation()
        default: break
        }
    }

    /// Tells the core whether background location ("Always") is allowed.
    func reportPermission() {
        guard let coordinator else { return }
        let allowed = manager.authorizationStatus == .authorizedAlways
        inBackgroundTask("news-permission") { try await coordinator.permissionChanged(backgroundAllowed: allowed) }
    }

    private func regionEvent(_ region: CLRegion, exited: Bool) {
        guard let coordinator, region.identifier.hasPrefix(Self.prefix) else { return }
        let ids = [String(region.identifier.dropFirst(Self.prefix.count))]
        inBackgroundTask("news-region") {
            if exited {
                try await coordinator.exited(ids, fix: nil)
            } else {
                try await coordinator.entered(ids, fix: nil)
            }
        }
        requestFix()
    }

    private func deliver(_ location: CLLocation) {
        guard let coordinator, location.horizontalAccuracy >= 0 else { return }
        let fix = Fix(latitude: location.coordinate.latitude, longitude: location.coordinate.longitude,
                      accuracyM: location.horizontalAccuracy)
        let now = Int64(location.timestamp.timeIntervalSince1970)
        inBackgroundTask("news-fix") { try await coordinator.location(fix, now: now) }
    }

    /// A region event gives the app a few seconds in the background; ask for a little more.
    private func inBackgroundTask(_ name: String, _ work: @escaping () async throws -> Void) {
        let background = UIApplication.shared.beginBackgroundTask(withName: name)
        Task {
            _ = try? await work()
            UIApplication.shared.endBackgroundTask(background)
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didEnterRegion region: CLRegion) {
        Task { @MainActor in self.regionEvent(region, exited: false) }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didExitRegion region: CLRegion) {
        Task { @MainActor in self.regionEvent(region, exited: true) }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let last = locations.last else { return }
        Task { @MainActor in self.deliver(last) }
    }

    nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        // "Always" granted: the core asks for the regions at once; taken away: none count.
        Task { @MainActor in
            self.reportPermission()
            self.requestFix()
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        // kCLErrorLocationUnknown is transient; the next region event asks again.
    }

    nonisolated func locationManager(_ manager: CLLocationManager, monitoringDidFailFor region: CLRegion?,
                                     withError error: Error) {
        // Too many regions or monitoring off: nothing counts as registered; the next event asks again.
        Task { @MainActor in
            guard let coordinator = self.coordinator, region?.identifier.hasPrefix(Self.prefix) ?? true else { return }
            try? await coordinator.monitoringFailed()
        }
    }
}

/// The kit's NewsNotifier with local notifications (one per item; the core notifies an item
/// at most once, keeps the daily cap and the quiet hours).
struct UserNotificationNewsNotifier: NewsNotifier {
    let lang: Lang

    func notify(_ items: [NewsItem]) async {
        let center = UNUserNotificationCenter.current()
        for item in items {
            let content = UNMutableNotificationContent()
            content.title = item.title(lang: lang)
            content.body = item.body(lang: lang)
            content.threadIdentifier = item.category.key
            content.sound = .default
            try? await center.add(UNNotificationRequest(identifier: item.notificationId, content: content, trigger: nil))
        }
    }
}
