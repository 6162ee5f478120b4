// Android library: the generated UniFFI Kotlin (package de.ehrenamtskarte.core), the core's native
// library for each ABI (jniLibs, built with cargo-ndk), and the Android-only key storage.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "de.ehrenamtskarte.core.android"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["main"].kotlin.srcDir("src/main/uniffi")
}

dependencies {
    api(project(":kit"))
    // UniFFI's Kotlin calls the native library through JNA; the .aar brings libjnidispatch per ABI.
    api(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)
}

val repoRoot: File = rootProject.projectDir.parentFile
val bindingsDir: File = rootProject.file(providers.gradleProperty("ehk.bindingsDir").get())

// Copies the generated Kotlin from scripts/bindings.sh's output. The Kotlin is the same for every
// target (it is generated from the library's metadata), so the host build's output is the one to use.
val syncUniffiBindings by tasks.registering(Sync::class) {
    description = "Copies the generated UniFFI Kotlin from ${bindingsDir}/kotlin (run scripts/bindings.sh first)."
    group = "ehk"
    from(bindingsDir.resolve("kotlin"))
    include("**/*.kt")
    into(layout.projectDirectory.dir("src/main/uniffi"))
    doFirst {
        check(bindingsDir.resolve("kotlin/de/ehrenamtskarte/core/ehk.kt").isFile) {
            "Generated bindings not found in $bindingsDir: run scripts/bindings.sh from the repository root."
        }
    }
}

// Builds libehk_ffi.so for the three ABIs with cargo-ndk (needs the NDK, see README.md).
// Not part of every build: Rust builds are slow; run it when the Rust code changed, or pass
// -Pehk.buildRust=true to run it before each build.
val cargoNdk by tasks.registering(Exec::class) {
    description = "cargo ndk build of the ehk-bindings library into src/main/jniLibs."
    group = "ehk"
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", layout.projectDirectory.dir("src/main/jniLibs").asFile.absolutePath,
        "build", "--release", "--locked", "-p", "ehk-bindings", "--lib",
    )
}

tasks.named("preBuild") {
    dependsOn(syncUniffiBindings)
    if (providers.gradleProperty("ehk.buildRust").orNull == "true") dependsOn(cargoNdk)
    doLast {
        val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        val missing = abis.filterNot { file("src/main/jniLibs/$it/libehk_ffi.so").isFile }
        check(missing.isEmpty()) {
            "libehk_ffi.so missing for $missing: run ./gradlew :core:cargoNdk (see android/README.md)."
        }
    }
}
