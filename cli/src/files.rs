//! File and time helpers shared by the commands.

use std::path::Path;

pub type CliResult<T = std::process::ExitCode> = Result<T, Box<dyn std::error::Error>>;

pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| format!("'{text}' is neither Unix seconds nor an RFC 3339 time"))
}

pub use ehk_core::atomic_file::write_atomic;

pub fn read(path: &Path) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}
