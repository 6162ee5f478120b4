// A small test runner for the binding story: no XCTest, so it builds with plain `swiftc` and its
// output is the same on Linux and macOS. A test is a named throwing closure; `expect*` record
// failures for the running test, an error escaping the closure fails it as well.

import Foundation

final class TestRun {
    private(set) var passed = 0
    private(set) var failed = 0
    private var failures: [String] = []

    func record(_ message: String, _ file: StaticString, _ line: UInt) {
        failures.append("\(file):\(line): \(message)")
    }

    func run(_ name: String, _ body: () throws -> Void) {
        failures = []
        do {
            try body()
        } catch {
            failures.append("unexpected error: \(String(reflecting: error))")
        }
        if failures.isEmpty {
            passed += 1
            print("PASS \(name)")
        } else {
            failed += 1
            print("FAIL \(name)")
            for failure in failures { print("    \(failure)") }
        }
    }
}

let testRun = TestRun()

func expect(_ condition: Bool, _ message: @autoclosure () -> String,
            file: StaticString = #fileID, line: UInt = #line) {
    if !condition { testRun.record(message(), file, line) }
}

func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String = "",
                               file: StaticString = #fileID, line: UInt = #line) {
    if actual != expected {
        testRun.record("\(what.isEmpty ? "" : what + ": ")expected \(String(reflecting: expected)), got \(String(reflecting: actual))", file, line)
    }
}

/// Expects `body` to throw an error of type `E` for which `matches` holds.
func expectThrows<E: Error, T>(_ what: String, _ type: E.Type,
                               file: StaticString = #fileID, line: UInt = #line,
                               matching matches: (E) -> Bool = { _ in true },
                               _ body: () throws -> T) {
    do {
        let value = try body()
        testRun.record("\(what): expected a thrown \(E.self), got \(String(reflecting: value))", file, line)
    } catch let error as E {
        if !matches(error) {
            testRun.record("\(what): wrong error \(String(reflecting: error))", file, line)
        }
    } catch {
        testRun.record("\(what): expected \(E.self), got \(String(reflecting: error))", file, line)
    }
}
