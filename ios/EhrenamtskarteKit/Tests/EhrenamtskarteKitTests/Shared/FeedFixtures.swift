// Shared with tests/bindings/swift (see Fixtures.swift): the stores CSV, news items with a circle
// and a polygon with a hole, and an issuer that publishes them as a signed feed.

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

/// A location fix at `position`, `accuracy` metres accurate.
func fix(_ position: Position, _ accuracy: Double = 10) -> Fix {
    Fix(latitude: position.latitude, longitude: position.longitude, accuracyM: accuracy)
}

/// A circle of 400 m at the Christkindlesmarkt (an event) and a polygon with a hole (a notice).
let sampleNews = [
    newsItem("market", .circle(center: newsMarket, radiusM: 400), priority: 5),
    newsItem("ring", .geoJson(geojson: newsRing), priority: 1, category: .notice),
]

/// Root, an issuer with the cards, stores and news roles, its trust list, a revoked card; feed
/// version 1 of `storesCsv` (with the revocation list, and `news` signed as bundle version 1 when
/// given) published into `feedDir` with the issuer's `publishFeed`.
final class FeedPublisher {
    let world: World
    let feedDir: String
    let revokedCard: IssuedCard
    let revocations: Data
    let newsBundles: [Data]
    /// What the first publication reported (4 stores; line 5 skipped).
    let first: PublishResult

    var root: IssuerKey { world.root }
    var issuer: IssuerKey { world.issuer }

    init(dir: TempDir, news: [NewsItemSpec] = []) throws {
        world = try World(roles: [.cards, .stores, .news], regions: nil)
        feedDir = dir.path("feed")
        revokedCard = try world.issue("Erika Mustermann")
        revocations = try world.issuer.signRevocationList(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY,
                                                          cardIds: [revokedCard.cardId])
        newsBundles = news.isEmpty ? [] : [
            try world.issuer.signNewsBundle(version: 1, issuedAt: NOW, expiresAt: NOW + 7 * DAY, items: news),
        ]
        first = try Self.publish(world, feedDir, storesCsv, [revocations], newsBundles)
        try require(first.version == 1 && first.stores == 4 && first.importErrors.map(\.line) == [5],
                    "the first publication: \(first)")
    }

    /// Publishes `csv` (by default `storesCsv`), the revocation list and the news as the next
    /// feed version, with `trustList` (by default the world's) into `dir` (by default the feed).
    @discardableResult
    func publish(storesCsv csv: String = storesCsv, trustList: Data? = nil, into dir: String? = nil) throws -> PublishResult {
        try Self.publish(world, dir ?? feedDir, csv, [revocations], newsBundles, trustList: trustList)
    }

    private static func publish(_ world: World, _ dir: String, _ csv: String, _ revocations: [Data],
                                _ news: [Data], trustList: Data? = nil) throws -> PublishResult {
        try world.issuer.publishFeed(rootPublicKey: world.rootPublicKey, publication: FeedPublication(
            dir: dir, stores: Data(csv.utf8), geojson: false, trustList: trustList ?? world.trust,
            revocationLists: revocations, newsBundles: news, now: NOW, expiresInSecs: 14 * DAY))
    }
}
