#if canImport(Security)
import Foundation
import Security

/// `SecureItemStore` over the iOS Keychain: generic-password items of one service, readable
/// only while the device is unlocked and never leaving this device (no backup, no iCloud
/// Keychain, no migration to a new phone: a device-bound card must be issued again there).
public struct KeychainSecureItemStore: SecureItemStore {
    public let service: String

    public init(service: String = "de.ehrenamtskarte.wallet") {
        self.service = service
    }

    private func query(_ account: String) -> [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecUseDataProtectionKeychain as String: true,
        ]
    }

    public func read(account: String) throws -> Data? {
        var request = query(account)
        request[kSecReturnData as String] = true
        request[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(request as CFDictionary, &result)
        switch status {
        case errSecSuccess:
            guard let data = result as? Data else {
                throw SecureItemStoreError(operation: "read", status: errSecDecode)
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw SecureItemStoreError(operation: "read", status: status)
        }
    }

    public func write(account: String, data: Data) throws {
        var item = query(account)
        item[kSecValueData as String] = data
        item[kSecAttrAccessible as String] = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
        var status = SecItemAdd(item as CFDictionary, nil)
        if status == errSecDuplicateItem {
            let changes: [String: Any] = [
                kSecValueData as String: data,
                kSecAttrAccessible as String: kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            ]
            status = SecItemUpdate(query(account) as CFDictionary, changes as CFDictionary)
        }
        guard status == errSecSuccess else {
            throw SecureItemStoreError(operation: "write", status: status)
        }
    }

    public func delete(account: String) throws {
        let status = SecItemDelete(query(account) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw SecureItemStoreError(operation: "delete", status: status)
        }
    }
}
#endif
