package de.ehrenamtskarte.kit

import de.ehrenamtskarte.testing.TestRunner

/** Entry point of the kit's JVM tests (android/jvm-tests.sh here, `./gradlew :kit:jvmTests` in the Gradle build). */
fun main() {
    val runner = TestRunner("android-kit")
    EncryptedKeyStoreTest.register(runner)
    CardPresenterTest.register(runner)
    VerifyControllerTest.register(runner)
    WalletModelTest.register(runner)
    StoresTest.register(runner)
    NewsTest.register(runner)
    ActivationTest.register(runner)
    runner.runAndExit()
}
