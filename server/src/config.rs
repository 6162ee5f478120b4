//! The service's configuration: one TOML file (see `ehk-server.example.toml`). Unknown keys
//! are errors, so a misspelt option is never silently ignored.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on, e.g. `127.0.0.1:8443` behind a TLS-terminating proxy.
    pub listen: SocketAddr,
    /// The https origin people and phones reach the service at (links in letters).
    pub public_url: String,
    pub project_id: u32,
    /// Who sends the activation letters, printed at their top ("Landratsamt Musterstadt").
    pub issuer_name: String,
    /// Region names printed on the letters, by region id (`"9162" = "Landkreis …"`).
    #[serde(default)]
    pub region_names: std::collections::BTreeMap<String, String>,
    /// The DejaVu fonts for the letters (default: Debian's fonts-dejavu-core).
    #[serde(default)]
    pub font_dir: Option<PathBuf>,
    /// The regions this issuer may issue cards for (as its trust list entry says); none: all.
    #[serde(default)]
    pub regions: Option<Vec<u32>>,
    pub database: DatabaseConfig,
    pub signer: SignerConfig,
    /// The service's secret (32 bytes hex, 0600), shared by all instances of one service.
    pub secret_file: PathBuf,
    /// The project's current trust list, handed to phones with their card; the service signs
    /// only cards this list lets its key sign.
    #[serde(default)]
    pub trust_list: Option<PathBuf>,
    /// The project's root public key (hex, as `ehk key generate` writes `*.pub`): the trust
    /// list must verify with it. Required with `trust_list`.
    #[serde(default)]
    pub root_key: Option<PathBuf>,
    /// Where the latest signed revocation list is written for the feed publisher.
    #[serde(default)]
    pub revocation_list_out: Option<PathBuf>,
    #[serde(default)]
    pub activation: ActivationConfig,
    #[serde(default)]
    pub apps: AppsConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum DatabaseConfig {
    /// One file; the default.
    Sqlite { path: PathBuf },
    /// For several instances of the service: a PostgreSQL connection string.
    Postgres {
        url: String,
        #[serde(default = "default_pool")]
        pool_size: u32,
    },
}

fn default_pool() -> u32 {
    16
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
pub enum SignerConfig {
    /// The issuer key's secret file (0600, as `ehk key generate` writes it). A hardware
    /// module would be another kind here: see `ehk_core::cose::CoseSigner`.
    File { path: PathBuf },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActivationConfig {
    /// Days a letter's code stays valid.
    pub code_validity_days: u32,
    /// Wrong tries before a code locks (the issuer then sends a new letter).
    pub max_attempts: u32,
    /// Activation requests per minute from one client address.
    pub per_client_per_minute: u32,
    /// Activation requests per minute in all.
    pub overall_per_minute: u32,
    /// Days a signed revocation list stays valid (it is signed afresh daily).
    pub revocation_validity_days: u32,
    /// Addresses of the reverse proxies in front of the service: from these (only), the
    /// client's address is read from `X-Forwarded-For`, so the per-client limit counts
    /// clients, not the proxy.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ActivationConfig {
    fn default() -> Self {
        ActivationConfig {
            code_validity_days: 90,
            max_attempts: 5,
            per_client_per_minute: 30,
            overall_per_minute: 6000,
            revocation_validity_days: 7,
            trusted_proxies: Vec::new(),
        }
    }
}

/// What the phones' operating systems fetch to open activation links in the app.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppsConfig {
    /// Android package name, for `/.well-known/assetlinks.json`.
    pub android_package: Option<String>,
    /// SHA-256 fingerprints of the Android app's signing certificate (`AA:BB:…`).
    pub android_cert_sha256: Vec<String>,
    /// `TEAMID.bundle.id`, for `/.well-known/apple-app-site-association`.
    pub apple_app_ids: Vec<String>,
}

impl Config {
    pub fn read(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve(base);
        config.check()?;
        Ok(config)
    }

    /// Relative paths are relative to the configuration file.
    fn resolve(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        if let DatabaseConfig::Sqlite { path } = &mut self.database {
            fix(path);
        }
        let SignerConfig::File { path } = &mut self.signer;
        fix(path);
        fix(&mut self.secret_file);
        if let Some(p) = &mut self.trust_list {
            fix(p);
        }
        if let Some(p) = &mut self.root_key {
            fix(p);
        }
        if let Some(p) = &mut self.revocation_list_out {
            fix(p);
        }
    }

    fn check(&self) -> Result<(), String> {
        let (origin, path) = ehk_core::activation::code::split_origin(&self.public_url)
            .map_err(|e| format!("public_url: {e}"))?;
        if !path.trim_matches('/').is_empty() || origin != self.public_url.trim_end_matches('/') {
            return Err(
                "public_url: an https origin without a path, like https://karte.example.org".into(),
            );
        }
        for id in self.region_names.keys() {
            id.parse::<u32>()
                .map_err(|_| format!("region_names: {id:?} is not a region id"))?;
        }
        let a = &self.activation;
        if a.max_attempts == 0 || a.per_client_per_minute == 0 || a.overall_per_minute == 0 {
            return Err("activation: limits must be at least 1".into());
        }
        if a.code_validity_days == 0 || a.revocation_validity_days == 0 {
            return Err("activation: validity must be at least one day".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../ehk-server.example.toml");

    #[test]
    fn the_documented_example_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ehk-server.toml");
        std::fs::write(&path, EXAMPLE).unwrap();
        let config = Config::read(&path).unwrap();
        assert_eq!(config.activation.max_attempts, 5);
        assert!(
            matches!(config.database, DatabaseConfig::Sqlite { ref path } if path.starts_with(dir.path()))
        );
    }

    #[test]
    fn a_misspelt_or_unknown_option_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, EXAMPLE.replace("max_attempts", "max_atempts")).unwrap();
        let e = Config::read(&path).unwrap_err();
        assert!(e.contains("max_atempts"), "{e}");
        std::fs::write(
            &path,
            EXAMPLE.replace("https://karte.example.org", "http://karte.example.org"),
        )
        .unwrap();
        assert!(Config::read(&path).unwrap_err().contains("public_url"));
    }

    #[test]
    fn a_trust_list_needs_the_root_key_it_is_checked_with() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, EXAMPLE.replace("root_key = \"root.pub\"", "")).unwrap();
        let config = Config::read(&path).unwrap();
        let e = crate::settings(&config).err().unwrap();
        assert!(e.contains("root_key"), "{e}");
        // Named but missing: the file is named in the error.
        std::fs::write(&path, EXAMPLE).unwrap();
        let e = crate::settings(&Config::read(&path).unwrap())
            .err()
            .unwrap();
        assert!(e.contains("root.pub"), "{e}");
    }
}
