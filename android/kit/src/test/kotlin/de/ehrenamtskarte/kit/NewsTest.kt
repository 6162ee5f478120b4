package de.ehrenamtskarte.kit

import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.MonitorRegion
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsEngine
import de.ehrenamtskarte.core.NewsEngineInterface
import de.ehrenamtskarte.core.NewsException
import de.ehrenamtskarte.core.NewsItem
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.testing.BAKERY
import de.ehrenamtskarte.testing.IN_HOLE
import de.ehrenamtskarte.testing.IN_RING
import de.ehrenamtskarte.testing.MARKET
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.withNewsWorld
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

private class FakeRegistrar : GeofenceRegistrar {
    val calls = CopyOnWriteArrayList<List<MonitorRegion>>()
    override fun replaceAll(regions: List<MonitorRegion>) {
        calls += regions
    }
}

private class FakeNotifier : NewsNotifier {
    val shown = CopyOnWriteArrayList<String>()
    override fun notify(items: List<NewsItem>) {
        items.forEach { shown += it.id }
    }
}

/** The real engine, with the `max` of every `regionsToMonitor` call recorded. */
private class CountingEngine(private val real: NewsEngine) : NewsEngineInterface by real {
    val maxes = CopyOnWriteArrayList<UInt>()
    override fun regionsToMonitor(position: Position, max: UInt, now: Long): List<MonitorRegion> {
        maxes += max
        return real.regionsToMonitor(position, max, now)
    }
}

object NewsTest {
    private fun coordinatorNotifiesWhatTheCoreSaysAndRegistersOnRefresh() = withNewsWorld { w ->
        val engine = CountingEngine(w.engine)
        val registrar = FakeRegistrar()
        val notifier = FakeNotifier()
        val c = GeofenceCoordinator(engine, registrar, notifier, VirtualClock(NOW, autoAdvance = true))
        assertEquals(2u, c.reload(w.phone, w.root.publicKey(), offersNearFavorites = false, now = NOW))
        assertEquals(0, registrar.calls.size, "no position yet: nothing to register around")

        // First fix: the core starts the dwell (no notification), the regions are registered.
        val first = c.onLocation(MARKET, 10.0, NOW)
        assertEquals(emptyList(), first.notified)
        val regions = assertNotNull(first.registered)
        assertTrue(regions.last().refresh)
        assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())
        assertTrue(regions.all { it.radiusM >= 100.0 }, "the core never asks for a region under 100 m: $regions")
        assertEquals(listOf(100u), engine.maxes, "Android's limit")
        assertTrue(c.isRefreshRegion(regions.last().id))
        assertTrue(!c.isRefreshRegion("market"))

        // 61 s later the dwell is complete: notified once, never twice; still inside the refresh circle.
        val second = c.onLocation(MARKET, 10.0, NOW + 61)
        assertEquals(listOf("market"), second.notified.map { it.id })
        assertNull(second.registered)
        assertEquals(emptyList(), c.onLocation(MARKET, 10.0, NOW + 200).notified)
        assertEquals(listOf("market"), notifier.shown)
        assertEquals(1, registrar.calls.size)

        // An exit event for an item's region does not re-register; one for the refresh circle does.
        assertNull(c.onGeofenceExit(listOf("market"), MARKET, 10.0, NOW + 300).registered)
        assertNotNull(c.onGeofenceExit(listOf(regions.last().id), MARKET, 10.0, NOW + 310).registered)
        assertEquals(2, registrar.calls.size)

        // A fix far outside the refresh circle (a missed exit) registers around the new position.
        val far = c.onLocation(BAKERY, 10.0, NOW + 400)
        val moved = assertNotNull(far.registered).last()
        assertTrue(moved.refresh)
        assertEquals(BAKERY, moved.center)
        assertEquals(3, registrar.calls.size)

