package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.CardType
import de.ehrenamtskarte.core.IssuerEntrySpec
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.Role
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.StoreDatabaseInterface
import de.ehrenamtskarte.core.StoreException
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.StoreSummary
import de.ehrenamtskarte.core.TrustListSpec
import java.io.File
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.io.path.createTempDirectory
import kotlin.test.assertEquals

const val CAFE_ROW = "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
const val STORES_CSV =
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage," +
        "discountDE,discountEN,categoryId\n" +
        "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n" +
        "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n" +
        CAFE_ROW +
        ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n" +
        "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
val MARIENPLATZ = Position(latitude = 48.1374, longitude = 11.5755)

/** Runs [body] with a temp dir that is removed afterwards. */
fun <T> withTempDir(body: (File) -> T): T {
    val dir = createTempDirectory("ehk-kit-stores").toFile()
    try {
        return body(dir)
    } finally {
        dir.deleteRecursively()
    }
}

/** A store database filled by the issuer-side import: no network needed. */
fun importedDatabase(dir: File, name: String = "stores.db"): StoreDatabase {
    val db = StoreDatabase.open(File(dir, name).path)
    val report = db.importStores(STORES_CSV.toByteArray(), false)
    assertEquals(4uL, report.imported)
    return db
}

/** Root, an issuer with the cards and stores roles, a signed trust list and a feed directory. */
class Publisher(dir: File) : AutoCloseable {
    val root: IssuerKey = IssuerKey.generate()
    val issuer: IssuerKey = IssuerKey.generate()
    val trust: ByteArray = root.signTrustList(
        TrustListSpec(
            1uL, NOW - DAY, NOW + 30 * DAY, 1u,
            listOf(
                IssuerEntrySpec(
                    publicKey = issuer.publicKey(), name = "Landkreis Test", roles = listOf(Role.CARDS, Role.STORES),
                    regions = null, cardTypes = listOf(CardType.STANDARD, CardType.GOLD),
                    validFrom = NOW - 365 * DAY, validUntil = NOW + 365 * DAY, withdrawn = false,
                ),
            ),
        ),
    )
    val db: StoreDatabase = importedDatabase(dir, "source.db")
    val feed = File(dir, "feed")

    fun publish(revocations: List<ByteArray> = emptyList()): ULong =
        db.publishFeed(feed.path, issuer, root.publicKey(), trust, revocations, NOW, 14 * DAY)

    override fun close() = db.close()
}

/** `ehk serve FEED --port N` on a free loopback port (EHK_BIN, set by android/jvm-tests.sh). */
class FeedServer(feed: File) : AutoCloseable {
    val port: Int = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
    val url = "http://127.0.0.1:$port"
    private val process: Process

    init {
        val bin = System.getenv("EHK_BIN")?.takeIf { it.isNotEmpty() } ?: error("EHK_BIN is not set")
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
 * The real database, with every search counted; a search for [slowText] blocks until
 * `cancelSearch()` and then ends as the core's cancelled search does, with Interrupted.
 */
class ObservedStoreDatabase(
    private val real: StoreDatabase,
    private val slowText: String? = null,
) : StoreDatabaseInterface by real {
    val searches = java.util.concurrent.CopyOnWriteArrayList<String>()
    val cancels = AtomicInteger(0)
    val slowEntered = CountDownLatch(1)
    private val cancelled = CountDownLatch(1)

    override fun search(query: StoreQuery): List<StoreSummary> {
        searches += query.text
        if (query.text == slowText) {
            slowEntered.countDown()
            check(cancelled.await(10, TimeUnit.SECONDS)) { "the slow search was never cancelled" }
            throw StoreException.Interrupted()
        }
        return real.search(query)
    }

    override fun cancelSearch() {
        cancels.incrementAndGet()
        cancelled.countDown()
        real.cancelSearch()
    }
}
