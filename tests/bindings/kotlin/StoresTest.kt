// The store database and the feed through the Kotlin bindings, as
// tests/bindings/python/test_stores.py tells it: an issuer imports stores and publishes a signed
// feed, `ehk serve` serves it on loopback, a phone database syncs (with progress), searches with
// German spellings, finds the nearest stores, keeps favorites across syncs, and gets its
// verifier's trust list and revocation list from the same sync.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuedCard
import de.ehrenamtskarte.core.IssuerEntrySpec
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.StoreException
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.SyncException
import de.ehrenamtskarte.core.SyncResult
import de.ehrenamtskarte.core.TrustListSpec
import de.ehrenamtskarte.core.Verification
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.TimeUnit
import kotlin.io.path.createTempDirectory
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

internal const val CAFE_ROW = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
internal const val STORES_CSV =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage," +
        "discountDE,discountEN,categoryId\n" +
        "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n" +
        "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n" +
        CAFE_ROW +
        ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n" +
        "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
private val MARIENPLATZ = Position(latitude = 48.1374, longitude = 11.5755)

/** Root, an issuer with the cards and stores roles, a trust list and a feed directory. */
private class Publisher(workdir: File) {
    val root: IssuerKey = IssuerKey.generate()
    val issuer: IssuerKey = IssuerKey.generate()
    val trust: ByteArray = root.signTrustList(
        TrustListSpec(
            version = 1uL, issuedAt = NOW - DAY, expiresAt = NOW + 30 * DAY, projectId = 1u,
            issuers = listOf(
                IssuerEntrySpec(
                    publicKey = issuer.publicKey(), name = "Landkreis Test",
                    roles = listOf(Role.CARDS, Role.STORES), regions = null,
                    cardTypes = listOf(CardType.STANDARD, CardType.GOLD),
                    validFrom = NOW - 365 * DAY, validUntil = NOW + 365 * DAY, withdrawn = false,
                ),
            ),
        ),
    )
    val db: StoreDatabase = StoreDatabase.open(File(workdir, "source.db").path)
    val feed: File = File(workdir, "feed")

    fun publish(revocations: List<ByteArray> = emptyList()): ULong =
        db.publishFeed(feed.path, issuer, root.publicKey(), trust, revocations, NOW, 14 * DAY)
}

/** `ehk serve FEED --port N` on a free loopback port, up and accepting connections. */
internal class FeedServer(feed: File) : AutoCloseable {
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

/** The Python test's setUp: a published feed (version 1, with a revoked card), served, and an empty phone DB. */
private class FeedWorld(val tmp: File) : AutoCloseable {
    val pub = Publisher(tmp)
    val card: IssuedCard
    val server: FeedServer
    val phone: StoreDatabase

    init {
        val report = pub.db.importStores(STORES_CSV.toByteArray(), false)
        assertEquals(4uL, report.imported)
        assertEquals(listOf(5uL to "name is empty"), report.errors.map { it.line to it.reason })
        card = pub.issuer.issueCard(request("Erika Mustermann"), NOW)
        val revoked = pub.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId))
        assertEquals(1uL, pub.publish(listOf(revoked)))
        server = FeedServer(pub.feed)
        phone = StoreDatabase.open(File(tmp, "phone.db").path)
    }

    val url get() = server.url

    fun sync(progress: ProgressLog? = null): SyncResult = phone.sync(url, pub.root.publicKey(), NOW, progress)

    fun search(
        text: String,
        category: UInt? = null,
        near: Position? = null,
        radiusM: Double? = null,
        byDistance: Boolean = false,
    ): List<String> = phone.search(StoreQuery(text, category, near, radiusM, byDistance, 0u, 20u)).map { it.name }

    override fun close() {
        try {
            server.close()
        } finally {
            phone.close()
            pub.db.close()
        }
    }
}

/** Runs [body] with a fresh feed world; the server is always killed and the temp dir removed. */
private fun withFeed(body: (FeedWorld) -> Unit) {
    val tmp = createTempDirectory("ehk-kotlin-stores").toFile()
    try {
        FeedWorld(tmp).use(body)
    } finally {
        tmp.deleteRecursively()
    }
}

