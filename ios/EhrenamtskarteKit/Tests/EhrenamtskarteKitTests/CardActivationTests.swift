import EhkCore
import EhrenamtskarteKit
import Foundation
import XCTest

/// A scripted core: answers each call with the next outcome and records what it was asked.
private final class ScriptedActivator: Activator, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [() async throws -> Activation]
    private(set) var calls: [(String, Bool, Int64)] = []

    init(_ script: [() async throws -> Activation]) { self.script = script }

    func activate(linkOrCode: String, confirmMove: Bool, now: Int64) async throws -> Activation {
        let next: () async throws -> Activation = locked(lock) {
            calls.append((linkOrCode, confirmMove, now))
            return script.removeFirst()
        }
        return try await next()
    }

    var callCount: Int { locked(lock) { calls.count } }

    /// Waits (polling) until the activator has been called `count` times.
    func waitForCalls(_ count: Int) async throws {
        for _ in 0..<5_000 where callCount < count {
            try await Task.sleep(nanoseconds: 1_000_000)
        }
        XCTAssertEqual(callCount, count, "the activator was not called in time")
    }
}

/// What the core does when the caller's task is cancelled during an activation: it stops and
/// throws `WalletError.Cancelled` (here once the task's cancellation has arrived).
private func untilCancelled() async throws -> Activation {
    while !Task.isCancelled {
        try? await Task.sleep(nanoseconds: 1_000_000)
    }
    throw WalletError.Cancelled
}

private let sampleCard = WalletCard(
    cardId: "c1", holderName: "Erika Mustermann", birthday: nil, cardType: .standard, projectId: 1, regionId: 9162,
    validFrom: "2026-01-01", validUntil: "2029-12-31", issuedAt: 0, deviceBound: true, status: .valid)

/// The iOS kit's letters of the running service: 12, 13, 14.
private let firstLetter = 12

final class CardActivationTests: XCTestCase {
    func testEveryCoreErrorHasATextInBothLanguages() {
        let errors: [WalletError] = [
            .CodeUnreadable(detail: "check symbol"), .ForeignLink(origin: "https://evil.example"), .CodeInvalid,
            .ClockWrong(serverTime: 10_000, phoneTime: 6_400), .RateLimited(retryAfterSecs: 90),
            .ServiceRefused(code: "revoked", detail: "card revoked"), .Network(detail: "timeout"),
            .CardRefused(reason: .expired), .KeyStore(detail: "locked"), .Storage, .InvalidArgument(detail: "x"),
            .InvalidCard, .NotNewerThanStored, .WrongDevice, .CardNotFound, .Cancelled,
        ]
        let problems = errors.compactMap { ActivationProblem($0) }
        XCTAssertEqual(problems.count, errors.count)
        XCTAssertEqual(problems[1], .foreignLink(origin: "https://evil.example"))
        XCTAssertEqual(problems[3], .clockWrong(serverTime: 10_000, phoneTime: 6_400))
        XCTAssertEqual(problems[6], .offline)
        XCTAssertNil(ActivationProblem(WalletError.UsedOnOtherPhone), "a question, not a problem")
        XCTAssertEqual(problems.last, .cancelled)
        XCTAssertEqual(ActivationProblem(CancellationError()), .cancelled, "Swift's cancellation as well")
        XCTAssertEqual(ActivationProblem(CocoaError(.fileNoSuchFile)), .failed)
        for problem in problems + [.notConfigured] {
            let de = problem.text(lang: .de)
            let en = problem.text(lang: .en)
            XCTAssertFalse(de.isEmpty || en.isEmpty, "\(problem)")
            XCTAssertNotEqual(de, en, "\(problem)")
        }
        XCTAssertEqual(problems[3].text(lang: .de),
                       "Die Uhr dieses Telefons geht um etwa 60 Minuten falsch. Bitte stellen Sie Datum und Uhrzeit richtig ein und versuchen Sie es erneut.")
        XCTAssertTrue(problems[4].text(lang: .en).contains("2 minutes"))
        XCTAssertEqual(problems[7].text(lang: .de), reasonText(reason: .expired, lang: .de))
        XCTAssertEqual(ActivationPrompt.moveQuestion.text(lang: .de),
                       "Die Karte ist auf einem anderen Telefon aktiv. Hierher umziehen? Die Karte auf dem anderen Telefon funktioniert dann nicht mehr.")
    }

