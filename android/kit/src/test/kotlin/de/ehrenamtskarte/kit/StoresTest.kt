package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Cancellation
import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.FeedStore
import de.ehrenamtskarte.core.FeedStoreInterface
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.ProgressListener
import de.ehrenamtskarte.core.StoreQuery
import de.ehrenamtskarte.core.StoreSummary
import de.ehrenamtskarte.core.SyncOutcome
import de.ehrenamtskarte.core.SyncReport
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.testing.CAFE_ROW
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.FeedServer
import de.ehrenamtskarte.testing.FeedWorld
import de.ehrenamtskarte.testing.MARIENPLATZ
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.STORES_CSV
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.openPhone
import de.ehrenamtskarte.testing.withFeedWorld
import de.ehrenamtskarte.testing.withSyncedStores
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.File
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

/**
 * The real feed store, with every search counted; a search for [slowText] blocks until
 * `cancelSearch()` and then ends as the core's cancelled search does, with Interrupted.
 */
private class ObservedFeedStore(
    private val real: FeedStore,
    private val slowText: String? = null,
) : FeedStoreInterface by real {
    val searches = CopyOnWriteArrayList<String>()
    val cancels = AtomicInteger(0)
    val slowEntered = CountDownLatch(1)
    private val cancelled = CountDownLatch(1)

    override fun search(query: StoreQuery): List<StoreSummary> {
        searches += query.text
        if (query.text == slowText) {
            slowEntered.countDown()
            check(cancelled.await(10, TimeUnit.SECONDS)) { "the slow search was never cancelled" }
            throw FeedException.Interrupted()
        }
        return real.search(query)
    }

    override fun cancelSearch() {
        cancels.incrementAndGet()
        cancelled.countDown()
        real.cancelSearch()
    }
}

object StoresTest {
    private fun withController(
        db: ObservedFeedStore,
        debounceMillis: Long,
        body: suspend CoroutineScope.(StoreSearchController, List<StoreSearchState>) -> Unit,
    ) = runBlocking {
        val scope = CoroutineScope(Dispatchers.Default)
        try {
            val controller = StoreSearchController(db, scope, debounceMillis = debounceMillis, dispatcher = Dispatchers.IO)
            val seen = CopyOnWriteArrayList<StoreSearchState>()
            scope.launch { controller.state.collect { seen += it } }
            body(controller, seen)
        } finally {
            scope.cancel()
        }
    }

    private suspend fun StoreSearchController.awaitResults(text: String): StoreSearchState.Results = withTimeout(10_000) {
        state.first { it is StoreSearchState.Results && it.filter.text == text } as StoreSearchState.Results
    }

    fun searchAsYouTypeIsDebounced() = withSyncedStores { f ->
        f.phone.let { real ->
            val db = ObservedFeedStore(real)
            withController(db, debounceMillis = 300) { controller, _ ->
                controller.awaitResults("") // the first screen: the core lists stores by name
                db.searches.clear()
                for (text in listOf("M", "Mu", "Mül", "Müll", "müller")) controller.setText(text)
                val found = controller.awaitResults("müller")
                assertEquals(listOf("Bäckerei Müller"), found.stores.map { it.name })
                assertEquals(listOf("müller"), db.searches, "only the text that stood still was searched")
                // The core folds German spellings: u for ü finds it too (ue is the next test's).
                controller.setText("Muller")
                assertEquals(listOf("Bäckerei Müller"), controller.awaitResults("Muller").stores.map { it.name })

                controller.setText("Strasse")
                assertContains(controller.awaitResults("Strasse").stores.map { it.name }, "Café Crème")

                controller.setText("buch")
                controller.setCategory(1u)
                val books = withTimeout(10_000) {
                    controller.state.first { it is StoreSearchState.Results && it.filter.category == 1u && it.filter.text == "buch" }
                }
                assertEquals(listOf("Buchhandlung Weiß"), books.stores.map { it.name })

                controller.setCategory(null)
                controller.setText("")
                controller.setPosition(MARIENPLATZ)
                val nearest = withTimeout(10_000) {
                    controller.state.first { it is StoreSearchState.Results && it.filter.near == MARIENPLATZ }
                }
                assertEquals("Bäckerei Müller", nearest.stores.first().name)
                assertTrue((nearest.stores.first().distanceM ?: 1e9) < 100.0)
            }
        }
    }

