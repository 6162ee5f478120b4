package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.Fix
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsArea
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.core.Platform
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.testing.BAKERY
import de.ehrenamtskarte.testing.IN_HOLE
import de.ehrenamtskarte.testing.IN_RING
import de.ehrenamtskarte.testing.MARKET
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.NewsWorld
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.fix
import de.ehrenamtskarte.testing.newsBundle
import de.ehrenamtskarte.testing.newsItem
import de.ehrenamtskarte.testing.withNewsWorld
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertContains
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** 8 km south of the market, outside both news areas. */
private val SOUTH = Position(latitude = 49.38, longitude = 11.0775)

/** The OS's geofences: records each replacement; [accept] false is the OS refusing (no permission). */
private class FakeRegistrar(@Volatile var accept: Boolean = true) : GeofenceRegistrar {
    val calls = CopyOnWriteArrayList<List<MonitorRegion>>()
    override suspend fun replaceAll(regions: List<MonitorRegion>): Boolean {
        calls += regions
        return accept
    }
}

private class FakeNotifier : NewsNotifier {
    val shown = CopyOnWriteArrayList<String>()
    override fun notify(items: List<NewsItem>) {
        items.forEach { shown += it.id }
    }
}

/** The glue over [w]'s feed store with a fake registrar and notifier, run blocking. */
private fun glued(
    w: NewsWorld,
    registrar: FakeRegistrar = FakeRegistrar(),
    notifier: FakeNotifier = FakeNotifier(),
    body: suspend CoroutineScope.(GeofenceCoordinator, FakeRegistrar, FakeNotifier) -> Unit,
) = runBlocking {
    body(GeofenceCoordinator(w.phone, registrar, notifier, VirtualClock(NOW, autoAdvance = true)), registrar, notifier)
}

