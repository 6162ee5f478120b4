// The binding surface of the feed store: that IssuerKey.publishFeed and each method, record and
// error of `FeedStore` (stores, sync, verifier) cross the FFI with their values intact, the async
// sync included. The stories told with them (search as you type, nearby, favorites across syncs,
// what a failed sync means to the user and that it leaves the data alone) are the kit's tests,
// android/kit/src/test/.../StoresTest.kt.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Platform
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.SyncOutcome
import de.ehrenamtskarte.core.TrustException
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.FeedServer
import de.ehrenamtskarte.testing.MARIENPLATZ
import de.ehrenamtskarte.testing.MapKeyStore
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.ProgressLog
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.openPhone
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.syncBlocking
import de.ehrenamtskarte.testing.withFeedWorld
import de.ehrenamtskarte.testing.withSyncedStores
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

private fun FeedStore.names(
    text: String,
    category: UInt? = null,
    near: Position? = null,
    radiusM: Double? = null,
    byDistance: Boolean = false,
    offset: UInt = 0u,
    limit: UInt = 20u,
): List<String> = search(StoreQuery(text, category, near, radiusM, byDistance, offset, limit)).map { it.name }

/** publishFeed's PublishResult, FeedStore.open, the async sync with a ProgressListener, its SyncReport, verify. */
fun publishAndSync() = withFeedWorld { f ->
    assertEquals(1uL, f.published.version)
    assertEquals(4uL, f.published.stores)
    assertEquals(listOf(5uL to "column 'name': empty"), f.published.importErrors.map { it.line to it.reason })
    assertEquals(emptyList(), f.published.skipped)
    assertNull(f.phone.feedVersion())
    assertEquals(0uL, f.phone.storeCount())
    assertEquals(1uL, f.phone.trustListVersion(), "the shipped trust list")

    val progress = ProgressLog()
    val report = f.phone.syncBlocking(f.url, NOW, progress)
    val updated = assertIs<SyncOutcome.Updated>(report.outcome)
    assertEquals(null to 1uL, updated.from to updated.to)
    assertFalse(updated.viaDelta)
    assertTrue(updated.downloadedBytes > 0uL, "$updated")
    assertEquals(emptyList(), report.geofence.notify)
    assertTrue(progress.calls.isNotEmpty(), "the Kotlin ProgressListener was called")
    assertEquals(progress.calls.last().first, progress.calls.last().second)
    assertEquals(4uL, f.phone.storeCount())
    assertEquals(1uL, f.phone.feedVersion())
    assertEquals(SyncOutcome.NotModified(1uL), f.sync())

    // The same sync brought the trust list and the revocation list.
    assertEquals(1uL, f.phone.trustListVersion())
    assertEquals(Verification.Invalid(InvalidReason.REVOKED), f.phone.verify(f.card.qrText, NOW))
    val valid = assertIs<Verification.Valid>(f.phone.verify(f.pub.issuer.issueCard(request("Max Mustermann"), NOW).qrText, NOW))
    assertEquals(f.pub.issuer.keyId(), valid.card.issuerKeyId)
    // The wallet checks a card with the feed store's verifier: the revoked card stays out.
    Wallet.inMemory(MapKeyStore()).use { wallet ->
        val refused = assertFailsWith<WalletException.CardRefused> { wallet.addCard(f.card.qrText, f.phone.verifier(), NOW) }
        assertEquals(InvalidReason.REVOKED, refused.reason)
        val other = f.pub.issuer.issueCard(request("Max Mustermann"), NOW)
        assertEquals(other.cardId, wallet.addCard(other.qrText, f.phone.verifier(), NOW).cardId)
    }
    // Its lists come with the sync only.
    assertFailsWith<TrustException.InvalidArgument> { f.phone.verifier().loadTrustList(f.pub.trust) }
}

