// Versions live in gradle/libs.versions.toml. AGP 9 compiles Kotlin in Android modules itself
// (built-in Kotlin); the Kotlin JVM plugin is for the pure-JVM :kit module.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.android.library) apply false
    alias(libs.plugins.kotlin.jvm) apply false
    alias(libs.plugins.kotlin.compose) apply false
}
