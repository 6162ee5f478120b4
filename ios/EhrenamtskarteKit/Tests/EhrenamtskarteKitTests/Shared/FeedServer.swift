// Shared with tests/bindings/swift (see Fixtures.swift).
// `ehk serve DIR --port N` on a free loopback port, started with Foundation's Process (it works
// on Linux and macOS, not on iOS). The binary is $EHK_BIN (run.sh and ios/linux-tests.sh pass it;
// without it a test that needs the server fails). Each started server's pid is appended to
// $EHK_SERVER_PIDS when set, so that the runner's trap can stop a server that a crashed test
// program left behind; normally `stop()` ends it.

#if os(Linux) || os(macOS)
import EhkCore
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

struct FeedServerError: Error, CustomStringConvertible {
    let description: String
}

final class FeedServer {
    let url: String
    let port: UInt16
    private let process: Process

    init(dir: String) throws {
        guard let bin = ProcessInfo.processInfo.environment["EHK_BIN"], !bin.isEmpty else {
            throw FeedServerError(description: "EHK_BIN is not set (the ehk binary from scripts/bindings.sh)")
        }
        port = try freeLoopbackPort()
        url = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["serve", dir, "--port", String(port)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if let pidFile = ProcessInfo.processInfo.environment["EHK_SERVER_PIDS"], !pidFile.isEmpty,
           let handle = FileHandle(forWritingAtPath: pidFile) {
            handle.seekToEndOfFile()
            handle.write(Data("\(process.processIdentifier)\n".utf8))
            handle.closeFile()
        }
        let deadline = Date().addingTimeInterval(20)
        while !canConnect(port: port) {
            guard process.isRunning else {
                throw FeedServerError(description: "ehk serve exited with \(process.terminationStatus)")
            }
            guard Date() < deadline else {
                stop()
                throw FeedServerError(description: "ehk serve did not listen on port \(port) within 20 s")
            }
            usleep(50_000)
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A feed published by `FeedPublisher` (with `news`, if any) and served by `ehk serve`, and
/// phone feed stores that sync from it.
final class ServedFeed {
    let dir: TempDir
    let publisher: FeedPublisher
    let server: FeedServer

    var url: String { server.url }
    var rootPublicKey: Data { publisher.root.publicKey() }
    /// The project the phones are pinned to: the published trust list.
    var pin: ProjectPin { publisher.world.pin() }

    init(news: [NewsItemSpec] = []) throws {
        dir = try TempDir()
        publisher = try FeedPublisher(dir: dir, news: news)
        server = try FeedServer(dir: publisher.feedDir)
    }

    /// An empty phone feed store in the feed's temporary directory, pinned to `pin` (the feed's
    /// project and trust list by default).
    func phone(_ name: String = "phone.db", platform: Platform = .ios, pin: ProjectPin? = nil) throws -> FeedStore {
        try FeedStore.open(path: dir.path(name), project: pin ?? self.pin, platform: platform, now: NOW)
    }

    /// A phone feed store that synced version 1.
    func syncedPhone(_ name: String = "phone.db", platform: Platform = .ios) async throws -> FeedStore {
        let phone = try phone(name, platform: platform)
        let report = try await sync(phone)
        guard case .updated(nil, 1, false, _) = report.outcome else {
            throw FixtureError(description: "the first sync should update to version 1, got \(report)")
        }
        return phone
    }

    @discardableResult
    func sync(_ phone: FeedStore, now: Int64 = NOW, progress: ProgressListener? = nil) async throws -> SyncReport {
        try await phone.sync(url: url, now: now, progress: progress)
    }

    func stop() { server.stop() }

    deinit { server.stop() }
}

private func loopback(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return address
}

private func tcpSocket() -> Int32 {
    #if canImport(Glibc)
    return socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    return socket(AF_INET, SOCK_STREAM, 0)
    #endif
}

/// A port the kernel just gave out for 127.0.0.1 (free unless someone takes it in between).
func freeLoopbackPort() throws -> UInt16 {
    let fd = tcpSocket()
    guard fd >= 0 else { throw FeedServerError(description: "socket() failed") }
    defer { close(fd) }
    var address = loopback(port: 0)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw FeedServerError(description: "no free loopback port") }
    return UInt16(bigEndian: address.sin_port)
}

private func canConnect(port: UInt16) -> Bool {
    let fd = tcpSocket()
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = loopback(port: port)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
#endif
