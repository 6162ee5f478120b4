// The binding surface of the news: signNewsBundle (both NewsArea variants), publishFeedWithNews
// and each NewsEngine method, with their records and errors crossing the FFI intact. The stories
// told with them (the dwell walk, coarse fixes, muting, which regions to register and when, the
// news list, offers near favorites) are the kit's tests, android/kit/src/test/.../NewsTest.kt.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.IssueException
import de.ehrenamtskarte.core.NewsArea
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.NewsException
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.testing.BAKERY
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.MARKET
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.OPEN_RING
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.newsItem
import de.ehrenamtskarte.testing.withNewsWorld
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** reload, newsAt, onPosition, setMuted, settings/setSettings and regionsToMonitor: the NewsItem, PolicySettings and MonitorRegion records. */
fun newsEngineSurface() = withNewsWorld { w ->
    assertEquals(2u, w.engine.reload(w.phone, w.root.publicKey(), NOW, false))

    val market = w.engine.newsAt(MARKET, NOW).single()
    assertEquals("market", market.id)
    assertEquals(listOf("Titel market", "Title market", "Text market", ""), listOf(market.titleDe, market.titleEn, market.bodyDe, market.bodyEn))
    assertEquals(NewsCategory.EVENT, market.category)
    assertEquals(5.toUByte(), market.priority)
    assertEquals(NOW - DAY to NOW + 7 * DAY, market.validFrom to market.validUntil)
    assertNull(market.storeId)
    assertTrue(market.distanceM in 0.0..1.0, "at the circle's centre: ${market.distanceM}")

    // onPosition returns the items to notify: none at the first fix, the market once the dwell is over.
    assertEquals(emptyList(), w.engine.onPosition(MARKET, 10.0, NOW))
    assertEquals(listOf("market"), w.engine.onPosition(MARKET, 10.0, NOW + 61).map { it.id })

    val settings = w.engine.settings()
    assertEquals(60L to 3u, settings.dwellSecs to settings.maxPerDay)
    val changed = settings.copy(dwellSecs = 120L, maxPerDay = 5u, quietStartMinute = 1320u, quietEndMinute = 420u)
    w.engine.setSettings(changed)
    assertEquals(changed, w.engine.settings())
    w.engine.setMuted(NewsCategory.NOTICE, true) // its effect: the kit's NewsSettingsModel test

    val regions = w.engine.regionsToMonitor(MARKET, 20u, NOW)
    val refresh = regions.last()
    assertTrue(refresh.refresh)
    assertEquals(MARKET, refresh.center)
    assertTrue(refresh.radiusM > 400.0, "$refresh")
    val market400 = regions.single { it.id == "market" }
    assertEquals(MARKET to false, market400.center to market400.refresh)
    assertEquals(400.0, market400.radiusM)
    assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())
}

/** An offer near a favorite carries its store id; NewsException and IssueException arrive typed. */
fun newsOffersAndErrors() = withNewsWorld { w ->
    val bakery = w.phone.nearby(BAKERY, 1u, null, null)[0]
    w.phone.setFavorite(bakery.id, true, NOW)
    assertEquals(3u, w.engine.reload(w.phone, w.root.publicKey(), NOW, true))
    val atBakery = w.engine.newsAt(BAKERY, NOW)
    assertEquals(listOf("favorite-${bakery.id}" to bakery.id), atBakery.map { it.id to it.storeId })

    assertFailsWith<NewsException.InvalidArgument> { w.engine.newsAt(Position(latitude = 100.0, longitude = 0.0), NOW) }
    assertFailsWith<NewsException.InvalidArgument> { w.engine.reload(w.phone, "short".toByteArray(), NOW, false) }
    assertFailsWith<IssueException.InvalidRequest> {
        w.issuer.signNewsBundle(2uL, NOW, NOW + DAY, listOf(newsItem("x", NewsArea.GeoJson(geojson = OPEN_RING))))
    }
}

fun registerNewsTests(runner: TestRunner) {
    runner.test("news: NewsEngine methods and records", ::newsEngineSurface)
    runner.test("news: offers near favorites carry the store id; typed errors", ::newsOffersAndErrors)
}
