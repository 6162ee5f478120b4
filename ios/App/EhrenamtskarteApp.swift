import EhrenamtskarteKit
import SwiftUI

/// The app shell: wallet, verify, stores and news.
/// Thin by design: every decision (valid or not, which reason, which code to show, when to
/// renew it, which stores match, whether a feed is trustworthy) comes from the Rust core
/// through EhrenamtskarteKit.
@main
struct EhrenamtskarteApp: App {
    @StateObject private var model = AppModel()
    @Environment(\.scenePhase) private var scenePhase

    init() {
        // BGTaskScheduler wants its handlers before the app finishes launching.
        BackgroundFeedSync.register()
        // Region events relaunch the app in the background: their delegate must exist at launch.
        _ = NewsGeofencing.shared
    }

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
                // Activation letters: https://HOST/activate#CODE (universal link, associated domain
                // in the entitlements) and ehrenamtskarte://activate#CODE (URL scheme in Info.plist)
                // both arrive here; the core reads the code and refuses another host.
                .onOpenURL { url in
                    Task { await model.activate(url.absoluteString) }
                }
        }
        .onChange(of: scenePhase) { phase in
            if phase == .background {
                BackgroundFeedSync.schedule()
            }
        }
    }
}

struct RootView: View {
    @EnvironmentObject private var model: AppModel

    var body: some View {
        TabView {
            NavigationStack { WalletListScreen() }
                .tabItem { Label(model.text.walletTab, systemImage: "person.text.rectangle") }
            NavigationStack { VerifyScreen() }
                .tabItem { Label(model.text.verifyTab, systemImage: "qrcode.viewfinder") }
            NavigationStack { StoresScreen() }
                .tabItem { Label(model.text.storesTab, systemImage: "bag") }
            NavigationStack { NewsScreen() }
                .tabItem { Label(model.text.newsTab, systemImage: "newspaper") }
        }
        .modifier(ActivationDialogs())
    }
}
