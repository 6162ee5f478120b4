import EhrenamtskarteKit
import Foundation

/// Build-time configuration from the app bundle (see ios/README.md):
///   - `EHKFeedURL` in Info.plist: the signed feed's URL (the directory with `manifest.cose`);
///   - `root.key.pub` in the bundle: the Land's root public key (hex, as `ehk key generate`
///     writes it); the same key the verify screen uses.
enum AppConfiguration {
    static var feed: FeedConfiguration? {
        guard let url = Bundle.main.object(forInfoDictionaryKey: "EHKFeedURL") as? String,
              !url.trimmingCharacters(in: .whitespaces).isEmpty,
              let keyURL = Bundle.main.url(forResource: "root.key", withExtension: "pub"),
              let hex = try? String(contentsOf: keyURL, encoding: .utf8)
        else { return nil }
        return FeedConfiguration(url: url.trimmingCharacters(in: .whitespaces), rootPublicKeyHex: hex)
    }

    /// The phone's one feed store (stores, trust and revocation lists, news, the geofencing
    /// state), shared by the screens, the background sync and the geofencing: it keeps the news
    /// and the geofencing state in memory, so the process opens it once. Nil without a feed
    /// configuration or when it cannot be opened.
    static let feedStore: FeedStore? = feed.flatMap { try? FeedStore.onDevice(rootPublicKey: $0.rootPublicKey) }

    /// The BGAppRefreshTask identifier; Info.plist lists it under BGTaskSchedulerPermittedIdentifiers.
    static let feedRefreshTask = "de.ehrenamtskarte.app.feed-refresh"

    /// How long iOS should wait at least before the next background refresh.
    static let feedRefreshInterval: TimeInterval = 6 * 60 * 60
}
