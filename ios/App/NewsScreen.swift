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
        guard let store = NewsGeofencing.shared.store else { return }
        rows = (try? await NewsList(store: store, lang: model.lang).rows(at: location.position)) ?? []
    }
}

/// Muted categories and offers near favorites (opt-in; the news and the regions change), both
/// kept by the core, and the permissions background news need.
struct NewsSettingsScreen: View {
    @EnvironmentObject private var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var muted: Set<NewsCategory> = []
    @State private var offersNearFavorites = false

    var body: some View {
        NavigationStack {
            Form {
                Section(model.text.newsNotifyAbout) {
                    ForEach(NewsCategory.all, id: \.self) { category in
                        toggle(category)
                    }
                }
                Section {
                    Toggle(model.text.offersNearFavorites, isOn: Binding(
                        get: { offersNearFavorites },
                        set: { enabled in
                            offersNearFavorites = enabled
                            Task { try? await NewsGeofencing.shared.coordinator?.setOffersNearFavorites(enabled) }
                        }))
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
            .task { load() }
        }
    }

    private func load() {
        guard let store = NewsGeofencing.shared.store else { return }
        muted = Set((try? store.mutedCategories()) ?? [])
        offersNearFavorites = (try? store.offersNearFavorites()) ?? false
    }

    /// On = notify about the category (the core keeps "muted").
    private func toggle(_ category: NewsCategory) -> some View {
        Toggle(category.name(lang: model.lang), isOn: Binding(
            get: { !muted.contains(category) },
            set: { notify in
                guard let store = NewsGeofencing.shared.store else { return }
                if notify { muted.remove(category) } else { muted.insert(category) }
                try? store.setMuted(category: category, muted: !notify)
            }))
    }
}