    fun newerSearchCancelsTheRunningOneWithoutAnError() = withSyncedStores { f ->
        f.phone.let { real ->
            val db = ObservedFeedStore(real, slowText = "slow")
            withController(db, debounceMillis = 10) { controller, seen ->
                controller.setText("slow")
                assertTrue(db.slowEntered.await(10, TimeUnit.SECONDS), "the slow search started")
                controller.setText("Mueller")
                val found = controller.awaitResults("Mueller")
                assertEquals(listOf("Bäckerei Müller"), found.stores.map { it.name })
                assertTrue(db.cancels.get() >= 1, "the core was told to stop the superseded search")
                assertFalse(seen.any { it is StoreSearchState.Failed }, "$seen")
                assertFalse(seen.any { it.filter.text == "slow" && it is StoreSearchState.Results }, "$seen")
            }
        }
    }

    fun badPositionIsAFailureNotACrash() = withSyncedStores { f ->
        f.phone.let { real ->
            withController(ObservedFeedStore(real), debounceMillis = 10) { controller, _ ->
                controller.setPosition(Position(123.0, 0.0))
                val failed = withTimeout(10_000) { controller.state.first { it is StoreSearchState.Failed } }
                assertEquals(StoreProblem.INVALID_ARGUMENT, (failed as StoreSearchState.Failed).problem)
            }
        }
    }

    fun nearbyStoresWithCategory() = withSyncedStores { f ->
        f.phone.let { db ->
            runBlocking {
                val nearby = NearbyStores(db, limit = 2u)
                nearby.refresh()
                assertEquals(NearbyState.NoPosition, nearby.state.value)
                nearby.update(MARIENPLATZ)
                val two = assertIs<NearbyState.Stores>(nearby.state.value)
                assertEquals(listOf("Bäckerei Müller", "Buchhandlung Weiß"), two.stores.map { it.name })
                NearbyStores(db, limit = 10u).apply { update(MARIENPLATZ, category = 0u) }.let { food ->
                    val stores = assertIs<NearbyState.Stores>(food.state.value).stores
                    assertEquals(setOf("Bäckerei Müller", "Café Crème"), stores.map { it.name }.toSet())
                }
                nearby.update(Position(0.0, 200.0))
                assertEquals(NearbyState.Failed(StoreProblem.INVALID_ARGUMENT), nearby.state.value)
                nearby.update(null)
                assertEquals(NearbyState.NoPosition, nearby.state.value)
            }
        }
    }

    fun favoritesToggleAndDetails() = withSyncedStores { f ->
        f.phone.let { db ->
            runBlocking {
                val favorites = FavoritesModel(db, VirtualClock(NOW, autoAdvance = true))
                val cafe = db.nearby(Position(48.135, 11.57), 1u, null, null).single()
                assertFalse(cafe.favorite)
                assertTrue(favorites.toggle(cafe))
                assertEquals(listOf("Café Crème"), favorites.state.value.map { it.name })
                assertTrue(favorites.isFavorite(cafe.id))
                assertEquals(NOW, favorites.state.value.single().addedAt)
                favorites.refresh(MARIENPLATZ)
                assertTrue(favorites.state.value.single().store!!.favorite)

                val details = db.details(cafe.id).getOrThrow()!!
                assertEquals("Free coffee", details.discounts.single().textEn)
                assertEquals(10, db.categoryList().getOrThrow().size)

                assertFalse(favorites.toggle(cafe.copy(favorite = true)))
                assertEquals(emptyList(), favorites.state.value)
                assertFalse(favorites.setFavorite(999_999, true), "not in the database")
                assertNull(db.details(999_999).getOrThrow())
            }
        }
    }

