// The binding surface of the store database and the signed feed: that each exported method, record
// and error of `StoreDatabase` crosses the FFI with its values intact. The stories told with them
// (search as you type, nearby, favorites across syncs, what a failed sync means to the user and
// that it leaves the data alone) are the kit's tests, android/kit/src/test/.../StoresTest.kt.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.StoreException
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.SyncException
import de.ehrenamtskarte.core.SyncResult
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.MARIENPLATZ
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.ProgressLog
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.importedDatabase
import de.ehrenamtskarte.testing.withFeedWorld
import de.ehrenamtskarte.testing.withTempDir
import java.io.File
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

private fun StoreDatabase.names(
    text: String,
    category: UInt? = null,
    near: Position? = null,
    radiusM: Double? = null,
    byDistance: Boolean = false,
    offset: UInt = 0u,
    limit: UInt = 20u,
): List<String> = search(StoreQuery(text, category, near, radiusM, byDistance, offset, limit)).map { it.name }

/** importStores (its ImportReport is checked by importedDatabase), publishFeed, sync with a ProgressListener, verifier. */
fun publishAndSync() = withFeedWorld { f ->
    assertNull(f.phone.feedVersion())
    assertEquals(0uL, f.phone.storeCount())

    val progress = ProgressLog()
    val updated = assertIs<SyncResult.Updated>(f.sync(progress))
    assertEquals(1uL, updated.to)
    assertFalse(updated.viaDelta)
    assertTrue(progress.calls.isNotEmpty(), "the Kotlin ProgressListener was called")
    assertEquals(progress.calls.last().first, progress.calls.last().second)
    assertEquals(4uL, f.phone.storeCount())
    assertEquals(1uL, f.phone.feedVersion())
    assertIs<SyncResult.NotModified>(f.sync())

    // The same sync brought the trust list and the revocation list.
    f.phone.verifier(f.root).use { verifier ->
        assertEquals(1uL, verifier.trustListVersion())
        assertEquals(Verification.Invalid(InvalidReason.REVOKED), verifier.verify(f.card.qrText, NOW))
    }
}

/** search with every StoreQuery field, nearby, categories, store details and favorites: the records come back whole. */
fun queries() = withTempDir { dir ->
    importedDatabase(dir).use { db ->
        val bakery = db.search(StoreQuery("Mueller", null, null, null, false, 0u, 20u)).single()
        assertEquals("Bäckerei Müller", bakery.name)
        assertEquals(listOf("Hauptstraße", "1", "80331", "München"), listOf(bakery.street, bakery.houseNumber, bakery.postalCode, bakery.city))
        assertEquals(0u, bakery.categoryId)
        assertEquals(Position(latitude = 48.137, longitude = 11.575), bakery.position)
        assertEquals("10 % auf Brezen" to "10% off pretzels", bakery.discountDe to bakery.discountEn)
        assertNull(bakery.distanceM, "no position in the query")
        assertFalse(bakery.favorite)

        assertEquals(listOf("Buchhandlung Weiß"), db.names("buch", category = 1u))
        assertEquals("Bäckerei Müller", db.names("münchen", near = MARIENPLATZ, byDistance = true).first())
        assertContains(db.names("münchen"), "Ohne Ort")
        assertFalse("Ohne Ort" in db.names("münchen", near = MARIENPLATZ, radiusM = 1000.0))
        val all = db.names("münchen")
        assertEquals(all.subList(1, 3), db.names("münchen", offset = 1u, limit = 2u))

        val near = db.nearby(MARIENPLATZ, 10u, 1000.0, 0u)
        assertEquals(listOf("Bäckerei Müller", "Café Crème"), near.map { it.name })
        assertTrue(assertNotNull(near[0].distanceM) < 100.0)

        val categories = db.categories()
        assertEquals(10, categories.size)
        assertEquals(categories.size, categories.map { it.id }.toSet().size)
        assertTrue(categories.all { it.nameDe.isNotBlank() && it.nameEn.isNotBlank() }, "$categories")

        val cafe = near[1]
        assertTrue(db.setFavorite(cafe.id, true, NOW))
        assertFalse(db.setFavorite(999_999, true, NOW), "not in the database")
        val details = assertNotNull(db.store(cafe.id))
        assertEquals(cafe.id to "Café Crème", details.id to details.name)
        assertEquals("Free coffee", details.discounts.single().textEn)
        assertNull(db.store(999_999))
        val favorite = db.favorites(MARIENPLATZ).single()
        assertEquals(Triple(cafe.id, "Café Crème", NOW), Triple(favorite.storeId, favorite.name, favorite.addedAt))
        assertTrue(assertNotNull(favorite.store).favorite)
        assertNotNull(favorite.store?.distanceM)
    }
}

/** Each SyncException and StoreException variant the shell can meet arrives as its own Kotlin type. */
fun typedErrors() = withFeedWorld { f ->
    f.sync()
    assertFailsWith<SyncException.InvalidArgument> { f.phone.sync("ftp://example", f.root, NOW, null) }
    assertFailsWith<SyncException.InvalidArgument> { f.phone.sync(f.url, "short".toByteArray(), NOW, null) }
    assertFailsWith<SyncException.Network> { f.phone.sync("http://127.0.0.1:9", f.root, NOW, null) }
    // cancelSync with no sync running stops the next one.
    f.phone.cancelSync()
    assertFailsWith<SyncException.Cancelled> { f.sync() }
    assertIs<SyncResult.NotModified>(f.sync())
    StoreDatabase.open(File(f.dir, "fresh.db").path).use { fresh ->
        IssuerKey.generate().use { otherRoot ->
            assertFailsWith<SyncException.BadSignature> { fresh.sync(f.url, otherRoot.publicKey(), NOW, null) }
        }
        assertFailsWith<SyncException.Expired> { fresh.sync(f.url, f.root, NOW + 15 * DAY, null) }
    }
    assertFailsWith<StoreException.InvalidArgument> { f.phone.nearby(Position(123.0, 0.0), 5u, null, null) }
    assertFailsWith<StoreException.InvalidArgument> { StoreDatabase.open("") }
}

fun registerStoreTests(runner: TestRunner) {
    runner.test("stores: importStores, publishFeed, sync with progress, verifier", ::publishAndSync)
    runner.test("stores: search, nearby, categories, store and favorites records", ::queries)
    runner.test("stores: SyncException and StoreException variants", ::typedErrors)
}