fun syncSearchNearbyFavoritesAndVerifier() = withFeed { f ->
    val progress = ProgressLog()
    val updated = assertIs<SyncResult.Updated>(f.sync(progress))
    assertEquals(1uL, updated.to)
    assertFalse(updated.viaDelta)
    assertTrue(progress.calls.isNotEmpty())
    assertEquals(progress.calls.last().first, progress.calls.last().second)
    assertEquals(4uL, f.phone.storeCount())
    assertIs<SyncResult.NotModified>(f.sync())

    for (spelling in listOf("Muller", "Mueller", "müller")) {
        assertEquals(listOf("Bäckerei Müller"), f.search(spelling), spelling)
    }
    assertContains(f.search("Strasse"), "Café Crème")
    assertEquals(listOf("Buchhandlung Weiß"), f.search("buch", category = 1u))
    assertEquals("Bäckerei Müller", f.search("münchen", near = MARIENPLATZ, byDistance = true).first())
    assertFalse("Ohne Ort" in f.search("münchen", near = MARIENPLATZ, radiusM = 1000.0))

    val near = f.phone.nearby(MARIENPLATZ, 2u, null, null)
    assertEquals(listOf("Bäckerei Müller", "Buchhandlung Weiß"), near.map { it.name })
    assertTrue(assertNotNull(near[0].distanceM) < 100.0)
    val food = f.phone.nearby(MARIENPLATZ, 10u, null, 0u)
    assertEquals(setOf("Bäckerei Müller", "Café Crème"), food.map { it.name }.toSet())
    assertEquals(10, f.phone.categories().size)

    val cafe = f.phone.nearby(Position(48.135, 11.57), 1u, null, null)[0]
    assertTrue(f.phone.setFavorite(cafe.id, true, NOW))
    val details = assertNotNull(f.phone.store(cafe.id))
    assertEquals("Free coffee", details.discounts[0].textEn)
    val favorites = f.phone.favorites(MARIENPLATZ)
    assertEquals(listOf("Café Crème"), favorites.map { it.name })
    assertTrue(assertNotNull(favorites[0].store).favorite)

    // The same sync brought the trust list and the revocation list.
    f.phone.verifier(f.pub.root.publicKey()).use { verifier ->
        assertEquals(Verification.Invalid(InvalidReason.REVOKED), verifier.verify(f.card.qrText, NOW))
    }

    // Version 2 without the café: the favorite stays, without its store, and comes back.
    f.pub.db.importStores(STORES_CSV.replace(CAFE_ROW, "").toByteArray(), false)
    f.pub.publish()
    val v2 = assertIs<SyncResult.Updated>(f.sync())
    assertTrue(v2.viaDelta, "$v2")
    assertNull(f.phone.favorites(null)[0].store)
    f.pub.db.importStores(STORES_CSV.toByteArray(), false)
    f.pub.publish()
    f.sync()
    assertEquals("Café Crème", f.phone.favorites(null)[0].store?.name)
}

fun syncErrorsLeaveTheDatabaseUnchanged() = withFeed { f ->
    f.sync()
    val root = f.pub.root.publicKey()
    assertFailsWith<SyncException.InvalidArgument> { f.phone.sync("ftp://example", root, NOW, null) }
    assertFailsWith<SyncException.InvalidArgument> { f.phone.sync(f.url, "short".toByteArray(), NOW, null) }
    StoreDatabase.open(File(f.tmp, "fresh.db").path).use { fresh ->
        IssuerKey.generate().use { otherRoot ->
            assertFailsWith<SyncException.BadSignature> { fresh.sync(f.url, otherRoot.publicKey(), NOW, null) }
        }
        assertEquals(0uL, fresh.storeCount())
        assertNull(fresh.feedVersion())
        assertFailsWith<SyncException.Expired> { fresh.sync(f.url, root, NOW + 15 * DAY, null) }
    }
    assertFailsWith<SyncException.Network> { f.phone.sync("http://127.0.0.1:9", root, NOW, null) }
    assertFailsWith<StoreException.InvalidArgument> { f.phone.nearby(Position(123.0, 0.0), 5u, null, null) }
    assertFailsWith<StoreException.InvalidArgument> { StoreDatabase.open("") }
    assertEquals(4uL, f.phone.storeCount())
    assertEquals(1uL, f.phone.feedVersion())
}

fun registerStoreTests(runner: TestRunner) {
    runner.test("stores: sync, search, nearby, favorites and verifier", ::syncSearchNearbyFavoritesAndVerifier)
    runner.test("stores: sync errors leave the database unchanged", ::syncErrorsLeaveTheDatabaseUnchanged)
}
