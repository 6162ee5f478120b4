// The feed world shared by the Kotlin binding tests and the kit's tests, as
// tests/bindings/python/test_stores.py and test_news.py set it up: an issuer publishes a signed
// feed from a store CSV (with a revocation list, or with news), `ehk serve` serves it on loopback,
// and the phone's FeedStore syncs from it.
//
// The feed server needs EHK_BIN (the `ehk` binary; the runners fall back to BINDINGS_DIR/bin/ehk).
package de.ehrenamtskarte.testing

import de.ehrenamtskarte.core.FeedPublication
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.Fix
import de.ehrenamtskarte.core.IssuedCard
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.NewsArea
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsItemSpec
import de.ehrenamtskarte.core.Platform
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.ProjectPin
import de.ehrenamtskarte.core.PublishResult
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.SyncOutcome
import de.ehrenamtskarte.core.SyncReport
import kotlinx.coroutines.runBlocking
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertIs

const val CAFE_ROW = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"

/** Four stores in Munich (one without a position) and, on line 5, a row without a name. */
const val STORES_CSV =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage," +
        "discountDE,discountEN,categoryId\n" +
        "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n" +
        "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n" +
        CAFE_ROW +
        ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n" +
        "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
val MARIENPLATZ = Position(latitude = 48.1374, longitude = 11.5755)

/** A root, an issuer with [roles] on its signed trust list, the stores to publish and a feed directory. */
class Publisher(
    dir: File,
    name: String = "Landkreis Test",
    roles: List<Role> = listOf(Role.CARDS, Role.STORES),
) : AutoCloseable {
    val root: IssuerKey = IssuerKey.generate()
    val issuer: IssuerKey = IssuerKey.generate()
    private val entry = issuerEntry(issuer, name, roles, regions = null)

    /** The trust list [publish] puts in the feed (version 1 of project 1 at first). */
    var trust: ByteArray = trustList()
    val feed = File(dir, "feed")

    /** The issuer's trust list of [projectId] at [version], signed by [signer] (this root by default). */
    fun trustList(version: ULong = 1uL, projectId: UInt = 1u, signer: IssuerKey = root): ByteArray =
        signedTrustList(signer, entry, version = version, projectId = projectId)

    /** The project an app built with [trustList] (the published one by default) is pinned to. */
    fun pin(trustList: ByteArray = trust, projectId: UInt = 1u, rootKey: ByteArray = root.publicKey()) =
        ProjectPin(rootPublicKey = rootKey, projectId = projectId, trustList = trustList)

    /** The store CSV the next [publish] puts in the feed. */
    var stores: String = STORES_CSV

    /** Publishes [stores] with the lists and news bundles given; the result says the feed version. */
    fun publish(revocations: List<ByteArray> = emptyList(), news: List<ByteArray> = emptyList(), into: File = feed): PublishResult =
        issuer.publishFeed(
            root.publicKey(),
            FeedPublication(
                dir = into.path, stores = stores.toByteArray(), geojson = false, trustList = trust,
                revocationLists = revocations, newsBundles = news, now = NOW, expiresInSecs = 14 * DAY,
            ),
        )

    override fun close() {
        issuer.close()
        root.close()
    }
}

/** The phone's feed store at [dir]/[name] for the project [pin]. */
fun openPhone(dir: File, pin: ProjectPin, platform: Platform = Platform.ANDROID, name: String = "phone.db"): FeedStore =
    FeedStore.open(File(dir, name).path, pin, platform, NOW)

/** [FeedStore.sync] (a suspend fun) from plain test code. */
fun FeedStore.syncBlocking(url: String, now: Long = NOW, progress: ProgressListener? = null): SyncReport =
    runBlocking { sync(url, now, progress) }

/** `ehk serve FEED --port N` on a free loopback port, up and accepting connections. */
class FeedServer(feed: File) : AutoCloseable {
    val port: Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val process: Process

    init {
        val bin = System.getenv("EHK_BIN")?.takeIf { it.isNotEmpty() }
            ?: error("EHK_BIN is not set (the ehk binary from scripts/bindings.sh)")
        process = ProcessBuilder(bin, "serve", feed.path, "--port", port.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        try {
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
            while (true) {
                try {
                    Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 1000) }
                    break
                } catch (e: java.io.IOException) {
                    check(process.isAlive) { "ehk serve exited with ${process.exitValue()}" }
                    if (System.nanoTime() > deadline) throw e
                    Thread.sleep(50)
                }
            }
        } catch (t: Throwable) {
            close()
            throw t
        }
    }

    override fun close() {
        process.destroyForcibly()
        process.waitFor(10, TimeUnit.SECONDS)
    }
}

/**
 * The stores feed, version 1, published with a revocation list that revokes [card], served by
 * `ehk serve`, and the phone's empty feed store that has not synced yet.
 */
