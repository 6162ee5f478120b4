"""Activation through the Python bindings against a running issuer service: the letter's link
or its typed code goes to `Wallet.activate`, which proves the device key to the service, checks
the card against the phone's FeedStore and stores it. A retry returns the same card, a second
phone is asked before the card moves, and typing errors, foreign links and a wrong clock come
back as typed errors before any code reaches the service.

The service is the one scripts/test-bindings.sh starts with scripts/service-fixture.sh; its
fixture.json is named by EHK_TEST_SERVICE_FIXTURE. Without it the tests FAIL (they never skip).
Python uses the fixture's letters 0-2 (Kotlin 3-5, Swift 6-8), so the languages do not meet.
"""
import asyncio
import json
import os
import sys
import tempfile
import time
import unittest

import ehk
from test_story import DictKeyStore

FIRST_LETTER = 0  # this language's three letters: 0, 1, 2


def fixture():
    path = os.environ.get("EHK_TEST_SERVICE_FIXTURE")
    if not path:
        raise AssertionError(
            "EHK_TEST_SERVICE_FIXTURE is not set: run scripts/test-bindings.sh, or start "
            "scripts/service-fixture.sh and export the path of its fixture.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if len(data["letters"]) < FIRST_LETTER + 3:
        raise AssertionError(f"the fixture has {len(data['letters'])} letters; Python needs 0-2")
    return data


def typed(code):
    """The code as a holder might type it: in groups of four, lower case."""
    compact = code.replace("-", "").replace(" ", "")
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)).lower()


def typo(code):
    """The code with one symbol changed (the check symbol catches every single change)."""
    compact = code.replace("-", "")
    replacement = "X" if compact[3] != "X" else "Y"
    return compact[:3] + replacement + compact[4:]


def activate(wallet, *args, **kwargs):
    """`Wallet.activate` is async (a coroutine in Python, `suspend` in Kotlin, `async` in Swift)."""
    return asyncio.run(wallet.activate(*args, **kwargs))


def now():
    # The service compares the phone's clock with its own: the real time, not a fixed one.
    return int(time.time())


