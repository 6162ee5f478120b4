#if canImport(os)
import EhkCore
import os

/// Sends the core's log records (which never contain personal data) to the unified log.
/// Install once at app start: `OSLogLogger.install()`.
public final class OSLogLogger: EhkCore.Logger {
    private let osLog: os.Logger

    public init(subsystem: String = "de.ehrenamtskarte.core") {
        osLog = os.Logger(subsystem: subsystem, category: "core")
    }

    public func log(level: LogLevel, target: String, message: String) {
        switch level {
        case .error: osLog.error("\(target, privacy: .public): \(message, privacy: .public)")
        case .warn: osLog.warning("\(target, privacy: .public): \(message, privacy: .public)")
        case .info: osLog.info("\(target, privacy: .public): \(message, privacy: .public)")
        case .debug, .trace: osLog.debug("\(target, privacy: .public): \(message, privacy: .public)")
        }
    }

    public static func install(maxLevel: LogLevel = .info) {
        setLogger(logger: OSLogLogger(), maxLevel: maxLevel)
    }
}
#endif
