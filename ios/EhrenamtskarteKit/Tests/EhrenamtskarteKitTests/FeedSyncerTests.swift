// Starting `ehk serve` needs Foundation's Process: these tests exist on Linux and macOS only.
#if os(Linux) || os(macOS)
import EhkCore
import EhrenamtskarteKit
import XCTest

/// The syncer against a feed published with the issuer's `publishFeed` and served by `ehk serve` on
/// loopback (`ServedFeed`; Linux and macOS; $EHK_BIN is the `ehk` binary, which ios/linux-tests.sh passes).
final class FeedSyncerTests: ServedFeedTestCase {
    private func phone(_ name: String = "phone.db", clock: FakeClock = FakeClock(NOW),
                       pin: ProjectPin? = nil, url: String? = nil) throws -> (StoreCatalog, FeedSyncer) {
        let store = try FeedStore.open(path: feed.dir.path(name), project: pin ?? feed.pin,
                                       platform: .ios, now: clock.now())
        let catalog = StoreCatalog(store: store, clock: clock)
        return (catalog, FeedSyncer(catalog: catalog, url: url ?? feed.url))
    }

    func testSyncWithProgressThenUnchangedAndTheVerifierFromTheFeed() async throws {
        let (catalog, syncer) = try phone()
        // The shop's verifier over the phone's store: the shipped trust list before the first
        // sync, the synced lists after it, with nothing to reload.
        let verifier = CardVerifier(store: catalog.store, clock: FakeClock(NOW))
        XCTAssertEqual(verifier.trustListVersion, 1)
        let fractions = Recorder<Double>()
        let first = await syncer.sync { fractions.append($0) }
        XCTAssertEqual(first, .updated(version: 1, viaDelta: false))
        XCTAssertFalse(fractions.values.isEmpty, "progress was reported")
        XCTAssertEqual(fractions.values.last, 1)
        XCTAssertEqual(fractions.values, fractions.values.sorted(), "progress only grows")
        let state = await syncer.state
        XCTAssertEqual(state, .finished(.updated(version: 1, viaDelta: false), at: NOW))
        let lastSuccess = await syncer.lastSuccess
        XCTAssertEqual(lastSuccess, NOW)
        let count = try await catalog.storeCount()
        XCTAssertEqual(count, 4)
        let found = try await catalog.search(StoreSearchQuery(text: "Mueller"))
        XCTAssertEqual(found?.map(\.name), ["Bäckerei Müller"])

        let again = await syncer.sync()
        XCTAssertEqual(again, .unchanged(version: 1))

        // The sync brought the trust list and the revocation list for the shop's verifier.
        XCTAssertEqual(verifier.trustListVersion, 1)
        XCTAssertEqual(verifier.check(feed.publisher.revokedCard.qrText, lang: .en).reason, .revoked)

        // A new version without the café comes as a delta; the café stays a favorite, without
        // its store, and gets its store back when a later version has it again.
        let cafe = try await catalog.nearby(Position(latitude: 48.135, longitude: 11.57), limit: 1)[0]
        XCTAssertEqual(cafe.name, "Café Crème")
        let marked = try await catalog.setFavorite(storeId: cafe.id, true)
        XCTAssertTrue(marked)
        XCTAssertEqual(try feed.publisher.publish(storesCsv: storesCsv.replacingOccurrences(of: cafeRow, with: "")).version, 2)
        let delta = await syncer.sync()
        XCTAssertEqual(delta, .updated(version: 2, viaDelta: true))
        let after = try await catalog.storeCount()
        XCTAssertEqual(after, 3)
        let orphan = try await catalog.favorites()
        XCTAssertEqual(orphan.map(\.name), ["Café Crème"], "the favorite stays")
        XCTAssertNil(orphan.first?.store, "the favorite has no store while it is missing: \(orphan)")

        XCTAssertEqual(try feed.publisher.publish().version, 3)
        let back = await syncer.sync()
        XCTAssertEqual(back, .updated(version: 3, viaDelta: true))
        let restored = try await catalog.favorites()
        XCTAssertEqual(restored.first?.store?.name, "Café Crème", "the café is back")
    }

    func testConcurrentCallsShareOneRun() async throws {
        let (_, syncer) = try phone()
        async let a = syncer.sync()
        async let b = syncer.sync()
        async let c = syncer.sync()
        let outcomes = await [a, b, c]
        // One run: every caller sees its update (separate runs would see `unchanged`).
        XCTAssertEqual(outcomes, Array(repeating: .updated(version: 1, viaDelta: false), count: 3))
    }