class FeedWorld(val dir: File, platform: Platform = Platform.ANDROID) : AutoCloseable {
    val pub = Publisher(dir)
    val card: IssuedCard = pub.issuer.issueCard(request("Erika Mustermann"), NOW)
    val revocations: List<ByteArray> = listOf(pub.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId)))
    val published: PublishResult = pub.publish(revocations)
    val phone: FeedStore
    val server: FeedServer

    init {
        assertEquals(1uL, published.version)
        phone = openPhone(dir, pub.pin(), platform)
        server = FeedServer(pub.feed)
    }

    val url: String get() = server.url
    val root: ByteArray get() = pub.root.publicKey()

    /** The project the phone is pinned to (the published trust list). */
    val pin: ProjectPin = pub.pin()

    fun sync(progress: ProgressListener? = null, now: Long = NOW): SyncOutcome = phone.syncBlocking(url, now, progress).outcome

    /** Publishes [stores] as the next version (the same revocation list) and returns that version. */
    fun republish(stores: String): ULong {
        pub.stores = stores
        return pub.publish(revocations).version
    }

    override fun close() = closeServed(server, phone, pub)
}

/** Stops [server] first, then closes [phone] and [pub] whatever happened. */
private fun closeServed(server: FeedServer, phone: FeedStore, pub: Publisher) {
    try {
        server.close()
    } finally {
        phone.close()
        pub.close()
    }
}

/** Runs [body] with a fresh feed world; the server is always stopped and the temp dir removed. */
fun withFeedWorld(body: (FeedWorld) -> Unit) = withTempDir { dir -> FeedWorld(dir).use(body) }

/** Runs [body] with the phone's feed store synced to version 1 (four stores): for the store queries. */
fun withSyncedStores(body: (FeedWorld) -> Unit) = withFeedWorld { f ->
    assertIs<SyncOutcome.Updated>(f.sync())
    body(f)
}

val MARKET = Position(latitude = 49.4539, longitude = 11.0775)
val IN_RING = Position(latitude = 49.41, longitude = 11.01)

/** Inside the ring's outer boundary but in its hole, and 470 m from [MARKET]: no news. */
val IN_HOLE = Position(latitude = 49.45, longitude = 11.075)

/** Bäckerei Müller in Munich, far from both news areas. */
val BAKERY = Position(latitude = 48.137, longitude = 11.575)

/** A location fix at [p], [accuracyM] metres accurate. */
fun fix(p: Position, accuracyM: Double = 10.0) = Fix(latitude = p.latitude, longitude = p.longitude, accuracyM = accuracyM)

/** A polygon with a hole, around Nuremberg's centre. */
const val RING =
    "{\"type\":\"Polygon\",\"coordinates\":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]]," +
        "[[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}"

/** A polygon whose ring is not closed: the issuer must refuse to sign it. */
const val OPEN_RING = "{\"type\":\"Polygon\",\"coordinates\":[[[11,49],[12,49],[12,50],[11,50]]]}"

/** A news item valid from a day before [NOW] to a week after, with a German body only. */
fun newsItem(id: String, area: NewsArea, priority: Int = 1, category: NewsCategory = NewsCategory.EVENT) =
    NewsItemSpec(
        id = id, titleDe = "Titel $id", titleEn = "Title $id", bodyDe = "Text $id", bodyEn = "",
        category = category, priority = priority.toUByte(), validFrom = NOW - DAY, validUntil = NOW + 7 * DAY,
        storeId = null, area = area,
    )

/** The news bundle of [NewsWorld]: "market" (a 400 m circle, priority 5) and "ring" (a polygon with a hole, notice). */
fun newsBundle(issuer: IssuerKey, version: ULong = 1uL, vararg extra: NewsItemSpec): ByteArray = issuer.signNewsBundle(
    version, NOW, NOW + 7 * DAY,
    listOf(
        newsItem("market", NewsArea.Circle(center = MARKET, radiusM = 400.0), priority = 5),
        newsItem("ring", NewsArea.GeoJson(geojson = RING), priority = 1, category = NewsCategory.NOTICE),
    ) + extra,
)

/**
 * An issuer with the news role publishes the stores and the two news items of [newsBundle] in a
 * feed served by `ehk serve`; the phone's feed store ([platform]'s geofencing) has synced it and
 * has had no location fix yet. [publishNews] publishes a new version while the server runs.
 */
class NewsWorld(dir: File, platform: Platform = Platform.ANDROID) : AutoCloseable {
    val pub = Publisher(dir, "Stadt Nürnberg", listOf(Role.CARDS, Role.STORES, Role.NEWS))
    val root: IssuerKey get() = pub.root
    val issuer: IssuerKey get() = pub.issuer
    val phone: FeedStore = openPhone(dir, pub.pin(), platform)
    val server: FeedServer
    val firstSync: SyncReport

    init {
        assertEquals(1uL, pub.publish(news = listOf(newsBundle(issuer))).version)
        server = FeedServer(pub.feed)
        firstSync = phone.syncBlocking(server.url)
        assertIs<SyncOutcome.Updated>(firstSync.outcome)
        assertEquals(2u, phone.newsCount())
    }

    /** Publishes the next feed version with [bundle] as its news. */
    fun publishNews(bundle: ByteArray): ULong = pub.publish(news = listOf(bundle)).version

    override fun close() = closeServed(server, phone, pub)
}

/** Runs [body] with a fresh news world in a temp dir that is removed afterwards. */
fun withNewsWorld(platform: Platform = Platform.ANDROID, body: (NewsWorld) -> Unit) =
    withTempDir { dir -> NewsWorld(dir, platform).use(body) }
