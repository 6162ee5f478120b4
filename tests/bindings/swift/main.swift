// Runs the Swift binding tests; the last line is `swift: N passed, M failed`.

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

testRun.run("device-bound card story", testDeviceBoundCardStory)
testRun.run("presentation renews every 30 seconds", testPresentationRenewsEveryThirtySeconds)
testRun.run("tampered code is refused with the reason", testTamperedCodeIsRefusedWithTheReason)
testRun.run("repeat scan is flagged", testRepeatScanIsFlagged)
testRun.run("wallet stores only cards the verifier accepts", testWalletStoresOnlyCardsTheVerifierAccepts)
testRun.run("revocation and version rollback", testRevocationAndVersionRollback)
testRun.run("bad arguments are typed errors", testBadArgumentsAreTypedErrors)
testRun.run("CSV batch with progress", testCsvBatchWithProgress)
testRun.run("logger receives core records without personal data", testLoggerReceivesCoreRecordsWithoutPersonalData)
testRun.run("feed store: publishing, sync and every store method", testFeedStoreMethods)
testRun.run("feed store: errors", testFeedErrors)
testRun.run("feed store: the project pin", testProjectPin)
testRun.run("feed store: news and geofencing methods", testNewsAndGeofencingMethods)
testRun.run("feed store: news errors", testNewsErrors)
testRun.run("activation: link, retry, and a confirmed move to a second phone", testActivationByLinkRetryAndMove)
testRun.run("activation: typed code and the app scheme's link", testActivationByTypedCode)
testRun.run("activation: typo, foreign link and wrong clock are typed errors", testActivationMistakesAreTypedErrors)
testRun.run("activation: a cancelled activation stores nothing, the next one works", testCancelledActivationStoresNothing)

print("swift: \(testRun.passed) passed, \(testRun.failed) failed")
exit(testRun.failed > 0 || testRun.passed == 0 ? 1 : 0)