    fun feedSyncerReportsProgressAndUserFacingProblems() = withFeedWorld { f ->
        runBlocking { syncScenario(f) }
    }

    /** [f]'s feed revokes `f.card`; its phone's feed store has not synced yet. */
    private suspend fun syncScenario(f: FeedWorld) {
        val phone = f.phone
        val clock = VirtualClock(NOW, autoAdvance = true)
        val syncer = FeedSyncer(phone, f.url, clock)

        // Before the first sync the store verifies with the trust list the app ships; the sync
        // brings the revocation list, nothing to rewire.
        val verifier = phone.asCodeVerifier()
        assertEquals(1uL, phone.trustListVersion())
        assertIs<Verification.Valid>(verifier.verify(f.card.qrText, NOW))

        val states = syncer.sync().toList()
        assertIs<SyncState.Running>(states.first())
        assertTrue(states.dropLast(1).all { it is SyncState.Running }, "$states")
        val synced = assertIs<SyncState.Synced>(states.last())
        val updated = assertIs<SyncOutcome.Updated>(synced.result)
        assertEquals(1uL, updated.to)
        assertTrue(synced.changed)
        assertEquals(1uL, synced.feedVersion)
        assertEquals(4uL, synced.storeCount)
        assertEquals(synced, syncer.state.value)

        assertEquals(1uL, phone.trustListVersion())
        assertEquals(Verification.Invalid(InvalidReason.REVOKED), verifier.verify(f.card.qrText, NOW))

        val again = assertIs<SyncState.Synced>(syncer.syncNow())
        assertIs<SyncOutcome.NotModified>(again.result)
        assertFalse(again.changed)

        // Offline: try again soon; the data stays.
        val offline = assertIs<SyncState.Failed>(FeedSyncer(phone, "http://127.0.0.1:9", clock).syncNow())
        assertEquals(SyncProblem.OFFLINE, offline.problem)
        assertEquals(SyncRetry.BACKOFF, offline.problem.retry)
        assertEquals(1uL, offline.feedVersion)
        assertEquals(4uL, phone.storeCount())

        // A misconfigured app: no retry.
        val config = assertIs<SyncState.Failed>(FeedSyncer(phone, "ftp://example", clock).syncNow())
        assertEquals(SyncProblem.CONFIGURATION, config.problem)
        assertEquals(SyncRetry.NEXT_PERIOD, config.problem.retry)

        // A feed signed under another root: a security problem, never retried with backoff.
        IssuerKey.generate().use { other ->
            val otherPin = f.pub.pin(f.pub.trustList(signer = other), rootKey = other.publicKey())
            openPhone(f.dir, otherPin, name = "other.db").use { fresh ->
                val bad = assertIs<SyncState.Failed>(FeedSyncer(fresh, f.url, clock).syncNow())
                assertEquals(SyncProblem.SECURITY, bad.problem)
                assertTrue(bad.problem.isSecurityProblem)
                assertEquals(SyncRetry.NEXT_PERIOD, bad.problem.retry)
                assertNull(bad.feedVersion)
                assertEquals(0uL, fresh.storeCount())
            }
        }
        // The feed expired (the issuer stopped publishing, or the phone's clock is far ahead).
        openPhone(f.dir, f.pin, name = "late.db").use { fresh ->
            val late = VirtualClock(NOW + 15 * DAY, autoAdvance = true)
            val expired = assertIs<SyncState.Failed>(FeedSyncer(fresh, f.url, late).syncNow())
            assertEquals(SyncProblem.OUTDATED, expired.problem)
            assertEquals(0uL, fresh.storeCount())
        }
        // Another project's feed signed by the same root (the host swapped it): a security
        // problem; the phone keeps its project's data.
        f.pub.trust = f.pub.trustList(version = 5uL, projectId = 2u)
        f.pub.publish(into = File(f.dir, "project-2"))
        FeedServer(File(f.dir, "project-2")).use { foreign ->
            val refused = assertIs<SyncState.Failed>(FeedSyncer(phone, foreign.url, clock).syncNow())
            assertEquals(SyncProblem.SECURITY, refused.problem)
            assertEquals(1uL, refused.feedVersion)
            assertEquals(4uL, phone.storeCount())
            assertEquals(1uL, phone.trustListVersion())
        }
        assertEquals(1uL, phone.feedVersion())
    }

