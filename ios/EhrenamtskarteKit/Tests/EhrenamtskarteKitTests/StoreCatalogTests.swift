// The stores reach a phone only through a feed sync, and starting `ehk serve` needs
// Foundation's Process: the catalog tests exist on Linux and macOS only.
#if os(Linux) || os(macOS)
import EhkCore
import EhrenamtskarteKit
import XCTest

/// The catalog over a phone's feed store that synced `storesCsv` from a feed served by
/// `ehk serve` on loopback (`ServedFeed`).
final class StoreCatalogTests: ServedFeedTestCase {
    private func syncedCatalog() async throws -> StoreCatalog {
        StoreCatalog(store: try await feed.syncedPhone(), clock: FakeClock(NOW))
    }

    func testSearchFindsGermanSpellingsWithFilters() async throws {
        let catalog = try await syncedCatalog()
        for spelling in ["Muller", "Mueller", "müller"] {
            let found = try await catalog.search(StoreSearchQuery(text: spelling))
            XCTAssertEqual(found?.map(\.name), ["Bäckerei Müller"], spelling)
        }
        let strasse = try await catalog.search(StoreSearchQuery(text: "Strasse"))
        XCTAssertTrue(strasse?.contains { $0.name == "Café Crème" } ?? false, "\(String(describing: strasse))")
        let books = try await catalog.search(StoreSearchQuery(text: "buch", category: 1))
        XCTAssertEqual(books?.map(\.name), ["Buchhandlung Weiß"])
        let nearest = try await catalog.search(StoreSearchQuery(text: "münchen", near: marienplatz, sortByDistance: true))
        XCTAssertEqual(nearest?.first?.name, "Bäckerei Müller")
        XCTAssertNotNil(nearest?.first?.distanceM)
        let all = try await catalog.search(StoreSearchQuery())
        XCTAssertEqual(all?.count, 4, "an empty text lists every store")
    }

    func testSearchAsYouTypeDeliversOnlyTheNewestQuery() async throws {
        let catalog = try await syncedCatalog()
        let (queries, input) = AsyncStream.makeStream(of: StoreSearchQuery.self)
        var updates = catalog.searchResults(for: queries, debounce: .milliseconds(200)).makeAsyncIterator()

        input.yield(StoreSearchQuery()) // the screen opens: every store, at once
        let opened = await updates.next()
        XCTAssertEqual(opened?.query, StoreSearchQuery())
        XCTAssertEqual(opened?.stores.count, 4)

        // Typing: only the last text is searched (the others are debounced or superseded).
        for text in ["M", "Mu", "Mue", "Muel", "Muell", "Mueller"] {
            input.yield(StoreSearchQuery(text: text))
        }
        let typed = await updates.next()
        XCTAssertEqual(typed?.query.text, "Mueller")
        XCTAssertEqual(typed?.stores.map(\.name), ["Bäckerei Müller"])

        // A filter change (same text) runs at once; then a new text.
        input.yield(StoreSearchQuery(text: "Mueller", category: 1))
        let filtered = await updates.next()
        XCTAssertEqual(filtered, .results(StoreSearchQuery(text: "Mueller", category: 1), []))
        input.yield(StoreSearchQuery(text: "buch", category: 1))
        let books = await updates.next()
        XCTAssertEqual(books?.stores.map(\.name), ["Buchhandlung Weiß"])

        input.finish()
        let end = await updates.next()
        XCTAssertNil(end, "the results end with the queries")
    }