/** search with every StoreQuery field, nearby, categories, store details and favorites: the records come back whole. */
fun queries() = withSyncedStores { f ->
    val db = f.phone
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
    db.cancelSearch() // none running: nothing happens

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

/** Each FeedException variant the shell can meet from the feed arrives as its own Kotlin type. */
fun typedErrors() = withFeedWorld { f ->
    f.sync()
    assertFailsWith<FeedException.InvalidArgument> { f.phone.syncBlocking("ftp://example") }
    assertFailsWith<FeedException.Network> { f.phone.syncBlocking("http://127.0.0.1:9") }
    assertFailsWith<FeedException.InvalidArgument> { openPhone(f.dir, f.pub.pin(rootKey = "short".toByteArray()), name = "short.db") }
    assertFailsWith<FeedException.InvalidArgument> { FeedStore.open("", f.pin, Platform.ANDROID, NOW) }
    IssuerKey.generate().use { otherRoot ->
        val otherPin = f.pub.pin(f.pub.trustList(signer = otherRoot), rootKey = otherRoot.publicKey())
        openPhone(f.dir, otherPin, name = "other.db").use { other ->
            assertFailsWith<FeedException.BadSignature> { other.syncBlocking(f.url) }
        }
    }
    openPhone(f.dir, f.pin, name = "late.db").use { late ->
        assertFailsWith<FeedException.Expired> { late.syncBlocking(f.url, NOW + 15 * DAY) }
    }
    assertFailsWith<FeedException.InvalidArgument> { f.phone.nearby(Position(123.0, 0.0), 5u, null, null) }
}

/**
 * The project pin: a shipped trust list of another root or project, or no trust list, is
 * FeedException.InvalidArgument at open; a fresh phone verifies with the shipped list before any
 * sync and refuses a feed with an older one; a feed of another project signed by the same root is
 * FeedException.WrongProject and changes nothing; resetFeed goes back to the shipped list.
 */
fun projectPin() = withFeedWorld { f ->
    IssuerKey.generate().use { otherRoot ->
        for ((name, pin) in listOf(
            "other-root" to f.pub.pin(f.pub.trustList(signer = otherRoot)),
            "other-project" to f.pub.pin(f.pub.trustList(projectId = 2u)),
            "pinned-elsewhere" to f.pub.pin(projectId = 2u),
            "garbage" to f.pub.pin("not a trust list".toByteArray()),
        )) {
            assertFailsWith<FeedException.InvalidArgument>(name) { openPhone(f.dir, pin, name = "$name.db") }
        }
    }
    assertIs<Verification.Valid>(f.phone.verify(f.card.qrText, NOW), "offline, before any sync")
    openPhone(f.dir, f.pub.pin(f.pub.trustList(version = 2uL)), name = "newer-app.db").use { newer ->
        val refused = assertFailsWith<FeedException.VersionNotNewer> { newer.syncBlocking(f.url) }
        assertEquals(1uL to 2uL, refused.offered to refused.current)
        assertEquals(0uL, newer.storeCount())
        assertEquals(2uL, newer.trustListVersion())
    }

    // The feed moves on to trust list version 2; then the host serves project 2's feed.
    f.pub.trust = f.pub.trustList(version = 2uL)
    f.pub.publish(f.revocations)
    assertIs<SyncOutcome.Updated>(f.sync())
    assertEquals(2uL, f.phone.trustListVersion())
    f.pub.trust = f.pub.trustList(version = 5uL, projectId = 2u)
    f.pub.publish(into = java.io.File(f.dir, "project-2"))
    FeedServer(java.io.File(f.dir, "project-2")).use { foreign ->
        val refused = assertFailsWith<FeedException.WrongProject> { f.phone.syncBlocking(foreign.url) }
        assertEquals(2u to 1u, refused.offered to refused.pinned)
    }
    assertEquals(2uL, f.phone.feedVersion())
    assertEquals(4uL, f.phone.storeCount())
    assertEquals(Verification.Invalid(InvalidReason.REVOKED), f.phone.verify(f.card.qrText, NOW))

    f.phone.resetFeed(NOW)
    assertNull(f.phone.feedVersion())
    assertEquals(1uL, f.phone.trustListVersion(), "back to the shipped list")
    assertIs<Verification.Valid>(f.phone.verify(f.card.qrText, NOW))
}

/** cancelSync stops the sync running now (from a progress callback here) with FeedException.Cancelled; one after it changes nothing. */
fun cancelSync() = withFeedWorld { f ->
    val cancelAtOnce = object : ProgressListener {
        override fun progress(done: ULong, total: ULong) = f.phone.cancelSync()
    }
    assertFailsWith<FeedException.Cancelled> { f.sync(cancelAtOnce) }
    assertNull(f.phone.feedVersion())
    f.phone.cancelSync() // none running: the next sync is not affected
    assertIs<SyncOutcome.Updated>(f.sync())
    // Cancelling the calling coroutine cancels the sync too; the store stays usable.
    runBlocking {
        withTimeoutOrNull(1) { f.phone.sync(f.url, NOW, null) }
    }
    assertEquals(1uL, f.phone.feedVersion())
}

fun registerStoreTests(runner: TestRunner) {
    runner.test("feed store: publishFeed, open, async sync with progress, verify", ::publishAndSync)
    runner.test("feed store: search, nearby, categories, store and favorites records", ::queries)
    runner.test("feed store: FeedException variants", ::typedErrors)
    runner.test("feed store: the project pin and the shipped trust list", ::projectPin)
    runner.test("feed store: cancelSync and a cancelled coroutine", ::cancelSync)
}
