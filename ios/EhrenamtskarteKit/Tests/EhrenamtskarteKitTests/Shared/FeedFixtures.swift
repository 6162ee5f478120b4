// Shared with tests/bindings/swift (see Fixtures.swift): the stores CSV, news items with a circle
// and a polygon with a hole, and an issuer's source database that publishes them as a signed feed.

import EhkCore
import Foundation

let cafeRow = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
/// Four stores in Munich (one without a position) and a row without a name (line 5).
let storesCsv =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,"
    + "discountDE,discountEN,categoryId\n"
    + "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n"
    + "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n"
    + cafeRow
    + ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n"
    + "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
let marienplatz = Position(latitude: 48.1374, longitude: 11.5755)
/// Near "Bäckerei Müller" of `storesCsv`, far from the Nuremberg news areas.
let bakeryPosition = Position(latitude: 48.137, longitude: 11.575)

let newsMarket = Position(latitude: 49.4539, longitude: 11.0775)
let newsRingPoint = Position(latitude: 49.41, longitude: 11.01)
let newsHole = Position(latitude: 49.45, longitude: 11.075)
let newsRing = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]],"
    + "[[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}"
let newsOpenRing = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49],[12,49],[12,50],[11,50]]]}"

func newsItem(_ id: String, _ area: NewsArea, priority: UInt8 = 1, category: NewsCategory = .event) -> NewsItemSpec {
    NewsItemSpec(id: id, titleDe: "Titel \(id)", titleEn: "Title \(id)", bodyDe: "Text \(id)", bodyEn: "",
                 category: category, priority: priority, validFrom: NOW - DAY, validUntil: NOW + 7 * DAY,
                 storeId: nil, area: area)
}

/// A circle of 400 m at the Christkindlesmarkt (an event) and a polygon with a hole (a notice).
let sampleNews = [
    newsItem("market", .circle(center: newsMarket, radiusM: 400), priority: 5),
    newsItem("ring", .geoJson(geojson: newsRing), priority: 1, category: .notice),
]

/// Root, an issuer with the cards, stores and news roles, its trust list, a source database with
/// `storesCsv` imported, a revoked card; feed version 1 published into `feedDir` with `publishFeed`,
/// or with `publishFeedWithNews` when `news` is not empty (then the bundle is signed as version 1).
final class FeedPublisher {
    let world: World
    let source: StoreDatabase
    let importReport: ImportReport
    let feedDir: String
    let revokedCard: IssuedCard
    let revocations: Data
    let newsBundles: [Data]

    var root: IssuerKey { world.root }
    var issuer: IssuerKey { world.issuer }

    init(dir: TempDir, news: [NewsItemSpec] = []) throws {
        world = try World(roles: [.cards, .stores, .news], regions: nil)
        source = try StoreDatabase.open(path: dir.path("source.db"))
        feedDir = dir.path("feed")
        importReport = try source.importStores(data: Data(storesCsv.utf8), geojson: false)
        try require(importReport.imported == 4 && importReport.errors.map(\.line) == [5],
                    "storesCsv imported: \(importReport)")
        revokedCard = try world.issue("Erika Mustermann")
        revocations = try world.issuer.signRevocationList(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY,
                                                          cardIds: [revokedCard.cardId])
        newsBundles = news.isEmpty ? [] : [
            try world.issuer.signNewsBundle(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, items: news),
        ]
        let version = try publish()
        try require(version == 1, "the first feed version is 1, got \(version)")
    }

    /// Publishes the source database's stores (and the news) as the next feed version.
    @discardableResult
    func publish() throws -> UInt64 {
        if newsBundles.isEmpty {
            return try source.publishFeed(
                dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: world.trust,
                revocationLists: [revocations], now: NOW, expiresInSecs: 14 * DAY)
        }
        return try source.publishFeedWithNews(
            dir: feedDir, key: issuer, rootPublicKey: root.publicKey(), trustList: world.trust,
            revocationLists: [revocations], newsBundles: newsBundles, now: NOW, expiresInSecs: 14 * DAY)
    }

    /// Imports `csv` into the source database (replacing its stores) and publishes the next version.
    @discardableResult
    func publish(storesCsv csv: String) throws -> UInt64 {
        _ = try source.importStores(data: Data(csv.utf8), geojson: false)
        return try publish()
    }
}
