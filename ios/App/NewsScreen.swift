import EhrenamtskarteKit
import SwiftUI

/// News and offers where the holder is: the core's `newsAt` for the current position (the
/// kit's NewsList), in the UI language. The toolbar opens the settings: muted categories,
/// offers near favorites, and the permissions background news need.
struct NewsScreen: View {
    @EnvironmentObject private var model: AppModel
    @StateObject private var location = LocationProvider()
    @State private var rows: [NewsRow] = []
    @State private var showSettings = false

    var body: some View {
        List {
            if location.access == .denied {
                Text(model.text.newsLocationDenied).font(.footnote)
            } else if rows.isEmpty {
                Text(location.position == nil ? model.text.newsWaitingForLocation : model.text.noNews)
                    .foregroundStyle(.secondary)
            }
            ForEach(rows) { row in
                VStack(alignment: .leading, spacing: 4) {
                    Text(row.title).font(.headline)
                    if !row.body.isEmpty {
                        Text(row.body)
                    }
                    HStack {
                        Text(row.categoryName)
                        Text(row.distanceText)
                        Text(model.text.newsValidUntil(row.validUntil))
                    }
                    .font(.footnote)
                    .foregroundStyle(.secondary)
                }
            }
        }
        .navigationTitle(model.text.newsTab)
        .toolbar {
            Button { showSettings = true } label: { Image(systemName: "gearshape") }
                .accessibilityLabel(model.text.newsSettings)
        }
        .sheet(isPresented: $showSettings) { NewsSettingsScreen() }
        .task { location.start() }
        .onDisappear { location.stop() }
        .task(id: location.position) { await reloadRows() }
        .onChange(of: model.syncState) { _ in Task { await reloadRows() } }
        .refreshable { await model.syncFeed() }
    }

    private func reloadRows() async {
        guard let engine = NewsGeofencing.shared.engine else { return }
        rows = (try? await NewsList(engine: engine, lang: model.lang).rows(at: location.position)) ?? []
    }
}

/// Muted categories (the core keeps them in its state; UserDefaults only mirrors the toggles),
/// offers near favorites (opt-in; reloads the news and the regions) and the permissions.
struct NewsSettingsScreen: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @AppStorage(NewsSettingsKeys.offersNearFavorites) private var offersNearFavorites = false
    @AppStorage(NewsSettingsKeys.muted(.event)) private var mutedEvent = false
    @AppStorage(NewsSettingsKeys.muted(.offer)) private var mutedOffer = false
    @AppStorage(NewsSettingsKeys.muted(.notice)) private var mutedNotice = false

    var body: some View {
        NavigationStack {
            Form {
                Section(model.text.newsNotifyAbout) {
                    toggle(.event, $mutedEvent)
                    toggle(.offer, $mutedOffer)
                    toggle(.notice, $mutedNotice)
                }
                Section {
                    Toggle(model.text.offersNearFavorites, isOn: $offersNearFavorites)
                        .onChange(of: offersNearFavorites) { enabled in
                            Task {
                                try? await NewsGeofencing.shared.coordinator?.setOffersNearFavorites(enabled)
                            }
                        }
                }
                Section {
                    Button(model.text.enableBackgroundNews) {
                        Task { await NewsGeofencing.shared.enableBackgroundNews() }
                    }
                } footer: {
                    Text(model.text.backgroundNewsExplanation)
                }
            }
            .navigationTitle(model.text.newsSettings)
            .toolbar { Button(model.text.ok) { dismiss() } }
        }
    }

    /// On = notify about the category (the stored flag is "muted").
    private func toggle(_ category: NewsCategory, _ muted: Binding<Bool>) -> some View {
        Toggle(category.name(lang: model.lang), isOn: Binding(
            get: { !muted.wrappedValue },
            set: { notify in
                muted.wrappedValue = !notify
                Task { try? await NewsGeofencing.shared.coordinator?.setMuted(category, !notify) }
            }))
    }
}
