//! Where the holder's device key lives. The CLI and tests use files; the mobile shells
//! implement [`KeyStore`] over the Android Keystore and the iOS Keychain.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    #[error("key store unavailable: {0}")]
    Unavailable(String),
    #[error("stored key is corrupt")]
    Corrupt,
}

/// Keeps secrets by alias. Implementations must keep them on the device and away from backups
/// that leave it.
pub trait KeyStore: Send + Sync {
    fn load(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError>;
    fn save(&self, alias: &str, secret: &[u8]) -> Result<(), KeyStoreError>;
}

/// One file per alias in a directory, mode 0600, refused when others can read it.
pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileKeyStore {
        FileKeyStore { dir: dir.into() }
    }

    fn path(&self, alias: &str) -> Result<PathBuf, KeyStoreError> {
        let safe = !alias.is_empty()
            && alias
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            return Err(KeyStoreError::Unavailable(
                "alias must be [A-Za-z0-9_-]+".into(),
            ));
        }
        Ok(self.dir.join(format!("{alias}.key")))
    }
}

impl KeyStore for FileKeyStore {
    fn load(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        let path = self.path(alias)?;
        if !path.exists() {
            return Ok(None);
        }
        let text = crate::keys::read_private_file(&path)
            .map_err(|e| KeyStoreError::Unavailable(e.to_string()))?;
        hex::decode(String::from_utf8_lossy(&text).trim())
            .map(Some)
            .map_err(|_| KeyStoreError::Corrupt)
    }

    fn save(&self, alias: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        let path = self.path(alias)?;
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| KeyStoreError::Unavailable(e.to_string()))?;
        crate::keys::write_private_file(&path, format!("{}\n", hex::encode(secret)).as_bytes())
            .map_err(|e| KeyStoreError::Unavailable(e.to_string()))
    }
}

/// For tests and for verifiers that never hold a card.
#[derive(Default)]
pub struct MemoryKeyStore {
    secrets: Mutex<HashMap<String, Vec<u8>>>,
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        let map = self
            .secrets
            .lock()
            .map_err(|_| KeyStoreError::Unavailable("poisoned".into()))?;
        Ok(map.get(alias).cloned())
    }

    fn save(&self, alias: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        let mut map = self
            .secrets
            .lock()
            .map_err(|_| KeyStoreError::Unavailable("poisoned".into()))?;
        map.insert(alias.to_string(), secret.to_vec());
        Ok(())
    }
}