    /** A sync stopped half-way (here from its first progress report) is CANCELLED and changes nothing. */
    fun cancelledSyncChangesNothing() = withFeedWorld { f ->
        val cancelling = object : FeedStoreInterface by f.phone {
            override suspend fun sync(url: String, now: Long, progress: ProgressListener?, cancellation: Cancellation?): SyncReport {
                val stop = object : ProgressListener {
                    override fun progress(done: ULong, total: ULong) {
                        f.phone.cancelSync()
                        progress?.progress(done, total)
                    }
                }
                return f.phone.sync(url, now, stop, cancellation)
            }
        }
        runBlocking {
            val clock = VirtualClock(NOW, autoAdvance = true)
            val cancelled = assertIs<SyncState.Failed>(FeedSyncer(cancelling, f.url, clock).syncNow())
            assertEquals(SyncProblem.CANCELLED, cancelled.problem)
            assertEquals(SyncRetry.NEXT_PERIOD, cancelled.problem.retry)
            assertNull(cancelled.feedVersion)
            assertEquals(0uL, f.phone.storeCount())
            assertIs<SyncState.Synced>(FeedSyncer(f.phone, f.url, clock).syncNow())
            assertEquals(4uL, f.phone.storeCount())
        }
    }

    /** The feed drops a favorite store and brings it back (a delta sync each time). */
    fun favoriteOutOfTheFeedStaysAndComesBack() = withFeedWorld { f ->
        runBlocking {
            val syncer = FeedSyncer(f.phone, f.url, VirtualClock(NOW, autoAdvance = true))
            assertIs<SyncState.Synced>(syncer.syncNow())
            val favorites = FavoritesModel(f.phone, VirtualClock(NOW, autoAdvance = true))
            val cafe = f.phone.nearby(Position(48.135, 11.57), 1u, null, null).single()
            assertTrue(favorites.toggle(cafe))

            // Version 2 without the café: the favorite stays, without its store.
            assertEquals(2uL, f.republish(STORES_CSV.replace(CAFE_ROW, "")))
            val v2 = assertIs<SyncState.Synced>(syncer.syncNow())
            assertTrue(assertIs<SyncOutcome.Updated>(v2.result).viaDelta, "$v2")
            assertEquals(3uL, v2.storeCount)
            favorites.refresh()
            val kept = favorites.state.value.single()
            assertEquals("Café Crème", kept.name)
            assertNull(kept.store)
            assertTrue(favorites.isFavorite(cafe.id))

            // Version 3 brings the café back, and with it the favorite's store.
            f.republish(STORES_CSV)
            assertTrue(assertIs<SyncState.Synced>(syncer.syncNow()).changed)
            favorites.refresh()
            assertEquals("Café Crème", favorites.state.value.single().store?.name)
        }
    }

    fun register(r: TestRunner) {
        r.test("StoreSearchController: search-as-you-type is debounced", ::searchAsYouTypeIsDebounced)
        r.test("StoreSearchController: a newer search cancels the running one without an error", ::newerSearchCancelsTheRunningOneWithoutAnError)
        r.test("StoreSearchController: a bad position is a failure, not a crash", ::badPositionIsAFailureNotACrash)
        r.test("NearbyStores: nearest N with category", ::nearbyStoresWithCategory)
        r.test("FavoritesModel: toggle, list and details", ::favoritesToggleAndDetails)
        r.test("FeedSyncer: progress, sync result and user-facing problems over ehk serve", ::feedSyncerReportsProgressAndUserFacingProblems)
        r.test("FeedSyncer: a cancelled sync is CANCELLED and changes nothing", ::cancelledSyncChangesNothing)
        r.test("FavoritesModel: a favorite out of the feed stays and comes back", ::favoriteOutOfTheFeedStaysAndComesBack)
    }
}
