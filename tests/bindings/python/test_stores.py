"""The feed store through the Python bindings: an issuer publishes a signed feed from a store
CSV, `ehk serve` serves it on loopback, the phone's FeedStore syncs (an async call, with
progress), searches with German spellings, finds the nearest stores, keeps favorites across
syncs, and verifies with the trust list and revocation list of the same sync. The phone is pinned
to its project: the trust list it ships with verifies before any sync and is the floor no feed
goes below, and a feed of another project signed by the same root is refused.

Needs EHK_BIN (the `ehk` binary, from scripts/bindings.sh) and the generated module on
PYTHONPATH.
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
from test_story import NOW, DAY, DictKeyStore, request

CSV = (
    "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,"
    "discountDE,discountEN,categoryId\n"
    "Bäckerei Müller,Hauptstraße,1,80331,München,48.1370,11.5750,,,,10 % auf Brezen,10% off pretzels,0\n"
    "Buchhandlung Weiß,Marktplatz,2,80331,München,48.1390,11.5770,,,,5 % auf Bücher,5% off books,1\n"
    "Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n"
    ",Ohne Namen,4,80331,München,48.1,11.5,,,,x,y,0\n"
    "Ohne Ort,Nebenweg,5,80331,München,,,,,,20 % auf alles,20% off,6\n"
).encode()
MARIENPLATZ = ehk.Position(latitude=48.1374, longitude=11.5755)


class ProgressLog(ehk.ProgressListener):
    def __init__(self):
        self.calls = []

    def progress(self, done, total):
        self.calls.append((done, total))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Publisher:
    """Root, an issuer with the cards and stores roles, a trust list and a feed directory."""

    def __init__(self, workdir):
        self.root = ehk.IssuerKey.generate()
        self.issuer = ehk.IssuerKey.generate()
        self.trust = self.trust_list()
        self.feed = os.path.join(workdir, "feed")
        self.stores = CSV

    def trust_list(self, version=1, project_id=1, root=None):
        """The trust list naming the issuer, signed by `root` (the publisher's root by default)."""
        entry = ehk.IssuerEntrySpec(
            public_key=self.issuer.public_key(), name="Landkreis Test",
            roles=[ehk.Role.CARDS, ehk.Role.STORES], regions=None,
            card_types=[ehk.CardType.STANDARD, ehk.CardType.GOLD],
            valid_from=NOW - 365 * DAY, valid_until=NOW + 365 * DAY, withdrawn=False)
        return (root or self.root).sign_trust_list(ehk.TrustListSpec(
            version=version, issued_at=NOW - DAY, expires_at=NOW + 30 * DAY, project_id=project_id,
            issuers=[entry]))

    def pin(self, trust=None, project_id=1, root=None):
        """The project an app built with `trust` (the published trust list by default) is pinned to."""
        return ehk.ProjectPin(root_public_key=root or self.root.public_key(), project_id=project_id,
                              trust_list=trust or self.trust)

    def publish(self, revocations=(), feed=None):
        return self.issuer.publish_feed(self.root.public_key(), ehk.FeedPublication(
            dir=feed or self.feed, stores=self.stores, geojson=False, trust_list=self.trust,
            revocation_lists=list(revocations), news_bundles=[], now=NOW, expires_in_secs=14 * DAY))


def open_phone(path, pin):
    return ehk.FeedStore.open(path, pin, ehk.Platform.ANDROID, NOW)


def serve(feed):
    """`ehk serve FEED` on a free loopback port, accepting connections: (process, url)."""
    port = free_port()
    server = subprocess.Popen([os.environ["EHK_BIN"], "serve", feed, "--port", str(port)],
                              stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if time.time() > deadline:
                server.kill()
                raise
            time.sleep(0.05)


class StoresAndFeed(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.pub = Publisher(self.tmp.name)
        self.card = self.pub.issuer.issue_card(request("Erika Mustermann"), NOW)
        self.revoked = self.pub.issuer.sign_revocation_list(1, NOW, NOW + 7 * DAY, [self.card.card_id])
        report = self.pub.publish([self.revoked])
        self.assertEqual(report.version, 1)
        self.assertEqual(report.stores, 4)
        self.assertEqual([(e.line, e.reason) for e in report.import_errors], [(5, "column 'name': empty")])
        self.server, self.url = serve(self.pub.feed)
        self.servers = [self.server]
        self.phone = open_phone(os.path.join(self.tmp.name, "phone.db"), self.pub.pin())

    def tearDown(self):
        for server in self.servers:
            server.kill()
            server.wait()
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def serve(self, feed):
        server, url = serve(feed)
        self.servers.append(server)
        return url

    def sync(self, progress=None, phone=None, url=None, now=NOW):
        report = asyncio.run((phone or self.phone).sync(url or self.url, now, progress))
        return report.outcome

    def search(self, text, **kw):
        query = ehk.StoreQuery(text=text, category=kw.get("category"), near=kw.get("near"),
                               radius_m=kw.get("radius_m"), sort_by_distance=kw.get("by_distance", False),
                               offset=0, limit=20)
        return [s.name for s in self.phone.search(query)]

    def test_sync_search_nearby_favorites_and_verifier(self):
        progress = ProgressLog()
        result = self.sync(progress)
        self.assertTrue(result.is_updated(), result)
        self.assertEqual(result.to, 1)
        self.assertFalse(result.via_delta)
        self.assertGreater(len(progress.calls), 0)
        self.assertEqual(progress.calls[-1][0], progress.calls[-1][1])
        self.assertEqual(self.phone.store_count(), 4)
        self.assertTrue(self.sync().is_not_modified())

        for spelling in ("Muller", "Mueller", "müller"):
            self.assertEqual(self.search(spelling), ["Bäckerei Müller"], spelling)
        self.assertIn("Café Crème", self.search("Strasse"))
        self.assertEqual(self.search("buch", category=1), ["Buchhandlung Weiß"])
        self.assertEqual(self.search("münchen", near=MARIENPLATZ, by_distance=True)[0], "Bäckerei Müller")
        self.assertNotIn("Ohne Ort", self.search("münchen", near=MARIENPLATZ, radius_m=1000.0))

        near = self.phone.nearby(MARIENPLATZ, 2, None, None)
        self.assertEqual([s.name for s in near], ["Bäckerei Müller", "Buchhandlung Weiß"])
        self.assertLess(near[0].distance_m, 100)
        food = self.phone.nearby(MARIENPLATZ, 10, None, 0)
        self.assertEqual({s.name for s in food}, {"Bäckerei Müller", "Café Crème"})
        self.assertEqual(len(self.phone.categories()), 10)

        cafe = self.phone.nearby(ehk.Position(latitude=48.135, longitude=11.57), 1, None, None)[0]
        self.assertTrue(self.phone.set_favorite(cafe.id, True, NOW))
        details = self.phone.store(cafe.id)
        self.assertEqual(details.discounts[0].text_en, "Free coffee")
        favorites = self.phone.favorites(MARIENPLATZ)
        self.assertEqual([f.name for f in favorites], ["Café Crème"])
        self.assertTrue(favorites[0].store.favorite)

        # The same sync brought the trust list and the revocation list.
        self.assertEqual(self.phone.verify(self.card.qr_text, NOW).reason, ehk.InvalidReason.REVOKED)
        self.assertEqual(self.phone.trust_list_version(), 1)
        # The wallet checks a card with the feed store's verifier: the revoked one stays out.
        wallet = ehk.Wallet.in_memory(DictKeyStore())
        with self.assertRaises(ehk.WalletError.CardRefused) as refused:
            wallet.add_card(self.card.qr_text, self.phone.verifier(), NOW)
        self.assertEqual(refused.exception.reason, ehk.InvalidReason.REVOKED)
        other = self.pub.issuer.issue_card(request("Max Mustermann"), NOW)
        self.assertEqual(wallet.add_card(other.qr_text, self.phone.verifier(), NOW).card_id, other.card_id)
        with self.assertRaises(ehk.TrustError.InvalidArgument):
            self.phone.verifier().load_trust_list(self.pub.trust)

        # Version 2 without the café: the favorite stays, without its store, and comes back.
        without = CSV.replace("Café Crème,Sendlinger Straße,3,80331,München,48.1350,11.5700,,,,Kaffee gratis,Free coffee,0\n".encode(), b"")
        self.pub.stores = without
        self.pub.publish([self.revoked])
        result = self.sync()
        self.assertTrue(result.is_updated() and result.via_delta, result)
        self.assertIsNone(self.phone.favorites(None)[0].store)
        self.pub.stores = CSV
        self.pub.publish([self.revoked])
        self.sync()
        self.assertEqual(self.phone.favorites(None)[0].store.name, "Café Crème")

    def test_before_the_first_sync_the_wallet_checks_cards_on_the_shipped_trust_list(self):
        wallet = ehk.Wallet.in_memory(DictKeyStore())
        # A verifier without any trust list stores nothing.
        with self.assertRaises(ehk.WalletError.CardRefused) as refused:
            wallet.add_card(self.card.qr_text, ehk.Verifier(self.pub.root.public_key()), NOW)
        self.assertEqual(refused.exception.reason, ehk.InvalidReason.NO_TRUST_LIST)
        self.assertEqual(len(wallet.cards(NOW)), 0)
        # The feed store's verifier holds the shipped trust list before any sync.
        self.assertIsNone(self.phone.feed_version())
        wallet.add_card(self.card.qr_text, self.phone.verifier(), NOW)
        self.assertEqual(len(wallet.cards(NOW)), 1)

    def test_cancelled_sync_changes_nothing(self):
        phone = self.phone

        class CancelAtOnce(ehk.ProgressListener):
            def progress(self, done, total):
                phone.cancel_sync()

        with self.assertRaises(ehk.FeedError.Cancelled):
            self.sync(CancelAtOnce())
        self.assertIsNone(self.phone.feed_version())
        self.assertEqual(self.phone.store_count(), 0)
        self.assertTrue(self.sync().is_updated())
        self.assertEqual(self.phone.store_count(), 4)

    def test_a_cancel_after_a_sync_does_not_reach_the_next_one(self):
        self.phone.cancel_sync()
        self.assertTrue(self.sync().is_updated())

    def test_a_cancellation_made_before_the_sync_stops_that_sync_only(self):
        cancellation = ehk.Cancellation()
        cancellation.cancel()
        self.assertTrue(cancellation.is_cancelled())
        with self.assertRaises(ehk.FeedError.Cancelled):
            asyncio.run(self.phone.sync(self.url, NOW, None, cancellation))
        self.assertIsNone(self.phone.feed_version())
        fresh = ehk.Cancellation()
        report = asyncio.run(self.phone.sync(self.url, NOW, cancellation=fresh))
        self.assertTrue(report.outcome.is_updated())
        self.assertFalse(fresh.is_cancelled())

    def test_errors_leave_the_database_unchanged(self):
        self.sync()
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            self.sync(url="ftp://example")
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            open_phone(self.path("short.db"), self.pub.pin(root=b"short"))
        other_root = ehk.IssuerKey.generate()
        fresh = open_phone(self.path("fresh.db"), self.pub.pin(
            self.pub.trust_list(root=other_root), root=other_root.public_key()))
        with self.assertRaises(ehk.FeedError.BadSignature):
            self.sync(phone=fresh)
        self.assertEqual(fresh.store_count(), 0)
        self.assertIsNone(fresh.feed_version())
        fresh = open_phone(self.path("fresh2.db"), self.pub.pin())
        with self.assertRaises(ehk.FeedError.Expired):
            self.sync(phone=fresh, now=NOW + 15 * DAY)
        with self.assertRaises(ehk.FeedError.Network):
            self.sync(url="http://127.0.0.1:9")
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            self.phone.nearby(ehk.Position(latitude=123.0, longitude=0.0), 5, None, None)
        with self.assertRaises(ehk.FeedError.InvalidArgument):
            open_phone("", self.pub.pin())
        self.assertEqual(self.phone.store_count(), 4)
        self.assertEqual(self.phone.feed_version(), 1)

    def test_a_fresh_phone_verifies_with_the_trust_list_it_ships(self):
        self.assertIsNone(self.phone.feed_version())
        self.assertEqual(self.phone.trust_list_version(), 1)
        # Valid offline before any sync; the revocation comes with the first sync.
        self.assertTrue(self.phone.verify(self.card.qr_text, NOW).is_valid())
        self.sync()
        self.assertEqual(self.phone.verify(self.card.qr_text, NOW).reason, ehk.InvalidReason.REVOKED)

    def test_a_wrong_shipped_trust_list_is_refused_at_open(self):
        other_root = ehk.IssuerKey.generate()
        for name, pin in [
            ("other-root", self.pub.pin(self.pub.trust_list(root=other_root))),
            ("other-project", self.pub.pin(self.pub.trust_list(project_id=2))),
            ("pinned-elsewhere", self.pub.pin(project_id=2)),
            ("garbage", self.pub.pin(b"not a trust list")),
        ]:
            with self.assertRaises(ehk.FeedError.InvalidArgument, msg=name):
                open_phone(self.path(f"{name}.db"), pin)

    def test_a_feed_of_another_project_signed_by_the_same_root_is_refused(self):
        self.sync()
        # Project 2 of the same Land: its own (newer) trust list, signed by the same root.
        self.pub.trust = self.pub.trust_list(version=5, project_id=2)
        self.pub.publish(feed=self.path("project-2"))
        with self.assertRaises(ehk.FeedError.WrongProject) as refused:
            self.sync(url=self.serve(self.path("project-2")))
        self.assertEqual((refused.exception.offered, refused.exception.pinned), (2, 1))
        self.assertEqual(self.phone.feed_version(), 1)
        self.assertEqual(self.phone.store_count(), 4)
        self.assertEqual(self.phone.trust_list_version(), 1)
        self.assertEqual(self.phone.verify(self.card.qr_text, NOW).reason, ehk.InvalidReason.REVOKED)

    def test_a_feed_older_than_the_shipped_trust_list_is_refused(self):
        fresh = open_phone(self.path("newer-app.db"), self.pub.pin(self.pub.trust_list(version=2)))
        with self.assertRaises(ehk.FeedError.VersionNotNewer) as refused:
            self.sync(phone=fresh)
        self.assertEqual((refused.exception.offered, refused.exception.current), (1, 2))
        self.assertIsNone(fresh.feed_version())
        self.assertEqual(fresh.store_count(), 0)
        self.assertEqual(fresh.trust_list_version(), 2)

    def test_reset_feed_returns_to_the_shipped_trust_list(self):
        # The feed has moved on to trust list version 2 since the app was built with version 1.
        self.pub.trust = self.pub.trust_list(version=2)
        self.pub.publish([self.revoked])
        self.sync()
        self.assertEqual(self.phone.trust_list_version(), 2)
        self.phone.reset_feed(NOW)
        self.assertIsNone(self.phone.feed_version())
        self.assertEqual(self.phone.store_count(), 0)
        self.assertEqual(self.phone.trust_list_version(), 1)
        self.assertTrue(self.phone.verify(self.card.qr_text, NOW).is_valid())
        self.assertTrue(self.sync().is_updated())
        self.assertEqual(self.phone.trust_list_version(), 2)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python stores: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
