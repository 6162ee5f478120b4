// The running issuer service of the activation tests (shared by the kit's tests and the Swift
// binding tests): scripts/test-bindings.sh starts it with scripts/service-fixture.sh and names its
// fixture.json in EHK_TEST_SERVICE_FIXTURE. Each suite takes its own letters (the Swift binding
// tests 6-8, the iOS kit 12-14), so suites never activate the same card. A missing variable throws
// `FixtureError`, which fails the test: activation is never skipped.

import EhkCore
import Foundation

/// One card's activation letter, as the fixture wrote it.
struct Letter: Decodable {
    let cardId: Int64
    let holderName: String
    let link: String
    let code: String

    enum CodingKeys: String, CodingKey {
        case cardId = "card_id", holderName = "holder_name", link, code
    }

    /// The 17 symbols without dashes.
    var compact: String { code.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: " ", with: "") }

    /// The code as a holder might type it: groups of four, lower case.
    var typed: String {
        let symbols = Array(compact.lowercased())
        return stride(from: 0, to: symbols.count, by: 4)
            .map { String(symbols[$0..<min($0 + 4, symbols.count)]) }
            .joined(separator: " ")
    }

    /// The code with one symbol changed: the check symbol catches it.
    var typo: String {
        var symbols = Array(compact)
        symbols[3] = symbols[3] == "X" ? "Y" : "X"
        return String(symbols)
    }
}

struct ServiceFixture: Decodable {
    let url: String
    let rootPublicKey: String
    let projectId: UInt32
    let trustListPath: String
    let letters: [Letter]

    enum CodingKeys: String, CodingKey {
        case url, rootPublicKey = "root_public_key", projectId = "project_id", trustListPath = "trust_list", letters
    }

    /// The fixture named by EHK_TEST_SERVICE_FIXTURE.
    static func load() throws -> ServiceFixture {
        guard let path = ProcessInfo.processInfo.environment["EHK_TEST_SERVICE_FIXTURE"], !path.isEmpty else {
            throw FixtureError(description: "EHK_TEST_SERVICE_FIXTURE is not set: run scripts/test-bindings.sh, "
                + "or start scripts/service-fixture.sh and export the path of its fixture.json")
        }
        return try JSONDecoder().decode(ServiceFixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Letters `first` ..< `first + count`: a suite's own.
    func letters(from first: Int, count: Int) throws -> [Letter] {
        try require(letters.count >= first + count,
                    "the service fixture has \(letters.count) letters; this suite needs \(first)..<\(first + count)")
        return Array(letters[first..<(first + count)])
    }

    func pin() throws -> ProjectPin {
        var key = Data()
        var hex = Substring(rootPublicKey)
        while hex.count >= 2 {
            guard let byte = UInt8(hex.prefix(2), radix: 16) else { throw FixtureError(description: "root key is not hex") }
            key.append(byte)
            hex = hex.dropFirst(2)
        }
        return ProjectPin(rootPublicKey: key, projectId: projectId,
                          trustList: try Data(contentsOf: URL(fileURLWithPath: trustListPath)))
    }

    /// A phone's feed store pinned to the service's project.
    func openFeed(_ dir: TempDir, _ name: String) throws -> FeedStore {
        try FeedStore.open(path: dir.path("\(name)-feed.sqlite"), project: pin(), platform: .ios, now: realNow())
    }
}

/// The phone's clock: the service checks it against its own, so activation tests use real time.
func realNow() -> Int64 { Int64(Date().timeIntervalSince1970) }