    func testMoveIsAskedThenConfirmedOrDeclined() async throws {
        let activator = ScriptedActivator([
            { throw WalletError.UsedOnOtherPhone },
            { Activation(card: sampleCard, moved: true, listsUpdated: true) },
            { throw WalletError.UsedOnOtherPhone },
        ])
        let activation = CardActivation(activator: activator, clock: FakeClock(1_000))
        let link = "https://karte.example.org/activate#ABCD"
        let asked = await activation.submit(link)
        XCTAssertEqual(asked, .confirmMove)
        // While the question is open, another scan does not start a second activation.
        let ignored = await activation.submit("something else")
        XCTAssertEqual(ignored, .confirmMove)
        let moved = await activation.confirmMove()
        XCTAssertEqual(moved, .done(card: sampleCard, moved: true))
        XCTAssertEqual(activator.calls.map { "\($0.0) \($0.1) \($0.2)" }, ["\(link) false 1000", "\(link) true 1000"])

        // The holder says no: nothing moves, and a stray "yes" afterwards sends nothing.
        await activation.dismiss()
        _ = await activation.submit(link)
        await activation.declineMove()
        let idle = await activation.step
        XCTAssertEqual(idle, .idle)
        let stray = await activation.confirmMove()
        XCTAssertEqual(stray, .idle)
        XCTAssertEqual(activator.callCount, 3)

        let unconfigured = CardActivation(activator: nil, clock: FakeClock(1_000))
        let refused = await unconfigured.submit("code")
        XCTAssertEqual(refused, .failed(.notConfigured))
    }

    func testCancelledActivationGoesBackToIdleAndTheNextOneWorks() async throws {
        let activator = ScriptedActivator([
            { try await untilCancelled() },
            { Activation(card: sampleCard, moved: false, listsUpdated: false) },
            { throw WalletError.UsedOnOtherPhone },
            { try await untilCancelled() },
        ])
        let activation = CardActivation(activator: activator, clock: FakeClock(1_000))
        let link = "https://karte.example.org/activate#ABCD"

        // The holder cancels while the core works: no failure to show, back to idle.
        let submitting = Task { await activation.submit(link) }
        try await activator.waitForCalls(1)
        let working = await activation.step
        XCTAssertEqual(working, .working)
        submitting.cancel()
        let cancelled = await submitting.value
        XCTAssertEqual(cancelled, .idle)
        let afterCancel = await activation.step
        XCTAssertEqual(afterCancel, .idle)

        // Submitting again works at once (nothing of the cancelled one is left).
        let done = await activation.submit(link)
        XCTAssertEqual(done, .done(card: sampleCard, moved: false))

        // A cancelled "yes" to the move: idle, and the question is not open any more.
        await activation.dismiss()
        let asked = await activation.submit(link)
        XCTAssertEqual(asked, .confirmMove)
        let confirming = Task { await activation.confirmMove() }
        try await activator.waitForCalls(4)
        confirming.cancel()
        let cancelledMove = await confirming.value
        XCTAssertEqual(cancelledMove, .idle)
        let stray = await activation.confirmMove()
        XCTAssertEqual(stray, .idle)
        XCTAssertEqual(activator.calls.map(\.1), [false, false, false, true])
    }

