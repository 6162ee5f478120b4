pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "ehrenamtskarte"

// kit:  pure Kotlin/JVM, the idiomatic layer over the core (coroutines, Flow); tested on the JVM.
// core: Android library; the generated UniFFI Kotlin, the native libraries, Keystore-backed storage.
// app:  the Jetpack Compose shell.
include(":kit", ":core", ":app")
