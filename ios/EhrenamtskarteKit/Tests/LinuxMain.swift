// Entry point for running the kit's XCTest cases without SwiftPM test discovery (Linux CI:
// ios/linux-tests.sh compiles this as main.swift). On macOS, `swift test` and Xcode find the
// tests themselves and ignore this file (it is outside the test target's folder).
import XCTest

XCTMain([
    testCase(PresentationStreamTests.allTests),
    testCase(VerificationDisplayTests.allTests),
    testCase(KeyStoreAndWalletTests.allTests),
    testCase(CardStatusTextTests.allTests),
    testCase(StoreCatalogTests.allTests),
    testCase(StoreTextTests.allTests),
    testCase(FeedSyncerTests.allTests),
    testCase(GeofenceCoordinatorTests.allTests),
    testCase(CardActivationTests.allTests),
])
