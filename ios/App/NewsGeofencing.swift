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
/// (iOS 16 is the deployment target; CLMonitor needs iOS 17). At most 20 regions, the last
/// the core's refresh region; leaving it asks the core again. Every decision (what to notify,
/// which regions) is the core's.
@MainActor
final class NewsGeofencing {
    static let shared = NewsGeofencing()

    /// Nil without a feed configuration (no root key: no news) or when the state cannot be opened.
    let coordinator: GeofenceCoordinator?
    let engine: NewsEngine?
    let monitor = CoreLocationRegionMonitor()

    private init() {
        let lang = Lang.preferred()
        let defaults = UserDefaults.standard
        if let configuration = AppConfiguration.feed,
           let stores = try? StoreCatalog.onDevice().database,
           let engine = try? NewsEngine.onDevice() {
            self.engine = engine
            coordinator = GeofenceCoordinator(
                engine: engine, source: NewsSource(stores: stores, rootPublicKey: configuration.rootPublicKey),
                monitor: monitor, notifier: UserNotificationNewsNotifier(lang: lang),
                offersNearFavorites: defaults.bool(forKey: NewsSettingsKeys.offersNearFavorites))
        } else {
            engine = nil
            coordinator = nil
        }
        monitor.coordinator = coordinator
        Task { await self.reload() }
    }

    /// Loads the news of the last sync and registers the regions again (launch, after every
    /// feed sync, after a settings change).
    func reload() async {
        guard let coordinator else { return }
        _ = try? await coordinator.reload()
        monitor.requestFix()
    }

    /// Asks for what background news need: notifications, then "Always" location (iOS shows
    /// the upgrade prompt only after "While Using" was granted).
    func enableBackgroundNews() async {
        _ = try? await UNUserNotificationCenter.current().requestAuthorization(options: [.alert, .sound])
        monitor.requestAlwaysAuthorization()
    }
}

enum NewsSettingsKeys {
    static let offersNearFavorites = "news.offersNearFavorites"
    static func muted(_ category: NewsCategory) -> String { "news.muted.\(category.key)" }
}

/// The kit's RegionMonitor with CLLocationManager region monitoring. Region events (entry and
/// exit, also when iOS relaunches the app in the background) ask for one location fix, which
/// goes to the coordinator with its accuracy; an exit passes the region's id, so that leaving
/// the refresh region registers the regions again.
@MainActor
final class CoreLocationRegionMonitor: NSObject, RegionMonitor, CLLocationManagerDelegate {
    /// Our regions' identifier prefix (other monitored regions are left alone).
    static let prefix = "news."

    weak var coordinator: GeofenceCoordinator?
    private let manager = CLLocationManager()
    private var exitedRegion: String?

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyNearestTenMeters
    }

    func replaceAll(_ regions: [MonitorRegion]) async {
        for region in manager.monitoredRegions where region.identifier.hasPrefix(Self.prefix) {
            manager.stopMonitoring(for: region)
        }
        guard CLLocationManager.isMonitoringAvailable(for: CLCircularRegion.self),
              manager.authorizationStatus == .authorizedAlways else { return }
        for region in regions.prefix(Int(GeofenceCoordinator.iosRegionLimit)) {
            let circle = CLCircularRegion(
                center: CLLocationCoordinate2D(latitude: region.center.latitude, longitude: region.center.longitude),
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

    private func regionEvent(_ region: CLRegion, exited: Bool) {
        guard region.identifier.hasPrefix(Self.prefix) else { return }
        if exited {
            exitedRegion = String(region.identifier.dropFirst(Self.prefix.count))
        }
        requestFix()
    }

    private func deliver(_ location: CLLocation) {
        guard let coordinator, location.horizontalAccuracy >= 0 else { return }
        let position = Position(latitude: location.coordinate.latitude, longitude: location.coordinate.longitude)
        let exited = exitedRegion
        exitedRegion = nil
        // A region event gives the app a few seconds in the background; ask for a little more.
        let background = UIApplication.shared.beginBackgroundTask(withName: "news-fix")
        Task {
            _ = try? await coordinator.handle(location: position, accuracy: location.horizontalAccuracy,
                                              now: Int64(location.timestamp.timeIntervalSince1970),
                                              exitedRegion: exited)
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
        // "Always" granted: register the regions (through a fix and the coordinator).
        Task { @MainActor in self.requestFix() }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        // kCLErrorLocationUnknown is transient; the next region event asks again.
    }

    nonisolated func locationManager(_ manager: CLLocationManager, monitoringDidFailFor region: CLRegion?,
                                     withError error: Error) {
        // Too many regions or monitoring off: the next fix registers the core's regions again.
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
