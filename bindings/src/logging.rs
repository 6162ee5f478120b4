//! Routes the core's log records (which never contain personal data) to the shell's logger.

use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// Implemented by the shell: Logcat on Android, os_log on iOS, `logging` in Python.
#[uniffi::export(with_foreign)]
pub trait Logger: Send + Sync {
    fn log(&self, level: LogLevel, target: String, message: String);
}

static LOGGER: RwLock<Option<Arc<dyn Logger>>> = RwLock::new(None);

struct Forward;

impl log::Log for Forward {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let guard = LOGGER.read().unwrap_or_else(|p| p.into_inner());
        if let Some(logger) = guard.as_ref() {
            let level = match record.level() {
                log::Level::Error => LogLevel::Error,
                log::Level::Warn => LogLevel::Warn,
                log::Level::Info => LogLevel::Info,
                log::Level::Debug => LogLevel::Debug,
                log::Level::Trace => LogLevel::Trace,
            };
            logger.log(
                level,
                record.target().to_string(),
                record.args().to_string(),
            );
        }
    }

    fn flush(&self) {}
}

static FORWARD: Forward = Forward;

/// Sends the core's log records at `max_level` and above to `logger`, replacing any earlier one.
#[uniffi::export]
pub fn set_logger(logger: Arc<dyn Logger>, max_level: LogLevel) {
    *LOGGER.write().unwrap_or_else(|p| p.into_inner()) = Some(logger);
    // Installing fails only when some other logger was installed first; then ours stays off.
    let _ = log::set_logger(&FORWARD);
    log::set_max_level(match max_level {
        LogLevel::Error => log::LevelFilter::Error,
        LogLevel::Warn => log::LevelFilter::Warn,
        LogLevel::Info => log::LevelFilter::Info,
        LogLevel::Debug => log::LevelFilter::Debug,
        LogLevel::Trace => log::LevelFilter::Trace,
    });
}
