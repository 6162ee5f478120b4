// The card story through the Kotlin bindings, as tests/bindings/python/test_story.py tells it:
// a wallet whose device key lives in a key store written in Kotlin, a device-bound card, a live
// presentation, a verifier that accepts it, and tampered, stale, copied, revoked and malformed
// inputs that come back as the right Kotlin enum values or typed exceptions.
//
// Run by tests/bindings/kotlin/run.sh against the generated ehk.kt and the host libehk_ffi.so; the
// runner and the fixtures are the shared test support in android/kit/src/testFixtures.
package bindingtests

import de.ehrenamtskarte.core.BatchDefaults
import de.ehrenamtskarte.core.CardStatus
import de.ehrenamtskarte.core.IssueException
import de.ehrenamtskarte.core.IssuerKey
import de.ehrenamtskarte.core.InvalidReason
import de.ehrenamtskarte.core.Lang
import de.ehrenamtskarte.core.LogLevel
import de.ehrenamtskarte.core.PresentationKind
import de.ehrenamtskarte.core.TrustException
import de.ehrenamtskarte.core.UpdateOutcome
import de.ehrenamtskarte.core.Verification
import de.ehrenamtskarte.core.Verifier
import de.ehrenamtskarte.core.Wallet
import de.ehrenamtskarte.core.WalletException
import de.ehrenamtskarte.core.cardStatusText
import de.ehrenamtskarte.core.cardStatusUsable
import de.ehrenamtskarte.core.reasonText
import de.ehrenamtskarte.core.secondsUntilNextPresentation
import de.ehrenamtskarte.core.setLogger
import de.ehrenamtskarte.testing.CrashingKeyStore
import de.ehrenamtskarte.testing.DAY
import de.ehrenamtskarte.testing.ListLogger
import de.ehrenamtskarte.testing.LockedKeyStore
import de.ehrenamtskarte.testing.MapKeyStore
import de.ehrenamtskarte.testing.NOW
import de.ehrenamtskarte.testing.ProgressLog
import de.ehrenamtskarte.testing.TestRunner
import de.ehrenamtskarte.testing.request
import de.ehrenamtskarte.testing.withTempDir
import de.ehrenamtskarte.testing.world
import kotlin.test.assertContains
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNull
import kotlin.test.assertTrue

fun deviceBoundCardStory() {
    val w = world()
    val store = MapKeyStore()
    Wallet.inMemory(store).use { wallet ->
        val deviceKey = wallet.devicePublicKey()
        assertEquals(32, deviceKey.size)
        assertEquals(1, store.saves.get(), "the device key was created in the Kotlin key store")
        assertContentEquals(deviceKey, wallet.devicePublicKey())
        assertEquals(1, store.saves.get(), "the second call loads the key instead of making a new one")

        val card = w.issuer.issueCard(request("Erika Mustermann", deviceKey), NOW)
        val added = wallet.addCard(card.qrText, w.verifier, NOW)
        assertTrue(added.deviceBound)
        assertEquals(CardStatus.Valid, added.status)
        assertEquals(listOf(card.cardId), wallet.cards(NOW).map { it.cardId })

        val text = wallet.present(card.cardId, NOW)
        assertTrue(text.startsWith("EP1:"), text)

        val result = w.verifier.verify(text, NOW + 10)
        val valid = assertIs<Verification.Valid>(result, "$result")
        assertEquals("Erika Mustermann", valid.card.holderName)
        assertEquals(PresentationKind.DEVICE_BOUND, valid.card.kind)
        assertEquals("2028-12-31", valid.card.validUntil)
        assertEquals(10L, valid.card.presentationAgeSecs)
        assertEquals("Landkreis Test", valid.card.issuerName)
        assertEquals(w.issuer.keyId(), valid.card.issuerKeyId)

        // The same code two minutes later is a stale screenshot.
        assertEquals(Verification.Invalid(InvalidReason.STALE_PRESENTATION), w.verifier.verify(text, NOW + 120))
        // The credential alone, copied off the phone, is not enough.
        val copied = assertIs<Verification.Invalid>(w.verifier.verify(card.qrText, NOW))
        assertEquals(InvalidReason.DEVICE_PRESENTATION_REQUIRED, copied.reason)
    }
}

fun presentationRefreshesEveryThirtySeconds() {
    assertEquals(30L, secondsUntilNextPresentation(NOW)) // NOW is on a 30 s boundary
    assertEquals(1L, secondsUntilNextPresentation(NOW + 29))
    assertEquals(30L, secondsUntilNextPresentation(NOW + 30))
}

fun walletOnDiskKeepsCardsAndDeviceKey() {
    val w = world()
    val store = MapKeyStore()
    withTempDir { dir ->
        val path = dir.resolve("wallet.sqlite").path
        val cardId = Wallet.open(path, store).use { wallet ->
            val card = w.issuer.issueCard(request("Erika Mustermann", wallet.devicePublicKey()), NOW)
            wallet.addCard(card.qrText, w.verifier, NOW).cardId
        }
        Wallet.open(path, store).use { wallet ->
            assertEquals(listOf(cardId), wallet.cards(NOW).map { it.cardId })
            assertIs<Verification.Valid>(w.verifier.verify(wallet.present(cardId, NOW), NOW))
            assertTrue(wallet.removeCard(cardId))
            assertFalse(wallet.removeCard(cardId))
        }
        assertEquals(1, store.saves.get())
    }
}

