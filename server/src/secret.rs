//! The service's own secret (32 random bytes in a 0600 file, shared by every instance of one
//! service), and what is derived from it: the pepper of the stored code hashes, the key that
//! makes challenges checkable without storing them, and the hashes of admin tokens.

use ehk_core::activation::ActivationCode;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const CHALLENGE_RANDOM: usize = 16;
const CHALLENGE_TAG: usize = 16;
/// Random bytes, issue time (8 bytes), tag.
pub const CHALLENGE_LEN: usize = CHALLENGE_RANDOM + 8 + CHALLENGE_TAG;

#[derive(Clone)]
pub struct ServiceSecret {
    master: [u8; 32],
}

impl std::fmt::Debug for ServiceSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServiceSecret(…)")
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system provides randomness");
    bytes
}

impl ServiceSecret {
    pub fn generate() -> ServiceSecret {
        ServiceSecret { master: random() }
    }

    /// Creates the secret file (0600, never overwriting one).
    pub fn create_file(path: &Path) -> Result<ServiceSecret, String> {
        let secret = ServiceSecret::generate();
        ehk_core::keys::write_private_file(
            path,
            format!("{}\n", hex::encode(secret.master)).as_bytes(),
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(secret)
    }

    /// Reads the secret file, refusing one that others can read.
    pub fn read_file(path: &Path) -> Result<ServiceSecret, String> {
        let text = ehk_core::keys::read_private_file(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let master = hex::decode(String::from_utf8_lossy(&text).trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| format!("{}: not 32 bytes in hex", path.display()))?;
        Ok(ServiceSecret { master })
    }

    fn mac(&self, label: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.master).expect("any key length");
        mac.update(label);
        mac
    }

    /// The stored hash of a code: keyed with the secret, so a copy of the database alone does
    /// not allow guessing codes offline.
    pub fn code_hash(&self, code: &ActivationCode) -> [u8; 32] {
        let mut mac = self.mac(b"EHK-CODE-V1\0");
        mac.update(code.lookup().as_bytes());
        mac.update(b"\0");
        mac.update(code.secret().as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Compares in constant time.
    pub fn code_matches(&self, code: &ActivationCode, stored: &[u8; 32]) -> bool {
        self.code_hash(code).ct_eq(stored).into()
    }

    pub fn token_hash(&self, token: &str) -> [u8; 32] {
        let mut mac = self.mac(b"EHK-TOKEN-V1\0");
        mac.update(token.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A new admin token (shown once) and its hash (stored).
    pub fn new_token(&self) -> (String, [u8; 32]) {
        let token = format!("ehk_{}", hex::encode(random::<32>()));
        let hash = self.token_hash(&token);
        (token, hash)
    }

    fn challenge_tag(&self, body: &[u8]) -> [u8; CHALLENGE_TAG] {
        let mut mac = self.mac(b"EHK-CHALLENGE-V1\0");
        mac.update(body);
        let full: [u8; 32] = mac.finalize().into_bytes().into();
        full[..CHALLENGE_TAG].try_into().expect("16 of 32")
    }

    /// A challenge made at `now`: random, the time, and a tag only this service can make.
    pub fn challenge(&self, now: i64) -> Vec<u8> {
        let mut body = random::<CHALLENGE_RANDOM>().to_vec();
        body.extend_from_slice(&now.to_be_bytes());
        let tag = self.challenge_tag(&body);
        body.extend_from_slice(&tag);
        body
    }

    /// The challenge is this service's and at most `max_age` seconds old (and not from the
    /// future).
    pub fn challenge_valid(&self, challenge: &[u8], now: i64, max_age: i64) -> bool {
        if challenge.len() != CHALLENGE_LEN {
            return false;
        }
        let (body, tag) = challenge.split_at(CHALLENGE_RANDOM + 8);
        if !bool::from(self.challenge_tag(body).ct_eq(tag)) {
            return false;
        }
        let made = i64::from_be_bytes(body[CHALLENGE_RANDOM..].try_into().expect("8 bytes"));
        made <= now + 5 && now - made <= max_age
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_holds_for_its_time_and_only_for_its_service() {
        let secret = ServiceSecret::generate();
        let c = secret.challenge(1000);
        assert!(secret.challenge_valid(&c, 1000, 300));
        assert!(secret.challenge_valid(&c, 1300, 300));
        assert!(!secret.challenge_valid(&c, 1301, 300), "too old");
        assert!(!secret.challenge_valid(&c, 900, 300), "from the future");
        assert!(
            !ServiceSecret::generate().challenge_valid(&c, 1000, 300),
            "another service's"
        );
        let mut later = c.clone();
        later[CHALLENGE_RANDOM + 7] ^= 1;
        assert!(!secret.challenge_valid(&later, 1000, 300), "time edited");
        assert!(!secret.challenge_valid(&c[..20], 1000, 300));
    }

    #[test]
    fn a_code_hash_depends_on_the_secret_and_the_whole_code() {
        let secret = ServiceSecret::generate();
        let code = ActivationCode::generate();
        let hash = secret.code_hash(&code);
        assert!(secret.code_matches(&code, &hash));
        assert!(!secret.code_matches(&ActivationCode::generate(), &hash));
        assert_ne!(ServiceSecret::generate().code_hash(&code), hash);
    }

    #[test]
    fn the_secret_file_is_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let made = ServiceSecret::create_file(&path).unwrap();
        let read = ServiceSecret::read_file(&path).unwrap();
        assert_eq!(made.master, read.master);
        assert!(
            ServiceSecret::create_file(&path).is_err(),
            "never overwritten"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(
                ServiceSecret::read_file(&path).is_err(),
                "others could read it"
            );
        }
    }
}
