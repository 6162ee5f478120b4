"""The card story through the Python bindings: a wallet whose device key lives in a key store
written in Python, a device-bound card, a live presentation, a verifier that accepts it, and
tampered, stale, revoked and malformed inputs that come back as the right reasons or errors.

Run with the generated `ehk.py` and `libehk_ffi.so` on PYTHONPATH (scripts/test-bindings.sh).
"""
import sys
import unittest

import ehk

NOW = 1_795_953_600  # 2026-11-29 12:00 UTC
DAY = 86_400


class DictKeyStore(ehk.KeyStore):
    """The shell's key store; on a phone this is the Keystore or the Keychain."""

    def __init__(self):
        self.secrets = {}
        self.saves = 0

    def load(self, alias):
        return self.secrets.get(alias)

    def save(self, alias, secret):
        self.saves += 1
        self.secrets[alias] = secret


class BrokenKeyStore(ehk.KeyStore):
    def load(self, alias):
        raise ehk.KeyStoreError.Unavailable("locked")

    def save(self, alias, secret):
        raise ehk.KeyStoreError.Unavailable("locked")


class ProgressLog(ehk.ProgressListener):
    def __init__(self):
        self.calls = []

    def progress(self, done, total):
        self.calls.append((done, total))


class ListLogger(ehk.Logger):
    def __init__(self):
        self.records = []

    def log(self, level, target, message):
        self.records.append((level, target, message))


def world():
    root = ehk.IssuerKey.generate()
    issuer = ehk.IssuerKey.generate()
    entry = ehk.IssuerEntrySpec(
        public_key=issuer.public_key(), name="Landkreis Test", roles=[ehk.Role.CARDS],
        regions=[9162], card_types=[ehk.CardType.STANDARD, ehk.CardType.GOLD],
        valid_from=NOW - 365 * DAY, valid_until=NOW + 365 * DAY, withdrawn=False)
    trust = root.sign_trust_list(ehk.TrustListSpec(
        version=1, issued_at=NOW - DAY, expires_at=NOW + 30 * DAY, project_id=1, issuers=[entry]))
    verifier = ehk.Verifier(root.public_key())
    verifier.load_trust_list(trust)
    return root, issuer, trust, verifier


def request(name, device_key=None):
    return ehk.CardRequest(
        holder_name=name, birthday=None, card_type=ehk.CardType.STANDARD, project_id=1,
        region_id=9162, valid_from="2026-01-01", valid_until="2028-12-31",
        device_public_key=device_key)