fun tamperedCodeIsRefusedWithTheReason() {
    val w = world()
    val card = w.issuer.issueCard(request("Erika Mustermann"), NOW)
    val valid = assertIs<Verification.Valid>(w.verifier.verify(card.qrText, NOW))
    assertEquals(PresentationKind.STATIC, valid.card.kind)
    assertNull(valid.card.presentationAgeSecs)

    val position = card.qrText.length / 2
    val replacement = if (card.qrText[position] != 'A') 'A' else 'B'
    val tampered = card.qrText.substring(0, position) + replacement + card.qrText.substring(position + 1)
    val refused = assertIs<Verification.Invalid>(w.verifier.verify(tampered, NOW))
    assertContains(listOf(InvalidReason.BAD_ISSUER_SIGNATURE, InvalidReason.DAMAGED_ENCODING), refused.reason)

    assertEquals(Verification.Invalid(InvalidReason.NOT_A_CARD), w.verifier.verify("hello", NOW))
    assertEquals("Die Karte wurde gesperrt.", reasonText(InvalidReason.REVOKED, Lang.DE))
    for (reason in InvalidReason.values()) {
        for (lang in Lang.values()) assertTrue(reasonText(reason, lang).isNotBlank(), "$reason $lang")
    }
}

fun revocationAndVersionRollback() {
    val w = world()
    val card = w.issuer.issueCard(request("Max Mustermann"), NOW)
    val revocations = w.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId))
    assertEquals(UpdateOutcome.UPDATED, w.verifier.loadRevocationList(revocations))
    assertEquals(Verification.Invalid(InvalidReason.REVOKED), w.verifier.verify(card.qrText, NOW))
    assertEquals(UpdateOutcome.UNCHANGED, w.verifier.loadTrustList(w.trustList))
    assertEquals(1uL, w.verifier.trustListVersion())

    val older = w.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, emptyList())
    val e = assertFailsWith<TrustException.VersionNotNewer> { w.verifier.loadRevocationList(older) }
    assertEquals(1uL, e.offered)
    assertEquals(1uL, e.current)
    // The refused list changed nothing.
    assertEquals(Verification.Invalid(InvalidReason.REVOKED), w.verifier.verify(card.qrText, NOW))
}

fun badArgumentsAreTypedExceptions() {
    assertFailsWith<TrustException.InvalidArgument> { Verifier("short".toByteArray()) }
    assertFailsWith<TrustException.Malformed> {
        Verifier(IssuerKey.generate().publicKey()).loadTrustList(byteArrayOf(0) + "garbage".toByteArray())
    }
    val w = world()
    assertFailsWith<IssueException.InvalidRequest> { w.issuer.issueCard(request(""), NOW) }
    assertFailsWith<IssueException.InvalidRequest> {
        w.issuer.issueCard(request("Erika Mustermann", byteArrayOf(1, 2)), NOW)
    }
    Wallet.inMemory(MapKeyStore()).use { wallet ->
        assertFailsWith<WalletException.InvalidCard> { wallet.addCard("EK1:NOT A CARD", w.verifier, NOW) }
        assertFailsWith<WalletException.CardNotFound> { wallet.present("0011223344556677", NOW) }
        assertFailsWith<WalletException.InvalidArgument> { wallet.present("not hex", NOW) }
    }
    // A card bound to another phone's key does not go into this wallet.
    Wallet.inMemory(MapKeyStore()).use { other ->
        val foreign = w.issuer.issueCard(request("Erika Mustermann", other.devicePublicKey()), NOW)
        Wallet.inMemory(MapKeyStore()).use { wallet ->
            assertFailsWith<WalletException.WrongDevice> { wallet.addCard(foreign.qrText, w.verifier, NOW) }
        }
    }
    assertFailsWith<WalletException.InvalidArgument> { Wallet.open("", MapKeyStore()) }
}

