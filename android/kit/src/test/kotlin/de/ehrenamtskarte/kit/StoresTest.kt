package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.core.StoreDatabase
import de.ehrenamtskarte.core.SyncResult
import de.ehrenamtskarte.core.Verification
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
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

object StoresTest {
    private fun withController(
        db: ObservedStoreDatabase,
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

    fun searchAsYouTypeIsDebounced() = withTempDir { dir ->
        importedDatabase(dir).use { real ->
            val db = ObservedStoreDatabase(real)
            withController(db, debounceMillis = 300) { controller, _ ->
                controller.awaitResults("") // the first screen: the core lists stores by name
                db.searches.clear()
                for (text in listOf("M", "Mu", "Mül", "Müll", "müller")) controller.setText(text)
                val found = controller.awaitResults("müller")
                assertEquals(listOf("Bäckerei Müller"), found.stores.map { it.name })
                assertEquals(listOf("müller"), db.searches, "only the text that stood still was searched")

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

    fun newerSearchCancelsTheRunningOneWithoutAnError() = withTempDir { dir ->
        importedDatabase(dir).use { real ->
            val db = ObservedStoreDatabase(real, slowText = "slow")
            withController(db, debounceMillis = 10) { controller, seen ->
                controller.setText("slow")
                assertTrue(db.slowEntered.await(10, java.util.concurrent.TimeUnit.SECONDS), "the slow search started")
                controller.setText("Mueller")
                val found = controller.awaitResults("Mueller")
                assertEquals(listOf("Bäckerei Müller"), found.stores.map { it.name })
                assertTrue(db.cancels.get() >= 1, "the core was told to stop the superseded search")
                assertFalse(seen.any { it is StoreSearchState.Failed }, "$seen")
                assertFalse(seen.any { it.filter.text == "slow" && it is StoreSearchState.Results }, "$seen")
            }
        }
    }

    fun badPositionIsAFailureNotACrash() = withTempDir { dir ->
        importedDatabase(dir).use { real ->
            withController(ObservedStoreDatabase(real), debounceMillis = 10) { controller, _ ->
                controller.setPosition(Position(123.0, 0.0))
                val failed = withTimeout(10_000) { controller.state.first { it is StoreSearchState.Failed } }
                assertEquals(StoreProblem.INVALID_ARGUMENT, (failed as StoreSearchState.Failed).problem)
            }
        }
    }

    fun nearbyStoresWithCategory() = withTempDir { dir ->
        importedDatabase(dir).use { db ->
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

    fun favoritesToggleAndDetails() = withTempDir { dir ->
        importedDatabase(dir).use { db ->
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

    fun feedSyncerReportsProgressAndUserFacingProblems() = withTempDir { dir ->
        Publisher(dir).use { pub ->
            val card = pub.issuer.issueCard(request("Erika Mustermann"), NOW)
            val revoked = pub.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId))
            assertEquals(1uL, pub.publish(listOf(revoked)))
            FeedServer(pub.feed).use { server ->
                StoreDatabase.open(File(dir, "phone.db").path).use { phone ->
                    runBlocking { syncScenario(dir, pub, server, phone, card.qrText) }
                }
            }
        }
    }

    private suspend fun syncScenario(dir: File, pub: Publisher, server: FeedServer, phone: StoreDatabase, revokedCode: String) {
        val root = pub.root.publicKey()
        val clock = VirtualClock(NOW, autoAdvance = true)
        val syncer = FeedSyncer(phone, FeedConfig(server.url, root), clock)

        // Before the first sync the verifier has no trust list; after it, the feed's lists.
        val verifier = ReloadableVerifier(phone.verifier(root))
        assertNull(verifier.trustListVersion())

        val states = syncer.sync().toList()
        assertIs<SyncState.Running>(states.first())
        assertTrue(states.dropLast(1).all { it is SyncState.Running }, "$states")
        val synced = assertIs<SyncState.Synced>(states.last())
        val updated = assertIs<SyncResult.Updated>(synced.result)
        assertEquals(1uL, updated.to)
        assertTrue(synced.changed)
        assertEquals(1uL, synced.feedVersion)
        assertEquals(4uL, synced.storeCount)
        assertEquals(synced, syncer.state.value)

        verifier.replace(phone.verifier(root))
        assertEquals(1uL, verifier.trustListVersion())
        assertEquals(Verification.Invalid(InvalidReason.REVOKED), verifier.verify(revokedCode, NOW))

        val again = assertIs<SyncState.Synced>(syncer.syncNow())
        assertIs<SyncResult.NotModified>(again.result)
        assertFalse(again.changed)

        // Offline: try again soon; the data stays.
        val offline = assertIs<SyncState.Failed>(FeedSyncer(phone, FeedConfig("http://127.0.0.1:9", root), clock).syncNow())
        assertEquals(SyncProblem.OFFLINE, offline.problem)
        assertEquals(SyncRetry.BACKOFF, offline.problem.retry)
        assertEquals(1uL, offline.feedVersion)
        assertEquals(4uL, phone.storeCount())

        // A misconfigured app: no retry.
        val config = assertIs<SyncState.Failed>(FeedSyncer(phone, FeedConfig("ftp://example", root), clock).syncNow())
        assertEquals(SyncProblem.CONFIGURATION, config.problem)
        assertEquals(SyncRetry.NEXT_PERIOD, config.problem.retry)

        StoreDatabase.open(File(dir, "fresh.db").path).use { fresh ->
            // A feed signed under another root: a security problem, never retried with backoff.
            IssuerKey.generate().use { other ->
                val bad = assertIs<SyncState.Failed>(FeedSyncer(fresh, FeedConfig(server.url, other.publicKey()), clock).syncNow())
                assertEquals(SyncProblem.SECURITY, bad.problem)
                assertTrue(bad.problem.isSecurityProblem)
                assertEquals(SyncRetry.NEXT_PERIOD, bad.problem.retry)
                assertNull(bad.feedVersion)
            }
            // The feed expired (the issuer stopped publishing, or the phone's clock is far ahead).
            val late = VirtualClock(NOW + 15 * DAY, autoAdvance = true)
            val expired = assertIs<SyncState.Failed>(FeedSyncer(fresh, FeedConfig(server.url, root), late).syncNow())
            assertEquals(SyncProblem.OUTDATED, expired.problem)
            assertEquals(0uL, fresh.storeCount())
        }
        assertEquals(1uL, phone.feedVersion())
    }

    fun register(r: KitTestRunner) {
        r.test("StoreSearchController: search-as-you-type is debounced", ::searchAsYouTypeIsDebounced)
        r.test("StoreSearchController: a newer search cancels the running one without an error", ::newerSearchCancelsTheRunningOneWithoutAnError)
        r.test("StoreSearchController: a bad position is a failure, not a crash", ::badPositionIsAFailureNotACrash)
        r.test("NearbyStores: nearest N with category", ::nearbyStoresWithCategory)
        r.test("FavoritesModel: toggle, list and details", ::favoritesToggleAndDetails)
        r.test("FeedSyncer: progress, sync result and user-facing problems over ehk serve", ::feedSyncerReportsProgressAndUserFacingProblems)
    }
}
