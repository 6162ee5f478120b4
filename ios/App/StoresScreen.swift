import EhrenamtskarteKit
import SwiftUI

/// Partner stores, offline: search as you type (the core's German folding: "Mueller" finds
/// "Müller"), a category filter, "near me" with distances, favorites, and the detail view.
/// The list is whatever the kit's StoreCatalog stream delivers; the feed status line and pull to
/// refresh use the kit's FeedSyncer through AppModel.
struct StoresScreen: View {
    @EnvironmentObject private var model: AppModel
    @StateObject private var location = LocationProvider()
    @State private var searchText = ""
    @State private var category: UInt32?
    @State private var nearMe = false
    @State private var showFavorites = false
    @State private var stores: [StoreSummary] = []
    @State private var favorites: [Favorite] = []
    @State private var categories: [StoreCategory] = []
    @State private var queries: AsyncStream<StoreSearchQuery>.Continuation?

    private var query: StoreSearchQuery {
        let near = nearMe ? location.position : nil
        return StoreSearchQuery(text: searchText, category: category, near: near,
                                sortByDistance: near != nil && searchText.isEmpty, limit: 50)
    }

    var body: some View {
        Group {
            if let catalog = model.catalog {
                list(catalog)
            } else {
                Text(model.text.storesUnavailable)
                    .foregroundStyle(.secondary)
                    .padding(32)
            }
        }
        .navigationTitle(model.text.storesTab)
        .searchable(text: $searchText, prompt: model.text.storeSearchPrompt)
        .toolbar {
            ToolbarItemGroup(placement: .navigationBarTrailing) {
                Button {
                    showFavorites.toggle()
                } label: {
                    Image(systemName: showFavorites ? "star.fill" : "star")
                }
                .accessibilityLabel(model.text.favorites)
                Button {
                    nearMe.toggle()
                    if nearMe { location.start() } else { location.stop() }
                } label: {
                    Image(systemName: nearMe ? "location.fill" : "location")
                }
                .accessibilityLabel(model.text.nearMe)
                categoryMenu
            }
        }
        .task { await run() }
        .onChange(of: query) { _ = queries?.yield($0) }
        .onChange(of: showFavorites) { _ in Task { await reloadFavorites() } }
        .onChange(of: model.syncState) { _ in _ = queries?.yield(query) }
        .refreshable { await model.syncFeed() }
    }

    @ViewBuilder
    private func list(_ catalog: StoreCatalog) -> some View {
        List {
            if let status = model.text.syncStatus(model.syncState) {
                Section { Text(status).font(.footnote).foregroundStyle(.secondary) }
            }
            if nearMe, location.access == .denied {
                Section { Text(model.text.locationDenied).font(.footnote) }
            }
            if showFavorites {
                Section(model.text.favorites) {
                    if favorites.isEmpty {
                        Text(model.text.noFavorites).foregroundStyle(.secondary)
                    }
                    ForEach(favorites, id: \.storeId) { favorite in
                        if let store = favorite.store {
                            storeLink(store)
                        } else {
                            // The store left the feed for now; the favorite stays.
                            Label(favorite.name, systemImage: "star.slash").foregroundStyle(.secondary)
                        }
                    }
                }
            } else {
                if stores.isEmpty {
                    Text(model.text.noStores).foregroundStyle(.secondary)
                }
                ForEach(stores, id: \.id) { store in storeLink(store) }
            }
        }
        .listStyle(.plain)
    }

    private func storeLink(_ store: StoreSummary) -> some View {
        NavigationLink {
            StoreDetailScreen(storeId: store.id, summary: store)
        } label: {
            StoreRow(store: store, lang: model.lang, categoryName: categoryName(store.categoryId)) {
                Task { await toggleFavorite(store) }
            }
        }
    }

    private var categoryMenu: some View {
        Menu {
            Picker(model.text.category, selection: $category) {
                Text(model.text.allCategories).tag(UInt32?.none)
                ForEach(categories, id: \.id) { item in
                    Label(item.name(lang: model.lang), systemImage: item.icon).tag(UInt32?.some(item.id))
                }
            }
        } label: {
            Image(systemName: category == nil ? "line.3.horizontal.decrease.circle"
                                              : "line.3.horizontal.decrease.circle.fill")
        }
        .accessibilityLabel(model.text.category)
    }