        // A position the core refuses: a problem, nothing notified, the registration untouched.
        val bad = c.onLocation(Position(latitude = 100.0, longitude = 0.0), 10.0, NOW + 500)
        assertIs<NewsException.InvalidArgument>(bad.problem)
        assertNull(bad.registered)
        assertEquals(3, registrar.calls.size)
        assertEquals(BAKERY, c.position)
    }

    private fun coarseFixesNeverNotify() = withNewsWorld { w ->
        val notifier = FakeNotifier()
        val c = GeofenceCoordinator(w.engine, FakeRegistrar(), notifier)
        c.reload(w.phone, w.root.publicKey(), false, NOW)
        // The 500 m accuracy circle does not lie inside the 400 m area: the core never notifies.
        c.onLocation(MARKET, 500.0, NOW)
        c.onLocation(MARKET, 500.0, NOW + 61)
        c.onLocation(MARKET, 500.0, NOW + 200)
        assertEquals(emptyList(), notifier.shown)
    }

    private fun reloadAfterSyncReRegisters() = withNewsWorld { w ->
        val registrar = FakeRegistrar()
        val c = GeofenceCoordinator(w.engine, registrar, FakeNotifier())
        // Before the first reload the engine knows no items: only the refresh circle.
        val before = assertNotNull(c.onLocation(MARKET, 10.0, NOW).registered)
        assertEquals(listOf(true), before.map { it.refresh })
        // The sync brought the news: reload re-registers around the last position.
        assertEquals(2u, c.reload(w.phone, w.root.publicKey(), false, NOW + 10))
        assertEquals(2, registrar.calls.size)
        assertEquals(setOf("market", "ring"), registrar.calls.last().filter { !it.refresh }.map { it.id }.toSet())
        // refresh() re-registers at the last position (after boot or a granted permission).
        assertNotNull(c.refresh(now = NOW + 20))
        assertEquals(3, registrar.calls.size)
    }

    private fun newsListModelShowsNewsAt() = withNewsWorld { w ->
        w.engine.reload(w.phone, w.root.publicKey(), NOW, false)
        val model = NewsListModel(w.engine, VirtualClock(NOW, autoAdvance = true), Dispatchers.Unconfined)
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
        val notifier = FakeNotifier()
        val registrar = FakeRegistrar()
        val c = GeofenceCoordinator(w.engine, registrar, notifier)
        c.reload(w.phone, w.root.publicKey(), false, NOW)
        val prefs = InMemoryNewsPreferences()
        val settings = NewsSettingsModel(w.engine, prefs) { offers -> c.reload(w.phone, w.root.publicKey(), offers, NOW) }

        settings.setMuted(NewsCategory.NOTICE, true)
        assertEquals(setOf(NewsCategory.NOTICE), settings.muted.value)
        assertEquals(setOf(NewsCategory.NOTICE), prefs.mutedCategories)
        c.onLocation(IN_RING, 10.0, NOW)
        c.onLocation(IN_RING, 10.0, NOW + 61)
        assertEquals(emptyList(), notifier.shown, "muted: the core keeps it silent")

        val bakery = w.phone.nearby(BAKERY, 1u, null, null)[0]
        w.phone.setFavorite(bakery.id, true, NOW)
        val callsBefore = registrar.calls.size
        settings.setOffersNearFavorites(true)
        assertTrue(settings.offersNearFavorites.value)
        assertEquals(callsBefore + 1, registrar.calls.size, "the reload re-registered")
        assertEquals(listOf("favorite-${bakery.id}"), w.engine.newsAt(BAKERY, NOW).map { it.id })
        settings.setOffersNearFavorites(true) // unchanged: no second reload
        assertEquals(callsBefore + 1, registrar.calls.size)

        // Unmuted again, the same category notifies (the once-only state is per item).
        settings.setMuted(NewsCategory.NOTICE, false)
        settings.applyToEngine()
        c.onLocation(IN_RING, 10.0, NOW + 120)
        c.onLocation(IN_RING, 10.0, NOW + 200)
        assertEquals(listOf("ring"), notifier.shown)
    }

    fun register(r: TestRunner) {
        r.test("GeofenceCoordinator: notifies what the core says, registers 100 regions, refresh on exit", ::coordinatorNotifiesWhatTheCoreSaysAndRegistersOnRefresh)
        r.test("GeofenceCoordinator: a coarse fix never notifies", ::coarseFixesNeverNotify)
        r.test("GeofenceCoordinator: reload after a feed sync re-registers", ::reloadAfterSyncReRegisters)
        r.test("NewsListModel: news at the position in the UI language", ::newsListModelShowsNewsAt)
        r.test("NewsSettingsModel: muted categories and offers near favorites", ::settingsMuteAndOffersNearFavorites)
    }
}