    func testCancelledActivationAtTheRunningServiceStoresNothing() async throws {
        let service = try ServiceFixture.load()
        // Letter 14: the other test only sends it with mistakes that the phone or the service
        // refuses before the card is looked at (typo, foreign link, wrong clock).
        let letter = try service.letters(from: firstLetter, count: 3)[2]
        let dir = try TempDir()
        let feed = try service.openFeed(dir, "cancelled")
        let wallet = try Wallet.open(path: dir.path("cancelled-wallet.sqlite"), keyStore: DictKeyStore())
        let activation = CardActivation(activator: WalletActivator(wallet: wallet, serviceUrl: service.url, feed: feed))

        // The task is cancelled before the core's activation begins: the activator's
        // `Cancellation` reaches the core, which sends nothing.
        let cancelled = Task { () -> ActivationStep in
            withUnsafeCurrentTask { $0?.cancel() }
            return await activation.submit(letter.link)
        }
        let step = await cancelled.value
        XCTAssertEqual(step, .idle)
        let idle = await activation.step
        XCTAssertEqual(idle, .idle)
        XCTAssertEqual(try wallet.cards(now: realNow()), [], "nothing stored")

        // The same letter afterwards: activated, as if the cancelled attempt had not been.
        guard case let .done(card, moved) = await activation.submit(letter.link) else {
            return XCTFail("after the cancel: \(await activation.step)")
        }
        XCTAssertFalse(moved)
        XCTAssertEqual(card.holderName, letter.holderName)
        XCTAssertEqual(try wallet.cards(now: realNow()).map(\.cardId), [card.cardId])
    }

    func testActivatesAtTheRunningService() async throws {
        let service = try ServiceFixture.load()
        let letters = try service.letters(from: firstLetter, count: 3)
        let dir = try TempDir()
        let feed = try service.openFeed(dir, "phone")
        let wallet = try Wallet.open(path: dir.path("phone-wallet.sqlite"), keyStore: DictKeyStore())
        let activation = CardActivation(activator: WalletActivator(wallet: wallet, serviceUrl: service.url, feed: feed))

        // The opened link.
        guard case let .done(card, moved) = await activation.submit(letters[0].link) else {
            return XCTFail("link: \(await activation.step)")
        }
        XCTAssertFalse(moved)
        XCTAssertEqual(card.holderName, letters[0].holderName)
        XCTAssertNotNil(feed.verify(qrText: try wallet.present(cardId: card.cardId, now: realNow()), now: realNow()).validCard)
        // The typed code, grouped and in lower case.
        await activation.dismiss()
        guard case let .done(typedCard, _) = await activation.submit(letters[1].typed) else {
            return XCTFail("typed: \(await activation.step)")
        }
        XCTAssertEqual(typedCard.holderName, letters[1].holderName)

        // A second phone: the question, then the move.
        let otherFeed = try service.openFeed(dir, "other")
        let other = try Wallet.open(path: dir.path("other-wallet.sqlite"), keyStore: DictKeyStore())
        let otherActivation = CardActivation(activator: WalletActivator(wallet: other, serviceUrl: service.url, feed: otherFeed))
        let asked = await otherActivation.submit(letters[0].link)
        XCTAssertEqual(asked, .confirmMove)
        guard case let .done(movedCard, didMove) = await otherActivation.confirmMove() else {
            return XCTFail("move: \(await otherActivation.step)")
        }
        XCTAssertTrue(didMove)
        XCTAssertEqual(movedCard.holderName, letters[0].holderName)

        // Mistakes, as the holder reads them.
        await activation.dismiss()
        let typo = await activation.submit(letters[2].typo)
        XCTAssertEqual(typo, .failed(.codeUnreadable))
        await activation.dismiss()
        let foreign = await activation.submit("https://karte.example.org/activate#\(letters[2].compact)")
        XCTAssertEqual(foreign, .failed(.foreignLink(origin: "https://karte.example.org")))
        let wrongClock = CardActivation(activator: WalletActivator(wallet: wallet, serviceUrl: service.url, feed: feed),
                                        clock: FakeClock(realNow() - 3600))
        guard case let .failed(problem) = await wrongClock.submit(letters[2].link), case .clockWrong = problem else {
            return XCTFail("wrong clock: \(await wrongClock.step)")
        }
        XCTAssertTrue(problem.text(lang: .de).contains("60 Minuten"), problem.text(lang: .de))
    }
}