    private func categoryName(_ id: UInt32) -> String? {
        categories.first { $0.id == id }?.name(lang: model.lang)
    }

    /// Feeds the query texts into the catalog's search stream for as long as the screen shows.
    private func run() async {
        guard let catalog = model.catalog else { return }
        categories = (try? await catalog.categories()) ?? []
        let (stream, input) = AsyncStream.makeStream(of: StoreSearchQuery.self)
        queries = input
        input.yield(query)
        for await update in catalog.searchResults(for: stream) {
            switch update {
            case let .results(_, found): stores = found
            case .failed: stores = []
            }
        }
    }

    private func reloadFavorites() async {
        guard showFavorites, let catalog = model.catalog else { return }
        favorites = (try? await catalog.favorites(near: nearMe ? location.position : nil)) ?? []
    }

    private func toggleFavorite(_ store: StoreSummary) async {
        guard let catalog = model.catalog else { return }
        _ = try? await catalog.setFavorite(storeId: store.id, !store.favorite)
        _ = queries?.yield(query)
        await reloadFavorites()
    }
}

struct StoreRow: View {
    let store: StoreSummary
    let lang: Lang
    let categoryName: String?
    let toggleFavorite: () -> Void

    var body: some View {
        HStack(alignment: .top, spacing: 12) {
            VStack(alignment: .leading, spacing: 4) {
                Text(store.name).font(.headline)
                Text(store.discountText(lang: lang)).font(.subheadline)
                HStack(spacing: 8) {
                    if let distance = store.distanceText(lang: lang) {
                        Label(distance, systemImage: "location")
                    }
                    if let categoryName { Text(categoryName) }
                }
                .font(.caption)
                .foregroundStyle(.secondary)
            }
            Spacer()
            Button(action: toggleFavorite) {
                Image(systemName: store.favorite ? "star.fill" : "star")
                    .foregroundStyle(store.favorite ? Color.yellow : Color.secondary)
            }
            .buttonStyle(.borderless)
            .accessibilityLabel(store.favorite ? "★" : "☆")
        }
        .padding(.vertical, 4)
    }
}

/// One store: address, contact, every discount in the user's language, favorite star.
struct StoreDetailScreen: View {
    @EnvironmentObject private var model: AppModel
    let storeId: Int64
    let summary: StoreSummary
    @State private var details: StoreDetails?
    @State private var favorite: Bool

    init(storeId: Int64, summary: StoreSummary) {
        self.storeId = storeId
        self.summary = summary
        _favorite = State(initialValue: summary.favorite)
    }

    var body: some View {
        List {
            Section(model.text.discounts) {
                ForEach(Array((details?.discounts ?? []).enumerated()), id: \.offset) { _, discount in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(discount.text(lang: model.lang))
                        if let until = discount.validUntil {
                            Text(model.text.validUntil(until)).font(.caption).foregroundStyle(.secondary)
                        }
                    }
                }
                if details == nil {
                    Text(summary.discountText(lang: model.lang))
                }
            }
            Section(model.text.address) {
                Text(details?.addressLine ?? summary.addressLine)
                if let distance = summary.distanceText(lang: model.lang) {
                    Label(distance, systemImage: "location")
                }
            }
            if let details {
                Section(model.text.contact) {
                    if !details.phone.isEmpty, let url = URL(string: "tel:\(details.phone.filter { !$0.isWhitespace })") {
                        Link(details.phone, destination: url)
                    }
                    if !details.email.isEmpty, let url = URL(string: "mailto:\(details.email)") {
                        Link(details.email, destination: url)
                    }
                    if !details.website.isEmpty, let url = URL(string: details.website) {
                        Link(details.website, destination: url)
                    }
                }
            }
        }
        .navigationTitle(summary.name)
        .toolbar {
            Button {
                Task {
                    guard let catalog = model.catalog else { return }
                    if (try? await catalog.setFavorite(storeId: storeId, !favorite)) != nil {
                        favorite.toggle()
                    }
                }
            } label: {
                Image(systemName: favorite ? "star.fill" : "star")
            }
            .accessibilityLabel(model.text.favorites)
        }
        .task {
            details = try? await model.catalog?.store(id: storeId)
        }
    }
}