fun walletStoresOnlyCardsTheVerifierAccepts() {
    val w = world()
    Wallet.inMemory(MapKeyStore()).use { wallet ->
        val card = w.issuer.issueCard(request("Erika Mustermann"), NOW)
        // Signed by a key the trust list does not know; checked by a phone that never synced.
        val forged = IssuerKey.generate().issueCard(request("Erika Mustermann"), NOW)
        val unknown = assertFailsWith<WalletException.CardRefused> { wallet.addCard(forged.qrText, w.verifier, NOW) }
        assertEquals(InvalidReason.UNKNOWN_ISSUER, unknown.reason)
        val unsynced = Verifier(IssuerKey.generate().publicKey())
        val noList = assertFailsWith<WalletException.CardRefused> { wallet.addCard(card.qrText, unsynced, NOW) }
        assertEquals(InvalidReason.NO_TRUST_LIST, noList.reason)
        assertEquals(emptyList(), wallet.cards(NOW))
        wallet.addCard(card.qrText, w.verifier, NOW)
        assertEquals(0u, wallet.checkStoredCards(w.verifier, NOW))
        w.verifier.loadRevocationList(w.issuer.signRevocationList(1uL, NOW, NOW + 7 * DAY, listOf(card.cardId)))
        val revoked = assertFailsWith<WalletException.CardRefused> { wallet.addCard(card.qrText, w.verifier, NOW) }
        assertEquals(InvalidReason.REVOKED, revoked.reason)
        assertEquals(listOf(card.cardId), wallet.cards(NOW).map { it.cardId })
        // The stored card stays, but the list checked against the phone's lists shows it refused,
        // with the core's status line; without a verifier the dates alone decide.
        val refused = CardStatus.Refused(InvalidReason.REVOKED)
        assertEquals(listOf(refused), wallet.cards(NOW, w.verifier).map { it.status })
        assertEquals(listOf<CardStatus>(CardStatus.Valid), wallet.cards(NOW).map { it.status })
        assertFalse(cardStatusUsable(refused))
        assertTrue(cardStatusUsable(CardStatus.Valid))
        assertEquals("Die Karte wurde gesperrt.", cardStatusText(refused, Lang.DE))
        assertEquals("Gültig", cardStatusText(CardStatus.Valid, Lang.DE))
        assertEquals("Expires in 5 days", cardStatusText(CardStatus.ExpiresSoon(5), Lang.EN))
    }
}

fun keyStoreFailuresAreWalletKeyStoreExceptions() {
    Wallet.inMemory(LockedKeyStore()).use { wallet ->
        val e = assertFailsWith<WalletException.KeyStore> { wallet.devicePublicKey() }
        assertContains(e.detail, "locked")
    }
    // An exception UniFFI does not know (a bug in the shell) still comes back typed, not as a panic.
    Wallet.inMemory(CrashingKeyStore()).use { wallet ->
        assertFailsWith<WalletException.KeyStore> { wallet.devicePublicKey() }
    }
}

fun csvBatchWithProgress() {
    val w = world()
    val csv = (
        "name,cardType,regionId\n" +
            "Erika Mustermann,standard,9162\n" +
            ",standard,9162\n" +
            "Max Mustermann,gold,\n"
        ).toByteArray()
    val progress = ProgressLog()
    val defaults = BatchDefaults(projectId = 1u, regionId = 9162u, validFrom = null, validUntil = null)
    val report = w.issuer.issueCsv(csv, defaults, NOW, progress)
    assertEquals(listOf(2uL, 4uL), report.issued.map { it.line })
    assertEquals(listOf(3uL to "column 'name': empty"), report.errors.map { it.line to it.reason })
    assertEquals(3uL to 3uL, progress.calls.last())
    for (card in report.issued) assertIs<Verification.Valid>(w.verifier.verify(card.qrText, NOW), card.cardId)
    assertFailsWith<IssueException.InvalidRequest> {
        w.issuer.issueCsv("vorname\nA\n".toByteArray(), defaults, NOW, null)
    }
}

fun loggerReceivesCoreRecordsWithoutPersonalData() {
    val logger = ListLogger()
    setLogger(logger, LogLevel.DEBUG)
    val w = world()
    val card = w.issuer.issueCard(request("Erika Mustermann"), NOW)
    w.verifier.verify(card.qrText.dropLast(5), NOW)
    val messages = logger.records.map { it.message }
    assertTrue(messages.any { "trust list version 1 loaded" in it }, "$messages")
    assertTrue(messages.any { "code refused" in it }, "$messages")
    assertFalse(messages.any { "Erika" in it || "Mustermann" in it }, "$messages")
    assertTrue(logger.records.all { it.target.isNotEmpty() })
}

fun main() {
    val runner = TestRunner("kotlin")
    runner.test("device-bound card story", ::deviceBoundCardStory)
    runner.test("presentation refreshes every 30 seconds", ::presentationRefreshesEveryThirtySeconds)
    runner.test("wallet on disk keeps cards and device key", ::walletOnDiskKeepsCardsAndDeviceKey)
    runner.test("tampered code is refused with the reason", ::tamperedCodeIsRefusedWithTheReason)
    runner.test("revocation and version rollback", ::revocationAndVersionRollback)
    runner.test("bad arguments are typed exceptions", ::badArgumentsAreTypedExceptions)
    runner.test("wallet stores only cards the verifier accepts", ::walletStoresOnlyCardsTheVerifierAccepts)
    runner.test("key store failures are WalletException.KeyStore", ::keyStoreFailuresAreWalletKeyStoreExceptions)
    runner.test("CSV batch with progress", ::csvBatchWithProgress)
    runner.test("logger receives core records without personal data", ::loggerReceivesCoreRecordsWithoutPersonalData)
    registerStoreTests(runner) // StoresTest.kt: the store database and the signed feed over `ehk serve`
    registerNewsTests(runner) // NewsTest.kt: the news engine
    registerActivationTests(runner) // ActivationTest.kt: Wallet.activate against a running service
    runner.runAndExit()
}
