//! Ed25519 keys: generation, key ids, and key files that refuse to be world-readable.

use crate::error::{Error, Result};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

pub use ed25519_dalek::VerifyingKey as PublicKey;

pub const KEY_ID_LEN: usize = 4;

/// The first four bytes of SHA-256 over the public key. A trust list refuses two issuers whose
/// ids collide, so four bytes are enough to find the key and keep cards short.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl KeyId {
    pub fn of(public: &VerifyingKey) -> KeyId {
        let digest = Sha256::digest(public.as_bytes());
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        KeyId(id)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<KeyId> {
        Some(KeyId(bytes.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A signing key together with its key id: the root key and issuer keys.
pub struct IssuerKey {
    signing: SigningKey,
    key_id: KeyId,
}

impl IssuerKey {
    pub fn generate() -> Result<IssuerKey> {
        Ok(IssuerKey::from_signing_key(generate_signing_key()?))
    }

    pub fn from_signing_key(signing: SigningKey) -> IssuerKey {
        let key_id = KeyId::of(&signing.verifying_key());
        IssuerKey { signing, key_id }
    }

    pub fn from_seed(seed: &[u8]) -> Result<IssuerKey> {
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| Error::InvalidKey(format!("expected 32 bytes, got {}", seed.len())))?;
        Ok(IssuerKey::from_signing_key(SigningKey::from_bytes(&seed)))
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    pub fn seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// Writes the secret key as hex, readable and writable by the owner only.
    pub fn write_secret_file(&self, path: &Path) -> Result<()> {
        write_private_file(path, format!("{}\n", hex::encode(self.seed())).as_bytes())
    }

    /// Reads a secret key file, refusing one that group or others can read.
    pub fn read_secret_file(path: &Path) -> Result<IssuerKey> {
        let text = read_private_file(path)?;
        let seed = hex::decode(String::from_utf8_lossy(&text).trim())
            .map_err(|_| Error::InvalidKey(format!("{} is not a hex key file", path.display())))?;
        IssuerKey::from_seed(&seed)
    }

    /// Writes the public key as hex (mode 0644), as a new file that follows no link.
    pub fn write_public_file(&self, path: &Path) -> Result<()> {
        write_new_file(
            path,
            format!("{}\n", hex::encode(self.public_key().as_bytes())).as_bytes(),
            0o644,
        )
    }
}

pub fn generate_signing_key() -> Result<SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| Error::InvalidKey(format!("no system randomness: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn public_key_from_bytes(bytes: &[u8]) -> Result<VerifyingKey> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::InvalidKey(format!("expected 32 bytes, got {}", bytes.len())))?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::InvalidKey("not a valid Ed25519 point".into()))
}

pub fn public_key_from_hex(text: &str) -> Result<VerifyingKey> {
    let bytes = hex::decode(text.trim()).map_err(|_| Error::InvalidKey("not hex".into()))?;
    public_key_from_bytes(&bytes)
}

pub fn read_public_file(path: &Path) -> Result<VerifyingKey> {
    let text = std::fs::read_to_string(path)?;
    public_key_from_hex(&text).map_err(|e| Error::InvalidKey(format!("{}: {e}", path.display())))
}

/// Creates a new file with mode 0600 from the start, so the secret is never briefly readable by
/// others. It never replaces a file and never follows a symbolic link, not even a dangling one
/// (`O_CREAT | O_EXCL`): a link planted where the key goes cannot send the secret elsewhere.
pub fn write_private_file(path: &Path, contents: &[u8]) -> Result<()> {
    write_new_file(path, contents, 0o600)
}

/// Creates a new file with `mode`, refusing an existing file or link at `path`.
pub fn write_new_file(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

pub fn read_private_file(path: &Path) -> Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::KeyFilePermissions {
                path: path.display().to_string(),
                mode,
            });
        }
    }
    Ok(std::fs::read(path)?)
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn key_files_never_follow_a_link_or_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = IssuerKey::generate().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        let link = dir.path().join("issuer.key");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        // A dangling link where the secret goes: refused, and nothing is written at its target.
        assert!(key.write_secret_file(&link).is_err());
        assert!(!elsewhere.exists());
        let public_link = dir.path().join("issuer.key.pub");
        std::os::unix::fs::symlink(&elsewhere, &public_link).unwrap();
        assert!(key.write_public_file(&public_link).is_err());
        assert!(!elsewhere.exists());
        // An existing file is not replaced either.
        let plain = dir.path().join("plain.key");
        key.write_secret_file(&plain).unwrap();
        assert!(IssuerKey::generate()
            .unwrap()
            .write_secret_file(&plain)
            .is_err());
        assert_eq!(
            IssuerKey::read_secret_file(&plain).unwrap().key_id(),
            key.key_id()
        );
    }

    use super::*;

    #[test]
    fn key_file_round_trip_and_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("issuer.key");
        let key = IssuerKey::generate().unwrap();
        key.write_secret_file(&path).unwrap();
        let again = IssuerKey::read_secret_file(&path).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        assert_eq!(again.key_id(), key.key_id());

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = IssuerKey::read_secret_file(&path).err().unwrap();
            assert!(
                matches!(err, Error::KeyFilePermissions { mode: 0o644, .. }),
                "{err}"
            );
        }
    }

    #[test]
    fn public_key_parsing_rejects_garbage() {
        assert!(public_key_from_hex("zz").is_err());
        assert!(public_key_from_hex("00").is_err());
        assert!(public_key_from_bytes(&[0u8; 31]).is_err());
        let key = IssuerKey::generate().unwrap();
        let hex = hex::encode(key.public_key().as_bytes());
        assert_eq!(public_key_from_hex(&hex).unwrap(), key.public_key());
    }
}
