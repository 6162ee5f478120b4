"""Geofenced news through the Python bindings: an issuer signs a news bundle (areas checked),
publishes it in the feed, a phone's FeedStore syncs and answers what applies at a position,
which notifications to show along a walk and which regions the OS should monitor (the
geofencing decisions are the core's).

Needs EHK_BIN and the generated module on PYTHONPATH (scripts/test-bindings.sh).
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import asyncio
import unittest

import ehk
from test_story import NOW, DAY
from test_stores import CSV, free_port

MARKET = ehk.Position(latitude=49.4539, longitude=11.0775)
RING = ('{"type":"Polygon","coordinates":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]],'
        '[[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}')
OPEN_RING = '{"type":"Polygon","coordinates":[[[11,49],[12,49],[12,50],[11,50]]]}'


def item(id_, area, priority=1, category=ehk.NewsCategory.EVENT):
    return ehk.NewsItemSpec(id=id_, title_de=f"Titel {id_}", title_en=f"Title {id_}", body_de="", body_en="",
                            category=category, priority=priority, valid_from=NOW - DAY, valid_until=NOW + 7 * DAY,
                            store_id=None, area=area)


class News(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = ehk.IssuerKey.generate()
        self.issuer = ehk.IssuerKey.generate()
        entry = ehk.IssuerEntrySpec(
            public_key=self.issuer.public_key(), name="Stadt Nürnberg",
            roles=[ehk.Role.CARDS, ehk.Role.STORES, ehk.Role.NEWS], regions=None,
            card_types=[ehk.CardType.STANDARD], valid_from=NOW - 365 * DAY, valid_until=NOW + 365 * DAY,
            withdrawn=False)
        self.trust = self.root.sign_trust_list(ehk.TrustListSpec(
            version=1, issued_at=NOW - DAY, expires_at=NOW + 30 * DAY, project_id=1, issuers=[entry]))
        bundle = self.issuer.sign_news_bundle(1, NOW, NOW + 7 * DAY, [
            item("market", ehk.NewsArea.CIRCLE(center=MARKET, radius_m=400.0), priority=5),
            item("ring", ehk.NewsArea.GEO_JSON(geojson=RING), priority=1, category=ehk.NewsCategory.NOTICE),
        ])
        feed = os.path.join(self.tmp.name, "feed")
        published = self.issuer.publish_feed(self.root.public_key(), ehk.FeedPublication(
            dir=feed, stores=CSV, geojson=False, trust_list=self.trust, revocation_lists=[],
            news_bundles=[bundle], now=NOW, expires_in_secs=14 * DAY))
        self.assertEqual(published.version, 1)
        port = free_port()
        self.server = subprocess.Popen([os.environ["EHK_BIN"], "serve", feed, "--port", str(port)],
                                       stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        pin = ehk.ProjectPin(root_public_key=self.root.public_key(), project_id=1, trust_list=self.trust)
        self.phone = ehk.FeedStore.open(os.path.join(self.tmp.name, "phone.db"), pin, ehk.Platform.ANDROID, NOW)
        report = asyncio.run(self.phone.sync(f"http://127.0.0.1:{port}", NOW, None))
        self.assertTrue(report.outcome.is_updated())
        self.assertEqual(self.phone.news_count(), 2)
        self.engine = self.phone

    def tearDown(self):
        self.server.kill()
        self.server.wait()
        self.tmp.cleanup()

    def test_news_at_with_holes(self):
        at_market = self.engine.news_at(MARKET, NOW)
        self.assertEqual([n.id for n in at_market], ["market"])
        in_hole = self.engine.news_at(ehk.Position(latitude=49.45, longitude=11.075), NOW)
        self.assertEqual(in_hole, [])
        in_ring = self.engine.news_at(ehk.Position(latitude=49.41, longitude=11.01), NOW)
        self.assertEqual([n.id for n in in_ring], ["ring"])
        self.assertEqual(in_ring[0].category, ehk.NewsCategory.NOTICE)

    def fix(self, p, accuracy, now):
        return self.engine.on_location(ehk.Fix(latitude=p.latitude, longitude=p.longitude, accuracy_m=accuracy), now)

    def test_walk_and_regions(self):
        # The first fix asks the OS for the regions; nothing counts until the OS accepts them.
        first = self.fix(MARKET, 5000.0, NOW)
        regions = first.register
        self.assertTrue(regions[-1].refresh)
        self.assertEqual({r.id for r in regions if not r.refresh}, {"market", "ring"})
        self.assertTrue(all(r.radius_m >= 100 for r in regions))
        self.assertEqual(self.engine.registered_regions(), [])
        self.assertTrue(self.engine.regions_registered([r.id for r in regions]))
        self.assertEqual(len(self.engine.registered_regions()), len(regions))
        # A fix 5 km accurate never triggers the 400 m market circle, however long it stays.
        self.assertEqual(self.fix(MARKET, 5000.0, NOW + 100).notify, [])
        # Dwell: the first accurate fix starts it, a fix 61 s later notifies, never twice.
        self.assertEqual(self.fix(MARKET, 10.0, NOW + 200).notify, [])
        self.assertEqual([n.id for n in self.fix(MARKET, 10.0, NOW + 261).notify], ["market"])
        self.assertEqual(self.fix(MARKET, 10.0, NOW + 400).notify, [])
        # Muted categories (the ring is a notice) stay silent, and the store says which.
        self.engine.set_muted(ehk.NewsCategory.NOTICE, True)
        self.assertEqual(self.engine.muted_categories(), [ehk.NewsCategory.NOTICE])
        ring_point = ehk.Position(latitude=49.41, longitude=11.01)
        self.assertEqual(self.fix(ring_point, 10.0, NOW + 300).notify, [])
        self.assertEqual(self.fix(ring_point, 10.0, NOW + 400).notify, [], "muted")
        settings = self.engine.settings()
        self.assertEqual((settings.dwell_secs, settings.max_per_day), (60, 3))

    def test_permission_granted_later(self):
        # The OS refuses the regions (no "always" permission yet): nothing counts as registered.
        self.assertIsNotNone(self.fix(MARKET, 10.0, NOW).register)
        self.engine.regions_refused()
        self.assertEqual(self.engine.registered_regions(), [])
        self.assertIsNone(self.engine.on_permission_changed(False, NOW + 5).register)
        # Granted later: the regions are asked for again at once, around the last fix.
        again = self.engine.on_permission_changed(True, NOW + 10).register
        self.assertIn("market", [r.id for r in again])
        self.assertTrue(self.engine.regions_registered([r.id for r in again]))

    def test_offers_near_favorites_and_errors(self):
        bakery = self.phone.nearby(ehk.Position(latitude=48.137, longitude=11.575), 1, None, None)[0]
        self.phone.set_favorite(bakery.id, True, NOW)
        self.engine.set_offers_near_favorites(True, NOW)
        self.assertTrue(self.engine.offers_near_favorites())
        self.assertEqual(self.engine.news_count(), 3)
        at_bakery = self.engine.news_at(ehk.Position(latitude=48.137, longitude=11.575), NOW)
        self.assertEqual([(n.id, n.store_id) for n in at_bakery], [(f"favorite-{bakery.id}", bakery.id)])
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            self.engine.news_at(ehk.Position(latitude=100.0, longitude=0.0), NOW)
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            self.engine.on_location(ehk.Fix(latitude=float("nan"), longitude=0.0, accuracy_m=5.0), NOW)
        with self.assertRaises(ehk.IssueError.InvalidRequest):
            self.issuer.sign_news_bundle(2, NOW, NOW + DAY, [item("x", ehk.NewsArea.GEO_JSON(geojson=OPEN_RING))])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python news: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