    func testSupersededSearchesAndInterruptedReadsAreNotErrors() async throws {
        let catalog = try await syncedCatalog()
        // Searches interrupt each other (and any read on the core's reader connection); a
        // superseded search answers nil and an interrupted read is retried: nothing throws.
        let outcomes = await withTaskGroup(of: (String, Result<Int?, Error>).self) { group -> [(String, Result<Int?, Error>)] in
            for i in 0..<48 {
                switch i % 3 {
                case 0:
                    group.addTask { ("search", await Result(catching: { try await catalog.search(StoreSearchQuery(text: "München"))?.count })) }
                case 1:
                    // (Not `nearby`: the core swallows an interrupt there and answers a short or
                    // empty list as a success; reported upstream.)
                    group.addTask { ("count", await Result(catching: { Int(try await catalog.storeCount()) })) }
                default:
                    group.addTask {
                        catalog.cancelSearch()
                        return ("favorites", await Result(catching: { try await catalog.favorites(near: marienplatz).count }))
                    }
                }
            }
            var all: [(String, Result<Int?, Error>)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        XCTAssertEqual(outcomes.count, 48)
        for (what, result) in outcomes {
            guard case let .success(count) = result else {
                XCTFail("\(what) threw \(result)")
                continue
            }
            switch what {
            case "search": XCTAssertTrue(count == nil || count == 4, "search: \(String(describing: count))")
            case "count": XCTAssertEqual(count, 4, "store count")
            default: XCTAssertEqual(count, 0, "no favorites yet")
            }
        }
    }

    func testNearbyFavoritesAndDetails() async throws {
        let catalog = try await syncedCatalog()
        let near = try await catalog.nearby(marienplatz, limit: 2)
        XCTAssertEqual(near.map(\.name), ["Bäckerei Müller", "Buchhandlung Weiß"])
        XCTAssertLessThan(near[0].distanceM ?? .infinity, 100)
        XCTAssertEqual(near[0].distanceText(lang: .de)?.hasSuffix(" m"), true)
        let food = try await catalog.nearby(marienplatz, limit: 10, category: 0)
        XCTAssertEqual(Set(food.map(\.name)), ["Bäckerei Müller", "Café Crème"])
        let categories = try await catalog.categories()
        XCTAssertEqual(categories.count, 10)
        XCTAssertFalse(categories[0].name(lang: .de).isEmpty)

        let cafe = try await catalog.nearby(Position(latitude: 48.135, longitude: 11.57), limit: 1)[0]
        XCTAssertEqual(cafe.name, "Café Crème")
        let marked = try await catalog.setFavorite(storeId: cafe.id, true)
        XCTAssertTrue(marked)
        let unknown = try await catalog.setFavorite(storeId: 999_999, true)
        XCTAssertFalse(unknown, "an unknown store cannot become a favorite")
        let favorites = try await catalog.favorites(near: marienplatz)
        XCTAssertEqual(favorites.map(\.name), ["Café Crème"])
        XCTAssertEqual(favorites.first?.store?.favorite, true)
        XCTAssertNotNil(favorites.first?.store?.distanceM)

        let details = try await catalog.store(id: cafe.id)
        XCTAssertEqual(details?.discounts.first?.text(lang: .en), "Free coffee")
        XCTAssertEqual(details?.discounts.first?.text(lang: .de), "Kaffee gratis")
        XCTAssertEqual(details?.addressLine, "Sendlinger Straße 3, 80331 München")
        XCTAssertEqual(cafe.addressLine, "Sendlinger Straße 3, 80331 München")
        XCTAssertEqual(cafe.discountText(lang: .en), "Free coffee")

        try await catalog.setFavorite(storeId: cafe.id, false)
        let none = try await catalog.favorites()
        XCTAssertEqual(none, [])
        let missing = try await catalog.store(id: 999_999)
        XCTAssertNil(missing)
    }

    func testInvalidPositionIsAFeedError() async throws {
        let catalog = try await syncedCatalog()
        do {
            _ = try await catalog.nearby(Position(latitude: 123, longitude: 0))
            XCTFail("latitude 123 was accepted")
        } catch let error as FeedError {
            guard case .InvalidArgument = error else { return XCTFail("wrong error \(error)") }
        }
    }
}
#endif

final class StoreTextTests: XCTestCase {
    func testDisplayTexts() {
        XCTAssertEqual(formatDistance(58, lang: .de), "60 m")
        XCTAssertEqual(formatDistance(994, lang: .de), "990 m")
        XCTAssertEqual(formatDistance(996, lang: .de), "1,0 km")
        XCTAssertEqual(formatDistance(1234, lang: .de), "1,2 km")
        XCTAssertEqual(formatDistance(1234, lang: .en), "1.2 km")
        XCTAssertEqual(formatDistance(12_600, lang: .en), "13 km")
        let summary = StoreSummary(
            id: 1, name: "Ohne Ort", categoryId: 6, street: "", houseNumber: "", postalCode: "80331",
            city: "München", position: nil, discountDe: "20 % auf alles", discountEn: "", distanceM: nil,
            favorite: false)
        XCTAssertEqual(summary.discountText(lang: .en), "20 % auf alles", "falls back to the other language")
        XCTAssertNil(summary.distanceText(lang: .de))
        XCTAssertEqual(summary.addressLine, "80331 München")
    }
}
