// Pure Kotlin/JVM: no android.* here. The idiomatic layer over the core (CardPresenter,
// VerifyController, WalletModel, EncryptedKeyStore), tested on the JVM against the host library.
import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    alias(libs.plugins.kotlin.jvm)
    // src/testFixtures: the Kotlin test support (runner, trust world, feed server, store and news
    // fixtures) that the kit's tests share with the binding tests (tests/bindings/kotlin compiles
    // the same files with kotlinc).
    `java-test-fixtures`
}

java {
    sourceCompatibility = JavaVersion.VERSION_17
    targetCompatibility = JavaVersion.VERSION_17
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
        allWarningsAsErrors.set(true)
    }
}

// The generated UniFFI Kotlin lives in :core (core/src/main/uniffi, written by
// :core:syncUniffiBindings). kit compiles against it here without packaging it: in the app the
// classes come from :core (with JNA's .aar), in kit's tests from this source set (with JNA's .jar).
val uniffi: SourceSet by sourceSets.creating {
    kotlin.srcDir(rootProject.file("core/src/main/uniffi"))
}

dependencies {
    "uniffiImplementation"(libs.jna)
    // The generated code of async exports (FeedStore.sync: a suspend fun) uses kotlinx-coroutines.
    "uniffiImplementation"(libs.kotlinx.coroutines.core)
    implementation(libs.kotlinx.coroutines.core)
    compileOnly(uniffi.output)
    compileOnly(libs.jna)

    // The test fixtures use only the generated bindings, JNA, kotlinx-coroutines and kotlin-test
    // (never the kit), so that the binding tests can compile them without it. The kit's tests get
    // them through the plugin's testImplementation(testFixtures(project)).
    testFixturesImplementation(uniffi.output)
    testFixturesImplementation(libs.jna)
    testFixturesImplementation(libs.kotlinx.coroutines.core)
    testFixturesImplementation(libs.kotlin.test)

    testImplementation(uniffi.output)
    testImplementation(libs.jna)
    testImplementation(libs.kotlin.test)
}

tasks.named("compileUniffiKotlin") {
    dependsOn(":core:syncUniffiBindings")
}

// The generated code is not ours to lint.
tasks.named<org.jetbrains.kotlin.gradle.tasks.KotlinCompile>("compileUniffiKotlin") {
    compilerOptions { suppressWarnings.set(true); allWarningsAsErrors.set(false) }
}

// The kit's tests use the shared tiny runner (src/testFixtures, no JUnit), so they run the same
// way in Gradle and in CI (android/jvm-tests.sh). They need the host build of the core library
// (scripts/bindings.sh).
val hostLibDir = providers.gradleProperty("ehk.bindingsDir")
    .map { rootProject.file(it).resolve("lib").absolutePath }

val jvmTests by tasks.registering(JavaExec::class) {
    description = "Runs kit's tests against the host libehk_ffi.so (same as android/jvm-tests.sh)."
    group = "verification"
    classpath = sourceSets["test"].runtimeClasspath
    mainClass.set("de.ehrenamtskarte.kit.KitTestsKt")
    systemProperty("jna.library.path", hostLibDir.get())
    // The store/feed tests start `ehk serve` (EHK_BIN, else the bindings dir's bin/ehk).
    environment(
        "EHK_BIN",
        System.getenv("EHK_BIN") ?: providers.gradleProperty("ehk.bindingsDir")
            .map { rootProject.file(it).resolve("bin/ehk").absolutePath }.get(),
    )
}

tasks.named("check") {
    dependsOn(jvmTests)
}