    func testFailuresBecomeUserFacingProblemsAndChangeNothing() async throws {
        let other = try IssuerKey.generate()
        let world = feed.publisher.world
        let otherPin = world.pin(try world.trustList(signer: other), rootPublicKey: other.publicKey())
        let (wrongRootCatalog, wrongRoot) = try phone("wrong-root.db", pin: otherPin)
        let refused = await wrongRoot.sync()
        XCTAssertEqual(refused, .failed(.securityProblem))
        let stored = try await wrongRootCatalog.storeCount()
        XCTAssertEqual(stored, 0)
        let version = try await wrongRootCatalog.feedVersion()
        XCTAssertNil(version)
        let lastSuccess = await wrongRoot.lastSuccess
        XCTAssertNil(lastSuccess)

        let (_, late) = try phone("late.db", clock: FakeClock(NOW + 15 * DAY))
        let expired = await late.sync()
        XCTAssertEqual(expired, .failed(.outdated))

        let (_, offline) = try phone("offline.db", url: "http://127.0.0.1:9")
        let unreachable = await offline.sync()
        XCTAssertEqual(unreachable, .failed(.offline))
        XCTAssertEqual(FeedSyncProblem.offline.isTemporary, true)

        let (_, ftp) = try phone("ftp.db", url: "ftp://example")
        let misconfigured = await ftp.sync()
        XCTAssertEqual(misconfigured, .failed(.misconfigured))
        let state = await ftp.state
        XCTAssertEqual(state, .finished(.failed(.misconfigured), at: NOW))

        // Another project's feed signed by the same root (the host swapped it): a security
        // problem, and the phone keeps its project's data.
        let (pinnedCatalog, pinned) = try phone("pinned.db")
        let first = await pinned.sync()
        XCTAssertEqual(first, .updated(version: 1, viaDelta: false))
        try feed.publisher.publish(trustList: try feed.publisher.world.trustList(version: 5, projectId: 2))
        let wrongProject = await pinned.sync()
        XCTAssertEqual(wrongProject, .failed(.securityProblem))
        let kept = try await pinnedCatalog.storeCount()
        XCTAssertEqual(kept, 4)
    }

    func testCancelledCallerGetsCancelled() async throws {
        let (catalog, syncer) = try phone()
        let task = Task { () -> FeedSyncOutcome in
            withUnsafeCurrentTask { $0?.cancel() }
            return await syncer.sync()
        }
        let outcome = await task.value
        XCTAssertEqual(outcome, .cancelled)
        // A later sync works normally.
        let next = await syncer.sync()
        XCTAssertTrue(next.succeeded, "\(next)")
        let count = try await catalog.storeCount()
        XCTAssertEqual(count, 4)
    }

    func testCancellingDuringTheSyncStopsItAndChangesNothing() async throws {
        let (catalog, syncer) = try phone()
        let started = DispatchSemaphore(value: 0)
        let box = Recorder<Task<FeedSyncOutcome, Never>>()
        let task = Task { () -> FeedSyncOutcome in
            await syncer.sync { _ in
                // Called on the sync's thread: cancel the caller as soon as data flows.
                _ = started.wait(timeout: .now() + 5)
                started.signal()
                box.values.first?.cancel()
            }
        }
        box.append(task)
        started.signal()
        let outcome = await task.value
        XCTAssertEqual(outcome, .cancelled)
        let version = try await catalog.feedVersion()
        XCTAssertNil(version, "a cancelled sync leaves the database as it was")
        let count = try await catalog.storeCount()
        XCTAssertEqual(count, 0)
        let next = await syncer.sync()
        XCTAssertEqual(next, .updated(version: 1, viaDelta: false))
    }

    func testEverySyncErrorHasAProblemAndTexts() {
        let cases: [(FeedError, FeedSyncProblem)] = [
            (.InvalidArgument(detail: "x"), .misconfigured),
            (.Network(detail: "timeout"), .offline),
            (.Damaged(detail: "hash"), .damaged),
            (.BadSignature, .securityProblem),
            (.NotAllowed, .securityProblem),
            (.WrongProject(offered: 2, pinned: 1), .securityProblem),
            (.VersionNotNewer(offered: 1, current: 2), .securityProblem),
            (.Expired, .outdated),
            (.Storage, .storage),
            (.Interrupted, .storage),
        ]
        for (error, problem) in cases {
            XCTAssertEqual(FeedSyncProblem(error), problem, "\(error)")
            XCTAssertEqual(FeedSyncOutcome(error), .failed(problem), "\(error)")
            XCTAssertFalse(problem.text(lang: .de).isEmpty)
            XCTAssertFalse(problem.text(lang: .en).isEmpty)
            XCTAssertNotEqual(problem.text(lang: .de), problem.text(lang: .en))
        }
        XCTAssertNil(FeedSyncProblem(.Cancelled), "a cancelled sync is no problem")
        XCTAssertEqual(FeedSyncOutcome(FeedError.Cancelled), .cancelled)
        XCTAssertTrue(FeedSyncProblem.offline.isTemporary)
        XCTAssertFalse(FeedSyncProblem.offline.isSecurityRelevant)
        XCTAssertTrue(FeedSyncProblem.damaged.isSecurityRelevant)
        XCTAssertTrue(FeedSyncProblem.securityProblem.isSecurityRelevant)
        XCTAssertFalse(FeedSyncProblem.securityProblem.isTemporary)
        XCTAssertNil(FeedConfiguration(url: "https://example.org/feed", rootPublicKeyHex: "zz", projectId: 1, trustList: Data()))
        let configured = FeedConfiguration(url: "u", rootPublicKeyHex: " 0a0B \n", projectId: 7, trustList: Data([1]))
        XCTAssertEqual(configured?.rootPublicKey, Data([0x0a, 0x0b]))
        XCTAssertEqual(configured?.project.projectId, 7)
        XCTAssertEqual(configured?.project.trustList, Data([1]))
    }
}
#endif
