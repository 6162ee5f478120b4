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

/// The project a phone-side command (`sync`, `news at`) acts for, as an app pins it.
#[derive(clap::Args)]
pub struct PinArgs {
    /// The project's root public key.
    #[arg(long)]
    root: std::path::PathBuf,
    /// The project id the phone is pinned to.
    #[arg(long)]
    project: u32,
    /// The project's root-signed trust list the phone ships with (`ehk trust`, or the
    /// `trust-list-N.cose` file of the feed): the floor no sync goes below.
    #[arg(long)]
    trust_list: std::path::PathBuf,
}

impl PinArgs {
    pub fn pin(&self) -> CliResult<ehk_core::ProjectPin> {
        let root = ehk_core::keys::read_public_file(&self.root)?;
        Ok(ehk_core::ProjectPin::new(
            root,
            self.project,
            read(&self.trust_list)?,
        )?)
    }
}

pub fn read(path: &Path) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}
