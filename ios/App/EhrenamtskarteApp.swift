import EhrenamtskarteKit
import SwiftUI

/// The app shell: wallet, verify, and the tabs a later issue fills (stores, news).
/// Thin by design: every decision (valid or not, which reason, which code to show, when to
/// renew it) comes from the Rust core through EhrenamtskarteKit.
@main
struct EhrenamtskarteApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView()
                .environmentObject(model)
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
            NavigationStack { StoresPlaceholderScreen() }
                .tabItem { Label(model.text.storesTab, systemImage: "bag") }
            NavigationStack { NewsPlaceholderScreen() }
                .tabItem { Label(model.text.newsTab, systemImage: "newspaper") }
        }
    }
}
