import EhkCore
import EhrenamtskarteKit
import XCTest

final class PresentationStreamTests: XCTestCase {
    private func deviceBoundWallet(clock: FakeClock) async throws -> (CardWallet, IssuedCard, World) {
        let world = try World()
        let wallet = try CardWallet(databasePath: nil, items: InMemorySecureItemStore(), clock: clock)
        let card = try world.issue(deviceKey: try await wallet.devicePublicKey())
        try await wallet.add(qrText: card.qrText, verifier: try world.cardVerifier(clock: clock))
        return (wallet, card, world)
    }

    func testStreamRenewsTheCodeAtEachThirtySecondStep() async throws {
        let clock = FakeClock(NOW + 10)
        let (wallet, card, world) = try await deviceBoundWallet(clock: clock)
        let verifier = try world.cardVerifier(clock: clock)

        var shown: [Presentation] = []
        for try await presentation in wallet.presentations(cardId: card.cardId) {
            shown.append(presentation)
            // Every code is valid when it is shown.
            XCTAssertTrue(verifier.verify(presentation.qrText).validCard != nil, "code at \(presentation.shownAt)")
            if shown.count == 3 { break }
        }
        XCTAssertEqual(shown.map(\.shownAt), [NOW + 10, NOW + 30, NOW + 60])
        XCTAssertEqual(shown.map(\.refreshAt), [NOW + 30, NOW + 60, NOW + 90])
        XCTAssertEqual(clock.sleeps, [20, 30], "waits until the core's next step, no polling")
        XCTAssertEqual(Set(shown.map(\.qrText)).count, 3, "each step has a new code")
        XCTAssertTrue(shown.allSatisfy { $0.qrText.hasPrefix("EP1:") })
    }

    func testLateConsumerGetsAFreshCodeWithoutWaiting() async throws {
        let clock = FakeClock(NOW)
        let (wallet, card, world) = try await deviceBoundWallet(clock: clock)
        var iterator = wallet.presentations(cardId: card.cardId).makeAsyncIterator()
        let first = try await iterator.next()
        // The app was in the background for five minutes.
        clock.set(NOW + 300)
        let second = try await iterator.next()
        XCTAssertEqual(first?.shownAt, NOW)
        XCTAssertEqual(second?.shownAt, NOW + 300)
        XCTAssertEqual(clock.sleeps, [], "a late consumer does not wait")
        let verifier = try world.cardVerifier(clock: clock)
        XCTAssertEqual(verifier.verify(first!.qrText).invalidReason, .stalePresentation, "the old one is stale")
        XCTAssertTrue(verifier.verify(second!.qrText).validCard != nil)
    }

    func testStreamEndsWhenTheConsumerIsCancelled() async throws {
        let clock = FakeClock(NOW)
        let (wallet, card, _) = try await deviceBoundWallet(clock: clock)
        let task = Task { () -> Int in
            var count = 0
            for try await _ in wallet.presentations(cardId: card.cardId) {
                count += 1
                if count == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return count
        }
        let count = try await task.value
        XCTAssertEqual(count, 2, "no code after cancellation")
    }

    func testUnknownCardEndsTheStreamWithTheCoreError() async throws {
        let clock = FakeClock(NOW)
        let (wallet, _, _) = try await deviceBoundWallet(clock: clock)
        do {
            for try await _ in wallet.presentations(cardId: "0011223344556677") {
                XCTFail("no code for an unknown card")
            }
            XCTFail("expected WalletError.CardNotFound")
        } catch let error as WalletError {
            XCTAssertEqual(error, .CardNotFound)
        }
    }
}
