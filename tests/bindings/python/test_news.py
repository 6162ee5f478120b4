"""Geofenced news through the Python bindings: an issuer signs a news bundle (areas checked),
publishes it in the feed, a phone syncs, and the news engine answers what applies at a
position, which notifications to show along a walk, and which regions to monitor.

Needs EHK_BIN and the generated module on PYTHONPATH (scripts/test-bindings.sh).
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
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
        source = ehk.StoreDatabase.open(os.path.join(self.tmp.name, "source.db"))
        source.import_stores(CSV, False)
        bundle = self.issuer.sign_news_bundle(1, NOW, NOW + 7 * DAY, [
            item("market", ehk.NewsArea.CIRCLE(center=MARKET, radius_m=400.0), priority=5),
            item("ring", ehk.NewsArea.GEO_JSON(geojson=RING), priority=1, category=ehk.NewsCategory.NOTICE),
        ])
        feed = os.path.join(self.tmp.name, "feed")
        self.assertEqual(source.publish_feed_with_news(feed, self.issuer, self.root.public_key(), self.trust, [],
                                                       [bundle], NOW, 14 * DAY), 1)
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
        self.phone = ehk.StoreDatabase.open(os.path.join(self.tmp.name, "phone.db"))
        self.phone.sync(f"http://127.0.0.1:{port}", self.root.public_key(), NOW, None)
        self.engine = ehk.NewsEngine.open(os.path.join(self.tmp.name, "news-state.db"))
        self.assertEqual(self.engine.reload(self.phone, self.root.public_key(), NOW, False), 2)

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

    def test_walk_and_regions(self):
        # A fix 5 km accurate never triggers the 400 m market circle, however long it stays.
        self.assertEqual(self.engine.on_position(MARKET, 5000.0, NOW), [])
        self.assertEqual(self.engine.on_position(MARKET, 5000.0, NOW + 100), [])
        # Dwell: the first accurate fix starts it, a fix 61 s later notifies, never twice.
        self.assertEqual(self.engine.on_position(MARKET, 10.0, NOW + 200), [])
        self.assertEqual([n.id for n in self.engine.on_position(MARKET, 10.0, NOW + 261)], ["market"])
        self.assertEqual(self.engine.on_position(MARKET, 10.0, NOW + 400), [])
        # Muted categories (the ring is a notice) stay silent.
        self.engine.set_muted(ehk.NewsCategory.NOTICE, True)
        ring_point = ehk.Position(latitude=49.41, longitude=11.01)
        self.assertEqual(self.engine.on_position(ring_point, 10.0, NOW + 300), [])
        self.assertEqual(self.engine.on_position(ring_point, 10.0, NOW + 400), [], "muted")
        settings = self.engine.settings()
        self.assertEqual((settings.dwell_secs, settings.max_per_day), (60, 3))

        regions = self.engine.regions_to_monitor(MARKET, 20, NOW)
        self.assertTrue(regions[-1].refresh)
        self.assertEqual({r.id for r in regions if not r.refresh}, {"market", "ring"})
        self.assertTrue(all(r.radius_m >= 100 for r in regions))

    def test_offers_near_favorites_and_errors(self):
        bakery = self.phone.nearby(ehk.Position(latitude=48.137, longitude=11.575), 1, None, None)[0]
        self.phone.set_favorite(bakery.id, True, NOW)
        self.assertEqual(self.engine.reload(self.phone, self.root.public_key(), NOW, True), 3)
        at_bakery = self.engine.news_at(ehk.Position(latitude=48.137, longitude=11.575), NOW)
        self.assertEqual([(n.id, n.store_id) for n in at_bakery], [(f"favorite-{bakery.id}", bakery.id)])
        with self.assertRaises(ehk.NewsError.InvalidArgument):
            self.engine.news_at(ehk.Position(latitude=100.0, longitude=0.0), NOW)
        with self.assertRaises(ehk.NewsError.InvalidArgument):
            self.engine.reload(self.phone, b"short", NOW, False)
        with self.assertRaises(ehk.IssueError.InvalidRequest):
            self.issuer.sign_news_bundle(2, NOW, NOW + DAY, [item("x", ehk.NewsArea.GEO_JSON(geojson=OPEN_RING))])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python news: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
