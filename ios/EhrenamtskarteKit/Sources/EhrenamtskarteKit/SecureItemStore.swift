import EhkCore
import Foundation

/// A small store of secret blobs by account name: the Keychain on Apple platforms
/// (`KeychainSecureItemStore`), memory in tests and on Linux (`InMemorySecureItemStore`).
public protocol SecureItemStore: Sendable {
    /// The item stored under `account`, or nil if there is none.
    func read(account: String) throws -> Data?
    /// Stores `data` under `account`, replacing an existing item.
    func write(account: String, data: Data) throws
    /// Deletes the item under `account`; deleting a missing item is not an error.
    func delete(account: String) throws
}

/// Why a secure item store failed. Carries a status code only, never the secret or an account
/// name, because the text travels into the core's error messages and logs.
public struct SecureItemStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let status: Int32

    public init(operation: String, status: Int32) {
        self.operation = operation
        self.status = status
    }

    public var description: String { "secure item \(operation) failed with status \(status)" }
}

/// Keeps items in memory: for tests, previews and Linux. Not persistent, not protected.
public final class InMemorySecureItemStore: SecureItemStore, @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String: Data]
    /// When set, every operation fails with this error (to test a locked device).
    private var failure: SecureItemStoreError?

    public init(items: [String: Data] = [:]) {
        self.items = items
    }

    public var count: Int { withLock { items.count } }

    /// Makes every later operation fail (nil: work again).
    public func failAll(with error: SecureItemStoreError?) { withLock { failure = error } }

    public func read(account: String) throws -> Data? {
        try withLock {
            if let failure { throw failure }
            return items[account]
        }
    }

    public func write(account: String, data: Data) throws {
        try withLock {
            if let failure { throw failure }
            items[account] = data
        }
    }

    public func delete(account: String) throws {
        try withLock {
            if let failure { throw failure }
            items[account] = nil
        }
    }

    private func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// The core's `KeyStore` (where the wallet keeps the device key) over a `SecureItemStore`.
/// Every failure reaches the core as `KeyStoreError.Unavailable`, which the wallet reports as
/// `WalletError.KeyStore`.
public final class SecureKeyStore: KeyStore {
    private let items: any SecureItemStore

    public init(items: any SecureItemStore) {
        self.items = items
    }

    public func load(alias: String) throws -> Data? {
        do {
            return try items.read(account: alias)
        } catch {
            throw KeyStoreError.Unavailable(detail: Self.detail(error))
        }
    }

    public func save(alias: String, secret: Data) throws {
        do {
            try items.write(account: alias, data: secret)
        } catch {
            throw KeyStoreError.Unavailable(detail: Self.detail(error))
        }
    }

    private static func detail(_ error: Error) -> String {
        if let error = error as? SecureItemStoreError { return error.description }
        return "secure item store failed"
    }
}
