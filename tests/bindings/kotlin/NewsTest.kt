// The binding surface of the news: signNewsBundle (both NewsArea variants), a feed published with
// news, and each news and geofencing method of FeedStore, with their records (NewsItem,
// PolicySettings, Fix, GeofenceUpdate, MonitorRegion) and errors crossing the FFI intact. The
// stories told with them (the Android dwell walk and the iOS entry event, coarse fixes, muting,
// registering and permissions, the news list, offers near favorites) are the kit's tests,
// android/kit/src/test/.../NewsTest.kt.
//
// Needs EHK_BIN (the `ehk` binary; run.sh falls back to BINDINGS_DIR/bin/ehk).
package bindingtests

import de.ehrenamtskarte.core.FeedException
import de.ehrenamtskarte.core.Fix
import de.ehrenamtskarte.core.IssueException
import de.ehrenamtskarte.core.NewsArea
import de.ehrenamtskarte.core.NewsCategory
import de.ehrenamtskarte.core.Position
import de.ehrenamtskarte.testing.BAKERY
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.MARKET
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.OPEN_RING
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.fix
import de.ehrenamtskarte.testing.newsItem
import de.ehrenamtskarte.testing.withNewsWorld
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** newsCount, newsAt, settings/setSettings, mutedCategories/setMuted: the NewsItem and PolicySettings records. */
fun newsQueriesAndSettings() = withNewsWorld { w ->
    assertEquals(2u, w.phone.newsCount())
    val market = w.phone.newsAt(MARKET, NOW).single()
    assertEquals("market", market.id)
    assertEquals(listOf("Titel market", "Title market", "Text market", ""), listOf(market.titleDe, market.titleEn, market.bodyDe, market.bodyEn))
    assertEquals(NewsCategory.EVENT, market.category)
    assertEquals(5.toUByte(), market.priority)
    assertEquals(NOW - DAY to NOW + 7 * DAY, market.validFrom to market.validUntil)
    assertNull(market.storeId)
    assertTrue(market.distanceM in 0.0..1.0, "at the circle's centre: ${market.distanceM}")

    val settings = w.phone.settings()
    assertEquals(60L to 3u, settings.dwellSecs to settings.maxPerDay)
    val changed = settings.copy(dwellSecs = 120L, maxPerDay = 5u, quietStartMinute = 1320u, quietEndMinute = 420u)
    w.phone.setSettings(changed)
    assertEquals(changed, w.phone.settings())

    assertEquals(emptyList(), w.phone.mutedCategories())
    w.phone.setMuted(NewsCategory.NOTICE, true)
    w.phone.setMuted(NewsCategory.OFFER, true)
    assertEquals(setOf(NewsCategory.NOTICE, NewsCategory.OFFER), w.phone.mutedCategories().toSet())
    w.phone.setMuted(NewsCategory.OFFER, false)
    assertEquals(listOf(NewsCategory.NOTICE), w.phone.mutedCategories())
}

/**
 * onLocation(Fix), regionsRegistered/regionsRefused/registeredRegions, onRegionsEntered/Exited and
 * onPermissionChanged: the Fix, GeofenceUpdate and MonitorRegion records.
 */
fun geofencingCalls() = withNewsWorld { w ->
    assertNull(w.firstSync.geofence.register, "no fix yet: nothing to register around")
    val first = w.phone.onLocation(Fix(latitude = MARKET.latitude, longitude = MARKET.longitude, accuracyM = 10.0), NOW)
    assertEquals(emptyList(), first.notify)
    val regions = assertNotNull(first.register)
    val refresh = regions.last()
    assertTrue(refresh.refresh)
    assertEquals(MARKET.latitude to MARKET.longitude, refresh.latitude to refresh.longitude)
    assertTrue(refresh.radiusM > 400.0, "$refresh")
    val market = regions.single { it.id == "market" }
    assertEquals(Triple(MARKET.latitude, MARKET.longitude, 400.0), Triple(market.latitude, market.longitude, market.radiusM))
    assertFalse(market.refresh)
    assertEquals(setOf("market", "ring"), regions.filter { !it.refresh }.map { it.id }.toSet())

    assertEquals(emptyList(), w.phone.registeredRegions())
    assertFalse(w.phone.regionsRegistered(listOf("market")), "not what was asked for: a stale report")
    assertTrue(w.phone.regionsRegistered(regions.map { it.id }))
    assertEquals(regions, w.phone.registeredRegions())

    // Android's dwell: the second fix, 61 s later, notifies with the NewsItem.
    assertEquals(listOf("market"), w.phone.onLocation(fix(MARKET), NOW + 61).notify.map { it.id })
    assertEquals(emptyList(), w.phone.onRegionsEntered(listOf("market"), fix(MARKET), NOW + 70).notify)
    assertEquals(emptyList(), w.phone.onRegionsEntered(listOf("ring"), null, NOW + 80).notify)
    val left = w.phone.onRegionsExited(listOf(refresh.id), null, NOW + 90)
    assertEquals(refresh.id, assertNotNull(left.register).last().id)
    w.phone.regionsRefused()
    assertEquals(emptyList(), w.phone.registeredRegions())
    assertNull(w.phone.onPermissionChanged(false, NOW + 100).register)
    assertNotNull(w.phone.onPermissionChanged(true, NOW + 110).register)
}

/** setOffersNearFavorites returns a GeofenceUpdate; an offer carries its store id; FeedException and IssueException arrive typed. */
fun newsOffersAndErrors() = withNewsWorld { w ->
    val bakery = w.phone.nearby(BAKERY, 1u, null, null)[0]
    w.phone.setFavorite(bakery.id, true, NOW)
    assertFalse(w.phone.offersNearFavorites())
    val update = w.phone.setOffersNearFavorites(true, NOW)
    assertEquals(emptyList(), update.notify)
    assertTrue(w.phone.offersNearFavorites())
    assertEquals(3u, w.phone.newsCount())
    val atBakery = w.phone.newsAt(BAKERY, NOW)
    assertEquals(listOf("favorite-${bakery.id}" to bakery.id), atBakery.map { it.id to it.storeId })

    assertFailsWith<FeedException.InvalidArgument> { w.phone.newsAt(Position(latitude = 100.0, longitude = 0.0), NOW) }
    assertFailsWith<FeedException.InvalidArgument> { w.phone.onLocation(Fix(latitude = Double.NaN, longitude = 0.0, accuracyM = 5.0), NOW) }
    assertFailsWith<FeedException.InvalidArgument> { w.phone.onRegionsEntered(List(1_001) { "r$it" }, null, NOW) }
    assertFailsWith<IssueException.InvalidRequest> {
        w.issuer.signNewsBundle(2uL, NOW, NOW + DAY, listOf(newsItem("x", NewsArea.GeoJson(geojson = OPEN_RING))))
    }
}

fun registerNewsTests(runner: TestRunner) {
    runner.test("news: newsAt, newsCount, policy settings and mutes", ::newsQueriesAndSettings)
    runner.test("news: geofencing calls and their records", ::geofencingCalls)
    runner.test("news: offers near favorites carry the store id; typed errors", ::newsOffersAndErrors)
}
