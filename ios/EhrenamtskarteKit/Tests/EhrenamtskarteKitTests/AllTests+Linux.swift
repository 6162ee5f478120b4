// The test lists for XCTMain on Linux (see ../LinuxMain.swift). Apple platforms discover tests
// themselves; corelibs XCTest's asyncTest exists only on Linux.
#if os(Linux)
import XCTest

extension KeyStoreAndWalletTests {
    static var allTests: [(String, (KeyStoreAndWalletTests) -> () throws -> Void)] {
        [
            ("testDeviceKeyIsCreatedOnceInTheSecureItemStore", asyncTest(testDeviceKeyIsCreatedOnceInTheSecureItemStore)),
            ("testSecureKeyStoreMapsFailuresToKeyStoreError", testSecureKeyStoreMapsFailuresToKeyStoreError),
            ("testLockedKeychainIsAWalletKeyStoreError", asyncTest(testLockedKeychainIsAWalletKeyStoreError)),
            ("testWalletRoundTripThroughADatabaseFile", asyncTest(testWalletRoundTripThroughADatabaseFile)),
            ("testWalletStoresOnlyCardsTheCoreAccepts", asyncTest(testWalletStoresOnlyCardsTheCoreAccepts)),
            ("testWalletListShowsACardTheListsRefuse", asyncTest(testWalletListShowsACardTheListsRefuse)),
        ]
    }
}

extension CardActivationTests {
    static var allTests: [(String, (CardActivationTests) -> () throws -> Void)] {
        [
            ("testEveryCoreErrorHasATextInBothLanguages", testEveryCoreErrorHasATextInBothLanguages),
            ("testMoveIsAskedThenConfirmedOrDeclined", asyncTest(testMoveIsAskedThenConfirmedOrDeclined)),
            ("testCancelledActivationGoesBackToIdleAndTheNextOneWorks", asyncTest(testCancelledActivationGoesBackToIdleAndTheNextOneWorks)),
            ("testCancelledActivationAtTheRunningServiceStoresNothing", asyncTest(testCancelledActivationAtTheRunningServiceStoresNothing)),
            ("testActivatesAtTheRunningService", asyncTest(testActivatesAtTheRunningService)),
        ]
    }
}

extension PresentationStreamTests {
    static var allTests: [(String, (PresentationStreamTests) -> () throws -> Void)] {
        [
            ("testStreamRenewsTheCodeAtEachThirtySecondStep", asyncTest(testStreamRenewsTheCodeAtEachThirtySecondStep)),
            ("testLateConsumerGetsAFreshCodeWithoutWaiting", asyncTest(testLateConsumerGetsAFreshCodeWithoutWaiting)),
            ("testStreamEndsWhenTheConsumerIsCancelled", asyncTest(testStreamEndsWhenTheConsumerIsCancelled)),
            ("testUnknownCardEndsTheStreamWithTheCoreError", asyncTest(testUnknownCardEndsTheStreamWithTheCoreError)),
        ]
    }
}

extension VerificationDisplayTests {
    static var allTests: [(String, (VerificationDisplayTests) -> () throws -> Void)] {
        [
            ("testValidStaticCardShowsNameValidityAndTheCoreNotes", testValidStaticCardShowsNameValidityAndTheCoreNotes),
            ("testInvalidCodeShowsTheCoreReasonAndNoName", testInvalidCodeShowsTheCoreReasonAndNoName),
            ("testDeviceBoundCredentialAloneIsRefused", testDeviceBoundCredentialAloneIsRefused),
            ("testPreferredLanguage", testPreferredLanguage),
            ("testVerifierRefusesAnOlderTrustList", testVerifierRefusesAnOlderTrustList),
        ]
    }
}

extension CardStatusTextTests {
    static var allTests: [(String, (CardStatusTextTests) -> () throws -> Void)] {
        [("testStatusTexts", testStatusTexts)]
    }
}

extension StoreCatalogTests {
    static var allTests: [(String, (StoreCatalogTests) -> () throws -> Void)] {
        [
            ("testSearchFindsGermanSpellingsWithFilters", asyncTest(testSearchFindsGermanSpellingsWithFilters)),
            ("testSearchAsYouTypeDeliversOnlyTheNewestQuery", asyncTest(testSearchAsYouTypeDeliversOnlyTheNewestQuery)),
            ("testSupersededSearchesAndInterruptedReadsAreNotErrors", asyncTest(testSupersededSearchesAndInterruptedReadsAreNotErrors)),
            ("testNearbyFavoritesAndDetails", asyncTest(testNearbyFavoritesAndDetails)),
            ("testInvalidPositionIsAFeedError", asyncTest(testInvalidPositionIsAFeedError)),
        ]
    }
}

extension StoreTextTests {
    static var allTests: [(String, (StoreTextTests) -> () throws -> Void)] {
        [("testDisplayTexts", testDisplayTexts)]
    }
}

extension FeedSyncerTests {
    static var allTests: [(String, (FeedSyncerTests) -> () throws -> Void)] {
        [
            ("testSyncWithProgressThenUnchangedAndTheVerifierFromTheFeed", asyncTest(testSyncWithProgressThenUnchangedAndTheVerifierFromTheFeed)),
            ("testConcurrentCallsShareOneRun", asyncTest(testConcurrentCallsShareOneRun)),
            ("testFailuresBecomeUserFacingProblemsAndChangeNothing", asyncTest(testFailuresBecomeUserFacingProblemsAndChangeNothing)),
            ("testCancelledCallerGetsCancelled", asyncTest(testCancelledCallerGetsCancelled)),
            ("testCancellingDuringTheSyncStopsItAndChangesNothing", asyncTest(testCancellingDuringTheSyncStopsItAndChangesNothing)),
            ("testEverySyncErrorHasAProblemAndTexts", testEverySyncErrorHasAProblemAndTexts),
        ]
    }
}

extension GeofenceCoordinatorTests {
    static var allTests: [(String, (GeofenceCoordinatorTests) -> () throws -> Void)] {
        [
            ("testAnEntryEventAndOneFixNotifyAtOnce", asyncTest(testAnEntryEventAndOneFixNotifyAtOnce)),
            ("testFixesAloneNotifyAfterTheDwell", asyncTest(testFixesAloneNotifyAfterTheDwell)),
            ("testTheCoreRegionsAreRegisteredAndReported", asyncTest(testTheCoreRegionsAreRegisteredAndReported)),
            ("testRefusedRegionsAreRegisteredOnceThePermissionIsGranted", asyncTest(testRefusedRegionsAreRegisteredOnceThePermissionIsGranted)),
            ("testPermissionGrantedLaterRegistersAroundTheLastFix", asyncTest(testPermissionGrantedLaterRegistersAroundTheLastFix)),
            ("testAFeedSyncRegistersTheNewsRegions", asyncTest(testAFeedSyncRegistersTheNewsRegions)),
            ("testOffersNearFavoritesRegisterAgain", asyncTest(testOffersNearFavoritesRegisterAgain)),
            ("testMutedCategoryStaysSilent", asyncTest(testMutedCategoryStaysSilent)),
            ("testInvalidFixIsAFeedErrorAndChangesNothing", asyncTest(testInvalidFixIsAFeedErrorAndChangesNothing)),
            ("testNewsListRowsInTheUserLanguage", asyncTest(testNewsListRowsInTheUserLanguage)),
        ]
    }
}

#endif
