// Geofenced news through the Kotlin bindings, as tests/bindings/python/test_news.py tells it: an
// issuer signs a news bundle (areas checked), publishes it in the feed, a phone syncs, and the news
// engine answers what applies at a position, which notifications to show along a walk, and which
// regions to monitor.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.IssueException
import de.ehrenamtskarte.core.IssuerEntrySpec
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.NewsArea
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsEngine
import de.ehrenamtskarte.core.NewsException
import de.ehrenamtskarte.core.NewsItemSpec
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.TrustListSpec
import java.io.File
import kotlin.io.path.createTempDirectory
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

private val MARKET = Position(latitude = 49.4539, longitude = 11.0775)
private const val RING =
    "{\"type\":\"Polygon\",\"coordinates\":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]]," +
        "[[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}"
private const val OPEN_RING = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49],[12,49],[12,50],[11,50]]]}"

private fun newsItem(id: String, area: NewsArea, priority: Int = 1, category: NewsCategory = NewsCategory.EVENT) =
    NewsItemSpec(
        id = id, titleDe = "Titel $id", titleEn = "Title $id", bodyDe = "", bodyEn = "",
        category = category, priority = priority.toUByte(), validFrom = NOW - DAY, validUntil = NOW + 7 * DAY,
        storeId = null, area = area,
    )

/** The Python test's setUp: a feed with two news items, served, synced to a phone, loaded into an engine. */
private class NewsWorld(tmp: File) : AutoCloseable {
    val root: IssuerKey = IssuerKey.generate()
    val issuer: IssuerKey = IssuerKey.generate()
    private val source: StoreDatabase = StoreDatabase.open(File(tmp, "source.db").path)
    private val server: FeedServer
    val phone: StoreDatabase
    val engine: NewsEngine

    init {
        val entry = IssuerEntrySpec(
            publicKey = issuer.publicKey(), name = "Stadt Nürnberg",
            roles = listOf(Role.CARDS, Role.STORES, Role.NEWS), regions = null,
            cardTypes = listOf(CardType.STANDARD), validFrom = NOW - 365 * DAY, validUntil = NOW + 365 * DAY,
            withdrawn = false,
        )
        val trust = root.signTrustList(
            TrustListSpec(
                version = 1uL, issuedAt = NOW - DAY, expiresAt = NOW + 30 * DAY, projectId = 1u,
                issuers = listOf(entry),
            ),
        )
        source.importStores(STORES_CSV.toByteArray(), false)
        val bundle = issuer.signNewsBundle(
            1uL, NOW, NOW + 7 * DAY,
            listOf(
                newsItem("market", NewsArea.Circle(center = MARKET, radiusM = 400.0), priority = 5),
                newsItem("ring", NewsArea.GeoJson(geojson = RING), priority = 1, category = NewsCategory.NOTICE),
            ),
        )
        val feed = File(tmp, "feed")
        assertEquals(
            1uL,
            source.publishFeedWithNews(
                feed.path, issuer, root.publicKey(), trust, emptyList(), listOf(bundle), NOW, 14 * DAY,
            ),
        )
        server = FeedServer(feed)
        phone = StoreDatabase.open(File(tmp, "phone.db").path)
        phone.sync(server.url, root.publicKey(), NOW, null)
        engine = NewsEngine.open(File(tmp, "news-state.db").path)
        assertEquals(2u, engine.reload(phone, root.publicKey(), NOW, false))
    }

    override fun close() {
        try {
            server.close()
        } finally {
            engine.close()
            phone.close()
            source.close()
            issuer.close()
            root.close()
        }
    }
}

/** Runs [body] with a fresh news world; the server is always killed and the temp dir removed. */
private fun withNews(body: (NewsWorld) -> Unit) {
    val tmp = createTempDirectory("ehk-kotlin-news").toFile()
    try {
        NewsWorld(tmp).use(body)
    } finally {
        tmp.deleteRecursively()
    }
}

fun newsAtWithHoles() = withNews { w ->
    assertEquals(listOf("market"), w.engine.newsAt(MARKET, NOW).map { it.id })
    assertEquals(emptyList(), w.engine.newsAt(Position(latitude = 49.45, longitude = 11.075), NOW))
    val inRing = w.engine.newsAt(Position(latitude = 49.41, longitude = 11.01), NOW)
    assertEquals(listOf("ring"), inRing.map { it.id })
    assertEquals(NewsCategory.NOTICE, inRing[0].category)
}

fun newsWalkAndRegions() = withNews { w ->
    // Dwell: the first fix starts it, a fix 61 s later notifies, never twice.
    assertEquals(emptyList(), w.engine.onPosition(MARKET, 10.0, NOW))
    assertEquals(listOf("market"), w.engine.onPosition(MARKET, 10.0, NOW + 61).map { it.id })
    assertEquals(emptyList(), w.engine.onPosition(MARKET, 10.0, NOW + 200))
    // The ring's category is muted: dwelling in it never notifies.
    w.engine.setMuted(NewsCategory.NOTICE, true)
    val ringPoint = Position(latitude = 49.41, longitude = 11.01)
    assertEquals(emptyList(), w.engine.onPosition(ringPoint, 10.0, NOW + 300))
    assertEquals(emptyList(), w.engine.onPosition(ringPoint, 10.0, NOW + 400), "muted")
    val settings = w.engine.settings()
    assertEquals(60L to 3u, settings.dwellSecs to settings.maxPerDay)

    val regions = w.engine.regionsToMonitor(MARKET, 20u, NOW)
    assertTrue(regions.last().refresh)
    assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())
    assertTrue(regions.all { it.radiusM >= 100.0 }, "$regions")
}

fun newsOffersNearFavoritesAndErrors() = withNews { w ->
    val bakeryAt = Position(latitude = 48.137, longitude = 11.575)
    val bakery = w.phone.nearby(bakeryAt, 1u, null, null)[0]
    w.phone.setFavorite(bakery.id, true, NOW)
    assertEquals(3u, w.engine.reload(w.phone, w.root.publicKey(), NOW, true))
    val atBakery = w.engine.newsAt(bakeryAt, NOW)
    assertEquals(listOf("favorite-${bakery.id}" to bakery.id), atBakery.map { it.id to it.storeId })
    assertFailsWith<NewsException.InvalidArgument> { w.engine.newsAt(Position(latitude = 100.0, longitude = 0.0), NOW) }
    assertFailsWith<NewsException.InvalidArgument> {
        w.engine.reload(w.phone, "short".toByteArray(), NOW, false)
    }
    assertFailsWith<IssueException.InvalidRequest> {
        w.issuer.signNewsBundle(2uL, NOW, NOW + DAY, listOf(newsItem("x", NewsArea.GeoJson(geojson = OPEN_RING))))
    }
}

fun registerNewsTests(runner: TestRunner) {
    runner.test("news: news at a position, with holes", ::newsAtWithHoles)
    runner.test("news: walk notifications and regions to monitor", ::newsWalkAndRegions)
    runner.test("news: offers near favorites and errors", ::newsOffersNearFavoritesAndErrors)
}