class Activation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = fixture()
        cls.url = cls.fixture["url"]
        cls.letters = cls.fixture["letters"][FIRST_LETTER:FIRST_LETTER + 3]
        cls.tmp = tempfile.TemporaryDirectory()
        with open(cls.fixture["trust_list"], "rb") as f:
            cls.trust_list = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def phone(self, name):
        """A phone: its wallet (device key in a Python key store) and its feed store, pinned to
        the fixture's project."""
        pin = ehk.ProjectPin(root_public_key=bytes.fromhex(self.fixture["root_public_key"]),
                             project_id=self.fixture["project_id"], trust_list=self.trust_list)
        feed = ehk.FeedStore.open(os.path.join(self.tmp.name, f"{name}-feed.db"), pin,
                                  ehk.Platform.ANDROID, now())
        wallet = ehk.Wallet.open(os.path.join(self.tmp.name, f"{name}-wallet.db"), DictKeyStore())
        return wallet, feed

    def test_link_activates_retry_and_move(self):
        letter = self.letters[0]
        wallet, feed = self.phone("first")
        activation = activate(wallet, letter["link"], self.url, feed, False, now())
        card = activation.card
        self.assertFalse(activation.moved)
        self.assertTrue(card.device_bound)
        self.assertEqual(card.holder_name, letter["holder_name"])
        self.assertEqual(card.status, ehk.CardStatus.VALID())
        self.assertEqual([c.card_id for c in wallet.cards(now())], [card.card_id])

        code = wallet.present(card.card_id, now())
        result = feed.verify(code, now())
        self.assertTrue(result.is_valid(), result)
        self.assertEqual(result.card.holder_name, letter["holder_name"])
        self.assertEqual(result.card.kind, ehk.PresentationKind.DEVICE_BOUND)

        # The answer got lost and the holder taps the link again: the same card, nothing moved.
        again = activate(wallet, letter["link"], self.url, feed, False, now())
        self.assertEqual(again.card.card_id, card.card_id)
        self.assertFalse(again.moved)
        self.assertEqual(len(wallet.cards(now())), 1)

        # A new phone: asked first, then the card moves and the old phone's code is revoked.
        other, other_feed = self.phone("second")
        with self.assertRaises(ehk.WalletError.UsedOnOtherPhone):
            activate(other, letter["link"], self.url, other_feed, False, now())
        self.assertEqual(other.cards(now()), [])
        moved = activate(other, letter["link"], self.url, other_feed, True, now())
        self.assertTrue(moved.moved)
        self.assertEqual(moved.card.holder_name, letter["holder_name"])
        self.assertTrue(moved.card.device_bound)
        self.assertTrue(other_feed.verify(other.present(moved.card.card_id, now()), now()).is_valid())
        self.assertTrue(moved.lists_updated, "the move's revocation list came with the answer")
        old = other_feed.verify(wallet.present(card.card_id, now()), now())
        self.assertEqual(old, ehk.Verification.INVALID(ehk.InvalidReason.REVOKED))
        # The wallet list, checked against lists that carry the move, says so too.
        [listed] = wallet.cards(now(), other_feed.verifier())
        revoked = ehk.CardStatus.REFUSED(ehk.InvalidReason.REVOKED)
        self.assertEqual(listed.status, revoked)
        self.assertFalse(ehk.card_status_usable(revoked))
        self.assertEqual(ehk.card_status_text(revoked, ehk.Lang.DE), "Die Karte wurde gesperrt.")
        self.assertEqual(wallet.cards(now())[0].status, ehk.CardStatus.VALID(),
                         "without a verifier the dates alone decide")

    def test_typed_code_activates(self):
        letter = self.letters[1]
        wallet, feed = self.phone("typed")
        # Cancelled before it was sent: nothing stored, and the code still works.
        cancellation = ehk.Cancellation()
        cancellation.cancel()
        with self.assertRaises(ehk.WalletError.Cancelled):
            activate(wallet, typed(letter["code"]), self.url, feed, False, now(),
                     cancellation=cancellation)
        self.assertEqual(wallet.cards(now()), [])
        self.assertEqual(ehk.activation_problem(ehk.WalletError.Cancelled()),
                         ehk.ActivationProblem.CANCELLED())
        activation = activate(wallet, typed(letter["code"]), self.url, feed, False, now())
        self.assertEqual(activation.card.holder_name, letter["holder_name"])
        self.assertTrue(feed.verify(wallet.present(activation.card.card_id, now()), now()).is_valid())
        # The app-scheme link of the same letter is the same activation.
        scheme = f"ehrenamtskarte://activate#{letter['code'].replace('-', '')}"
        self.assertEqual(activate(wallet, scheme, self.url, feed, False, now()).card.card_id,
                         activation.card.card_id)

    def test_mistakes_are_typed_errors(self):
        letter = self.letters[2]
        wallet, feed = self.phone("mistakes")
        with self.assertRaises(ehk.WalletError.CodeUnreadable):
            activate(wallet, typo(letter["code"]), self.url, feed, False, now())
        with self.assertRaises(ehk.WalletError.CodeUnreadable):
            activate(wallet, letter["code"][:-2], self.url, feed, False, now())
        foreign = "https://karte.example.org/activate#" + letter["code"].replace("-", "")
        with self.assertRaises(ehk.WalletError.ForeignLink) as raised:
            activate(wallet, foreign, self.url, feed, False, now())
        self.assertEqual(raised.exception.origin, "https://karte.example.org")
        with self.assertRaises(ehk.WalletError.ClockWrong) as raised:
            activate(wallet, letter["link"], self.url, feed, False, now() - 3600)
        self.assertLess(raised.exception.phone_time, raised.exception.server_time - 3000)
        self.assertEqual(wallet.cards(now()), [])
        # None of that cost the letter an attempt: it still activates.
        activation = activate(wallet, letter["link"], self.url, feed, False, now())
        self.assertEqual(activation.card.holder_name, letter["holder_name"])


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python activation: {max(result.testsRun - failed, 0)} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
