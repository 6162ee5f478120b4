// swift-tools-version:6.0
// EhrenamtskarteKit: the Swift side of the Ehrenamtskarte core for iOS.
//
//   EhkCoreFFI         the Rust core as a static library with its C header and module map
//                      (EhkCoreFFI.xcframework, made by ../build-xcframework.sh; not committed)
//   EhkCore            the UniFFI-generated Swift bindings (Sources/EhkCore/EhkCore.swift, written
//                      by ../build-xcframework.sh from the same build; not committed)
//   EhrenamtskarteKit  the idiomatic layer the app uses: async/await wallet, presentation stream,
//                      verifier facade with display texts, Keychain-backed key store,
//                      offline store catalog (search as you type) and the feed syncer
//
// Run ../build-xcframework.sh before opening this package in Xcode (see ../README.md).
import PackageDescription

let package = Package(
    name: "EhrenamtskarteKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "EhrenamtskarteKit", targets: ["EhrenamtskarteKit"]),
    ],
    targets: [
        .binaryTarget(name: "EhkCoreFFI", path: "EhkCoreFFI.xcframework"),
        .target(
            name: "EhkCore",
            dependencies: ["EhkCoreFFI"],
            path: "Sources/EhkCore",
            exclude: ["README.md"]
        ),
        .target(
            name: "EhrenamtskarteKit",
            dependencies: ["EhkCore"],
            path: "Sources/EhrenamtskarteKit"
        ),
        .testTarget(
            name: "EhrenamtskarteKitTests",
            dependencies: ["EhrenamtskarteKit", "EhkCore"],
            path: "Tests/EhrenamtskarteKitTests",
            // The library targets use Swift 6 mode; the tests stay in Swift 5 mode, as
            // ../linux-tests.sh builds them (Linux XCTMain test lists capture `self`).
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