object NewsTest {
    /** Android: dwell by two fixes at least 60 s apart; registering what the core asks; the refresh circle. */
    private fun androidDwellAndRegistration() = withNewsWorld { w ->
        glued(w) { c, registrar, notifier ->
            assertNull(w.firstSync.geofence.register, "no fix yet: nothing to register around")
            // First fix: the core starts the dwell (no notification) and asks for its regions.
            val first = c.onLocation(fix(MARKET), NOW)
            assertEquals(emptyList(), first.notified)
            val regions = assertNotNull(first.requested)
            assertTrue(first.registered)
            assertEquals(listOf(regions), registrar.calls)
            assertEquals(regions, w.phone.registeredRegions(), "the OS took them: reported back")
            assertTrue(regions.last().refresh)
            assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())
            assertTrue(regions.all { it.radiusM >= 100.0 }, "the core never asks for a region under 100 m: $regions")

            // 61 s later the dwell is complete: notified once, never twice; still inside the refresh circle.
            val second = c.onLocation(fix(MARKET), NOW + 61)
            assertEquals(listOf("market"), second.notified.map { it.id })
            assertNull(second.requested)
            assertEquals(emptyList(), c.onLocation(fix(MARKET), NOW + 200).notified)
            assertEquals(listOf("market"), notifier.shown)
            assertEquals(1, registrar.calls.size)

            // Leaving an item's region changes nothing; leaving the refresh circle registers around the fix.
            assertNull(c.onRegionsExited(listOf("market"), fix(MARKET), NOW + 300).requested)
            val moved = c.onRegionsExited(listOf(regions.last().id), fix(BAKERY), NOW + 310)
            val refresh = assertNotNull(moved.requested).last()
            assertEquals(BAKERY.latitude to BAKERY.longitude, refresh.latitude to refresh.longitude)
            assertTrue(moved.registered)
            assertEquals(2, registrar.calls.size)

            // A position the core refuses: a problem, nothing notified or registered.
            val bad = c.onLocation(Fix(latitude = 100.0, longitude = 0.0, accuracyM = 10.0), NOW + 500)
            assertIs<FeedException.InvalidArgument>(bad.problem)
            assertNull(bad.requested)
            assertEquals(2, registrar.calls.size)

            // After a reboot the OS has forgotten the regions: the next fix registers them again.
            c.onRegionsLost()
            assertEquals(emptyList(), w.phone.registeredRegions())
            assertTrue(c.onLocation(fix(BAKERY), NOW + 600).registered)
            assertEquals(3, registrar.calls.size)
        }
    }

    private fun coarseFixesNeverNotify() = withNewsWorld { w ->
        glued(w) { c, _, notifier ->
            // The 500 m accuracy circle does not lie inside the 400 m area: the core never notifies.
            c.onLocation(fix(MARKET, 500.0), NOW)
            c.onLocation(fix(MARKET, 500.0), NOW + 61)
            c.onLocation(fix(MARKET, 500.0), NOW + 200)
            assertEquals(emptyList(), notifier.shown)
        }
    }

    /** iOS: one entry event with a fix inside the area notifies at once; an entry without a fix waits for one. */
    private fun iosEntryEventAndOneFix() = withNewsWorld(Platform.IOS) { w ->
        glued(w) { c, registrar, notifier ->
            val first = c.onLocation(fix(SOUTH), NOW)
            val regions = assertNotNull(first.requested)
            assertTrue(first.registered)
            assertTrue(regions.size <= 20, "iOS monitors at most 20 regions: ${regions.size}")
            assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())

            val entered = c.onRegionsEntered(listOf("market"), fix(MARKET, 20.0), NOW + 600)
            assertEquals(listOf("market"), entered.notified.map { it.id })
            assertEquals(emptyList(), c.onRegionsEntered(listOf("market"), fix(MARKET, 20.0), NOW + 4_200).notified, "once")

            // No fix with the entry event: remembered, and a fix shortly after confirms it.
            assertEquals(emptyList(), c.onRegionsEntered(listOf("ring"), null, NOW + 5_000).notified)
            assertEquals(listOf("ring"), c.onLocation(fix(IN_RING), NOW + 5_060).notified.map { it.id })
            assertEquals(listOf("market", "ring"), notifier.shown)
            assertTrue(registrar.calls.isNotEmpty())
        }
    }

    /** (a) The OS refuses the regions (no permission yet): reported as refused; granting it later registers. */
    private fun refusedRegistrationThenPermissionGranted() = withNewsWorld { w ->
        glued(w, FakeRegistrar(accept = false)) { c, registrar, _ ->
            val first = c.onLocation(fix(MARKET), NOW)
            assertNotNull(first.requested)
            assertFalse(first.registered)
            assertEquals(emptyList(), w.phone.registeredRegions(), "refused: nothing counts as registered")

            registrar.accept = true
            val granted = c.onPermissionChanged(true, NOW + 30)
            val regions = assertNotNull(granted.requested)
            assertTrue(granted.registered)
            assertContains(regions.map { it.id }, "market")
            assertEquals(regions, w.phone.registeredRegions())
            assertEquals(2, registrar.calls.size)
        }
    }

    /** (b) No background permission at first: nothing is asked for; the grant registers at once. */
    private fun permissionGrantedLater() = withNewsWorld { w ->
        glued(w) { c, registrar, _ ->
            assertNull(c.onPermissionChanged(false, NOW).requested)
            assertNull(c.onLocation(fix(MARKET), NOW + 5).requested, "without the permission nothing is registered")
            assertEquals(0, registrar.calls.size)

            val granted = c.onPermissionChanged(true, NOW + 10)
            val regions = assertNotNull(granted.requested)
            assertTrue(granted.registered)
            assertContains(regions.map { it.id }, "market")
            assertEquals(listOf(regions), registrar.calls)
            assertEquals(regions, w.phone.registeredRegions())
        }
    }

    /** A sync that brings new news hands its geofence update to the glue: the new regions are registered. */
    private fun syncBringsNewRegions() = withNewsWorld { w ->
        glued(w) { c, registrar, _ ->
            assertTrue(c.onLocation(fix(MARKET), NOW).registered)
            val fair = newsItem("fair", NewsArea.Circle(center = Position(latitude = 49.46, longitude = 11.09), radiusM = 300.0))
            assertEquals(2uL, w.publishNews(newsBundle(w.issuer, 2uL, fair)))

            val syncer = FeedSyncer(w.phone, w.server.url, VirtualClock(NOW + 60, autoAdvance = true), geofence = c)
            val synced = assertIs<SyncState.Synced>(syncer.syncNow())
            assertTrue(synced.changed)
            assertEquals(3u, w.phone.newsCount())
            assertEquals(2, registrar.calls.size)
            assertContains(registrar.calls.last().map { it.id }, "fair")
            assertEquals(registrar.calls.last(), w.phone.registeredRegions())
        }
    }

    private fun newsListModelShowsNewsAt() = withNewsWorld { w ->
        val model = NewsListModel(w.phone, VirtualClock(NOW, autoAdvance = true), Dispatchers.Unconfined)
        assertEquals(NewsListState.NoPosition, model.state.value)
        runBlocking {
            val atMarket = assertIs<NewsListState.Items>(model.load(MARKET))
            assertEquals(listOf("market"), atMarket.items.map { it.id })
            assertEquals("Titel market", atMarket.items[0].title(Lang.DE))
            assertEquals("Title market", atMarket.items[0].title(Lang.EN))
            assertEquals("Text market", atMarket.items[0].body(Lang.EN), "no English body: the German one")
            assertEquals(listOf("ring"), assertIs<NewsListState.Items>(model.load(IN_RING)).items.map { it.id })
            assertEquals(NewsCategory.NOTICE, assertIs<NewsListState.Items>(model.state.value).items.single().category)
            assertEquals(emptyList(), assertIs<NewsListState.Items>(model.load(IN_HOLE)).items, "in the ring's hole")
            assertEquals(listOf("ring"), assertIs<NewsListState.Items>(model.load(IN_RING)).items.map { it.id })
            assertEquals(listOf("ring"), assertIs<NewsListState.Items>(model.reload()).items.map { it.id })
            assertEquals(emptyList(), assertIs<NewsListState.Items>(model.load(BAKERY)).items)
            assertIs<NewsListState.Failed>(model.load(Position(latitude = 0.0, longitude = 200.0)))
            assertIs<NewsListState.Failed>(model.state.value)
        }
    }

    private fun settingsMuteAndOffersNearFavorites() = withNewsWorld { w ->
        glued(w) { c, registrar, notifier ->
            val settings = NewsSettingsModel(w.phone, c, VirtualClock(NOW, autoAdvance = true))
            assertEquals(emptySet(), settings.muted.value)
            assertFalse(settings.offersNearFavorites.value)

            settings.setMuted(NewsCategory.NOTICE, true)
            assertEquals(setOf(NewsCategory.NOTICE), settings.muted.value)
            assertEquals(listOf(NewsCategory.NOTICE), w.phone.mutedCategories())
            c.onLocation(fix(IN_RING), NOW)
            c.onLocation(fix(IN_RING), NOW + 61)
            assertEquals(emptyList(), notifier.shown, "muted: the core keeps it silent")

            val bakery = w.phone.nearby(BAKERY, 1u, null, null)[0]
            w.phone.setFavorite(bakery.id, true, NOW)
            val callsBefore = registrar.calls.size
            val outcome = assertNotNull(settings.setOffersNearFavorites(true))
            assertTrue(settings.offersNearFavorites.value)
            assertTrue(outcome.registered)
            assertEquals(callsBefore + 1, registrar.calls.size, "the changed news re-registered")
            assertEquals(listOf("favorite-${bakery.id}"), w.phone.newsAt(BAKERY, NOW).map { it.id })
            assertNull(settings.setOffersNearFavorites(true), "unchanged: nothing to do")
            assertEquals(callsBefore + 1, registrar.calls.size)

            // The core keeps the settings: a new model (a new process) reads them back.
            val reopened = NewsSettingsModel(w.phone, c)
            assertEquals(setOf(NewsCategory.NOTICE), reopened.muted.value)
            assertTrue(reopened.offersNearFavorites.value)

            // Unmuted again, the same category notifies (the once-only state is per item).
            settings.setMuted(NewsCategory.NOTICE, false)
            c.onLocation(fix(IN_RING), NOW + 120)
            c.onLocation(fix(IN_RING), NOW + 200)
            assertEquals(listOf("ring"), notifier.shown)
        }
    }

    fun register(r: TestRunner) {
        r.test("GeofenceCoordinator (Android): dwell over two fixes, registers what the core asks, refresh on exit", ::androidDwellAndRegistration)
        r.test("GeofenceCoordinator: a coarse fix never notifies", ::coarseFixesNeverNotify)
        r.test("GeofenceCoordinator (iOS): one entry event and one fix notify", ::iosEntryEventAndOneFix)
        r.test("GeofenceCoordinator: the OS refuses, then the permission is granted", ::refusedRegistrationThenPermissionGranted)
        r.test("GeofenceCoordinator: no permission at first, granted later", ::permissionGrantedLater)
        r.test("FeedSyncer + GeofenceCoordinator: a sync with new news registers the new regions", ::syncBringsNewRegions)
        r.test("NewsListModel: news at the position in the UI language", ::newsListModelShowsNewsAt)
        r.test("NewsSettingsModel: muted categories and offers near favorites, kept by the core", ::settingsMuteAndOffersNearFavorites)
    }
}
