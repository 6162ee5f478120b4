import CoreLocation
import EhrenamtskarteKit
import Foundation

/// The phone's position for "nearby", with the permission flow: asks "when in use" only after
/// the user turns nearby on, and says so plainly when access is denied or restricted.
/// The position goes to the core as an argument; the core never reads the GPS itself.
@MainActor
final class LocationProvider: NSObject, ObservableObject, CLLocationManagerDelegate {
    enum Access: Equatable {
        case notAsked
        case allowed
        /// Denied or restricted (parental controls, MDM): only Settings can change it.
        case denied
    }

    @Published private(set) var access: Access = .notAsked
    @Published private(set) var position: Position?

    private let manager = CLLocationManager()

    override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyHundredMeters
        manager.distanceFilter = 100
        access = Self.access(manager.authorizationStatus)
    }

    /// Asks for permission the first time, then starts updates while allowed.
    func start() {
        switch manager.authorizationStatus {
        case .notDetermined:
            manager.requestWhenInUseAuthorization()
        case .authorizedWhenInUse, .authorizedAlways:
            manager.startUpdatingLocation()
        default:
            access = .denied
        }
    }

    func stop() {
        manager.stopUpdatingLocation()
    }

    private static func access(_ status: CLAuthorizationStatus) -> Access {
        switch status {
        case .notDetermined: return .notAsked
        case .authorizedWhenInUse, .authorizedAlways: return .allowed
        default: return .denied
        }
    }

    nonisolated func locationManagerDidChangeAuthorization(_ manager: CLLocationManager) {
        let status = manager.authorizationStatus
        Task { @MainActor in
            self.access = Self.access(status)
            if self.access == .allowed {
                self.manager.startUpdatingLocation()
            } else {
                self.position = nil
            }
        }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        guard let last = locations.last, last.horizontalAccuracy >= 0 else { return }
        let position = Position(latitude: last.coordinate.latitude, longitude: last.coordinate.longitude)
        Task { @MainActor in self.position = position }
    }

    nonisolated func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        // kCLErrorLocationUnknown is transient; a denial arrives through the authorization callback.
    }
}
