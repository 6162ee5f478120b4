import EhrenamtskarteKit
import Foundation

/// Build-time configuration from the app bundle (see ios/README.md):
///   - `EHKServiceURL` in Info.plist: the issuer service for activation letters;
///   - `EHKFeedURL` in Info.plist: the signed feed's URL (the directory with `manifest.cose`);
///   - `EHKProjectID` in Info.plist: the project the app is pinned to (a number);
///   - `root.key.pub` in the bundle: the Land's root public key (hex, as `ehk key generate`
///     writes it); the same key the verify screen uses;
///   - `trust-list.cose` in the bundle: the project's current root-signed trust list (the feed's
///     `trust-list-N.cose` at build time), the floor a fresh phone verifies with before any sync.
enum AppConfiguration {
    /// The issuer service for activation letters (`EHKServiceURL` in Info.plist, from the build
    /// setting `EHK_SERVICE_HOST`); nil when not set (empty, or the placeholder host
    /// `activation.invalid`). The core refuses a link to any other host.
    static var serviceURL: String? {
        guard let url = (Bundle.main.object(forInfoDictionaryKey: "EHKServiceURL") as? String)?
            .trimmingCharacters(in: .whitespaces),
              url.hasPrefix("https://"), url.count > "https://".count, !url.contains("$("),
              !url.hasSuffix(".invalid")
        else { return nil }
        return url
    }

    static var feed: FeedConfiguration? {
        guard let url = Bundle.main.object(forInfoDictionaryKey: "EHKFeedURL") as? String,
              !url.trimmingCharacters(in: .whitespaces).isEmpty,
              let project = (Bundle.main.object(forInfoDictionaryKey: "EHKProjectID") as? NSNumber)?.uint32Value
                  ?? (Bundle.main.object(forInfoDictionaryKey: "EHKProjectID") as? String).flatMap(UInt32.init),
              let keyURL = Bundle.main.url(forResource: "root.key", withExtension: "pub"),
              let hex = try? String(contentsOf: keyURL, encoding: .utf8),
              let trustURL = Bundle.main.url(forResource: "trust-list", withExtension: "cose"),
              let trustList = try? Data(contentsOf: trustURL)
        else { return nil }
        return FeedConfiguration(url: url.trimmingCharacters(in: .whitespaces), rootPublicKeyHex: hex,
                                 projectId: project, trustList: trustList)
    }

    /// The phone's one feed store (stores, trust and revocation lists, news, the geofencing
    /// state), shared by the screens, the background sync and the geofencing: it keeps the news
    /// and the geofencing state in memory, so the process opens it once. Nil without a feed
    /// configuration or when it cannot be opened.
    static let feedStore: FeedStore? = feed.flatMap { try? FeedStore.onDevice(project: $0.project) }

    /// The BGAppRefreshTask identifier; Info.plist lists it under BGTaskSchedulerPermittedIdentifiers.
    static let feedRefreshTask = "de.ehrenamtskarte.app.feed-refresh"

    /// How long iOS should wait at least before the next background refresh.
    static let feedRefreshInterval: TimeInterval = 6 * 60 * 60
}