class CardStory(unittest.TestCase):
    def test_device_bound_card_story(self):
        _, issuer, _, verifier = world()
        store = DictKeyStore()
        wallet = ehk.Wallet.in_memory(store)
        device_key = wallet.device_public_key()
        self.assertEqual(len(device_key), 32)
        self.assertEqual(store.saves, 1, "the device key was created in the Python key store")
        self.assertEqual(wallet.device_public_key(), device_key)

        card = issuer.issue_card(request("Erika Mustermann", device_key), NOW)
        added = wallet.add_card(card.qr_text, verifier, NOW)
        self.assertTrue(added.device_bound)
        self.assertEqual(added.status, ehk.CardStatus.VALID())
        text = wallet.present(card.card_id, NOW)
        self.assertTrue(text.startswith("EP1:"))

        result = verifier.verify(text, NOW + 10)
        self.assertTrue(result.is_valid(), result)
        self.assertEqual(result.card.holder_name, "Erika Mustermann")
        self.assertEqual(result.card.kind, ehk.PresentationKind.DEVICE_BOUND)
        self.assertEqual(result.card.valid_until, "2028-12-31")
        self.assertEqual(result.card.presentation_age_secs, 10)

        # The same code two minutes later is a stale screenshot.
        stale = verifier.verify(text, NOW + 120)
        self.assertEqual(stale, ehk.Verification.INVALID(ehk.InvalidReason.STALE_PRESENTATION))
        # The credential alone, copied off the phone, is not enough.
        copied = verifier.verify(card.qr_text, NOW)
        self.assertEqual(copied.reason, ehk.InvalidReason.DEVICE_PRESENTATION_REQUIRED)

    def test_tampered_code_is_refused_with_the_reason(self):
        _, issuer, _, verifier = world()
        card = issuer.issue_card(request("Erika Mustermann"), NOW)
        self.assertTrue(verifier.verify(card.qr_text, NOW).is_valid())
        position = len(card.qr_text) // 2
        replacement = "A" if card.qr_text[position] != "A" else "B"
        tampered = card.qr_text[:position] + replacement + card.qr_text[position + 1:]
        result = verifier.verify(tampered, NOW)
        self.assertTrue(result.is_invalid())
        self.assertIn(result.reason, (ehk.InvalidReason.BAD_ISSUER_SIGNATURE, ehk.InvalidReason.DAMAGED_ENCODING))
        self.assertEqual(verifier.verify("hello", NOW).reason, ehk.InvalidReason.NOT_A_CARD)
        self.assertEqual(ehk.reason_text(ehk.InvalidReason.REVOKED, ehk.Lang.DE), "Die Karte wurde gesperrt.")

    def test_revocation_and_version_rollback(self):
        root, issuer, trust, verifier = world()
        card = issuer.issue_card(request("Max Mustermann"), NOW)
        revocations = issuer.sign_revocation_list(1, NOW, NOW + 7 * DAY, [card.card_id])
        self.assertEqual(verifier.load_revocation_list(revocations), ehk.UpdateOutcome.UPDATED)
        self.assertEqual(verifier.verify(card.qr_text, NOW).reason, ehk.InvalidReason.REVOKED)
        self.assertEqual(verifier.load_trust_list(trust), ehk.UpdateOutcome.UNCHANGED)
        older = issuer.sign_revocation_list(1, NOW, NOW + 7 * DAY, [])
        with self.assertRaises(ehk.TrustError.VersionNotNewer):
            verifier.load_revocation_list(older)

    def test_bad_arguments_are_typed_errors(self):
        with self.assertRaises(ehk.TrustError.InvalidArgument):
            ehk.Verifier(b"short")
        with self.assertRaises(ehk.TrustError.Malformed):
            ehk.Verifier(ehk.IssuerKey.generate().public_key()).load_trust_list(b"\x00garbage")
        _, issuer, _, _ = world()
        with self.assertRaises(ehk.IssueError.InvalidRequest):
            issuer.issue_card(request(""), NOW)
        with self.assertRaises(ehk.IssueError.InvalidRequest):
            issuer.issue_card(request("Erika Mustermann", b"\x01\x02"), NOW)
        wallet = ehk.Wallet.in_memory(DictKeyStore())
        with self.assertRaises(ehk.WalletError.InvalidCard):
            wallet.add_card("EK1:NOT A CARD", world()[3], NOW)
        with self.assertRaises(ehk.WalletError.CardNotFound):
            wallet.present("0011223344556677", NOW)
        with self.assertRaises(ehk.WalletError.InvalidArgument):
            wallet.present("not hex", NOW)
        broken = ehk.Wallet.in_memory(BrokenKeyStore())
        with self.assertRaises(ehk.WalletError.KeyStore):
            broken.device_public_key()

    def test_wallet_stores_only_cards_the_verifier_accepts(self):
        _, issuer, _, verifier = world()
        wallet = ehk.Wallet.in_memory(DictKeyStore())
        card = issuer.issue_card(request("Erika Mustermann"), NOW)
        # A card signed by a key the trust list does not know, and a fresh phone's verifier.
        forged = ehk.IssuerKey.generate().issue_card(request("Erika Mustermann"), NOW)
        with self.assertRaises(ehk.WalletError.CardRefused) as refused:
            wallet.add_card(forged.qr_text, verifier, NOW)
        self.assertEqual(refused.exception.reason, ehk.InvalidReason.UNKNOWN_ISSUER)
        unsynced = ehk.Verifier(ehk.IssuerKey.generate().public_key())
        with self.assertRaises(ehk.WalletError.CardRefused) as refused:
            wallet.add_card(card.qr_text, unsynced, NOW)
        self.assertEqual(refused.exception.reason, ehk.InvalidReason.NO_TRUST_LIST)
        self.assertEqual(wallet.cards(NOW), [])
        # The genuine card goes in; its own check is no scan for this verifier.
        wallet.add_card(card.qr_text, verifier, NOW)
        self.assertNotIn(ehk.Flag.REPEAT_SCAN, verifier.verify(card.qr_text, NOW).card.flags)
        self.assertEqual(wallet.check_stored_cards(verifier, NOW), 0)
        # Once revoked, a re-sent copy is refused and the stored card stays.
        verifier.load_revocation_list(issuer.sign_revocation_list(1, NOW, NOW + 7 * DAY, [card.card_id]))
        with self.assertRaises(ehk.WalletError.CardRefused) as refused:
            wallet.add_card(card.qr_text, verifier, NOW)
        self.assertEqual(refused.exception.reason, ehk.InvalidReason.REVOKED)
        self.assertEqual([c.card_id for c in wallet.cards(NOW)], [card.card_id])

    def test_csv_batch_with_progress(self):
        _, issuer, _, verifier = world()
        csv = (b"name,cardType,regionId\n"
               b"Erika Mustermann,standard,9162\n"
               b",standard,9162\n"
               b"Max Mustermann,gold,\n")
        progress = ProgressLog()
        defaults = ehk.BatchDefaults(project_id=1, region_id=9162, valid_from=None, valid_until=None)
        report = issuer.issue_csv(csv, defaults, NOW, progress)
        self.assertEqual([c.line for c in report.issued], [2, 4])
        self.assertEqual([(e.line, e.reason) for e in report.errors], [(3, "column 'name': empty")])
        self.assertEqual(progress.calls[-1], (3, 3))
        for card in report.issued:
            self.assertTrue(verifier.verify(card.qr_text, NOW).is_valid())
        with self.assertRaises(ehk.IssueError.InvalidRequest):
            issuer.issue_csv(b"vorname\nA\n", defaults, NOW, None)

    def test_logger_receives_core_records_without_personal_data(self):
        logger = ListLogger()
        ehk.set_logger(logger, ehk.LogLevel.DEBUG)
        _, issuer, _, verifier = world()
        card = issuer.issue_card(request("Erika Mustermann"), NOW)
        verifier.verify(card.qr_text[:-5], NOW)
        messages = [m for (_, _, m) in logger.records]
        self.assertTrue(any("trust list version 1 loaded" in m for m in messages), messages)
        self.assertTrue(any("code refused" in m for m in messages), messages)
        self.assertFalse(any("Erika" in m for m in messages))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)
