//! Device-bound presentations: the credential, a 30-second time step, and the holder device's
//! signature over a domain-separation tag, the credential's SHA-256 and the time step.
//!
//! Binary layout: `credential ‖ step (u32, big-endian) ‖ signature (64 bytes)`. The credential
//! is a complete tagged COSE_Sign1, so its length is simply the rest.

use crate::error::{Error, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

pub const PRESENTATION_STEP_SECS: i64 = 30;
pub const DEVICE_SIGNATURE_TAG: &[u8; 20] = b"EHK-PRESENTATION-V1\0";
const SUFFIX_LEN: usize = 4 + 64;

pub struct Presentation<'a> {
    pub credential: &'a [u8],
    pub step: u32,
    pub signature: Signature,
}

pub fn time_step(now: i64) -> Result<u32> {
    u32::try_from(now.div_euclid(PRESENTATION_STEP_SECS)).map_err(|_| Error::TimeOutOfRange(now))
}

fn signed_message(credential: &[u8], step: u32) -> [u8; 56] {
    let mut message = [0u8; 56];
    message[..20].copy_from_slice(DEVICE_SIGNATURE_TAG);
    message[20..52].copy_from_slice(&Sha256::digest(credential));
    message[52..].copy_from_slice(&step.to_be_bytes());
    message
}

/// Builds the presentation the holder's phone shows at time `now`.
pub fn create(credential: &[u8], device_key: &SigningKey, now: i64) -> Result<Vec<u8>> {
    let step = time_step(now)?;
    let signature = device_key.sign(&signed_message(credential, step));
    let mut out = Vec::with_capacity(credential.len() + SUFFIX_LEN);
    out.extend_from_slice(credential);
    out.extend_from_slice(&step.to_be_bytes());
    out.extend_from_slice(&signature.to_bytes());
    Ok(out)
}

impl<'a> Presentation<'a> {
    pub fn parse(bytes: &'a [u8]) -> Option<Presentation<'a>> {
        let split = bytes.len().checked_sub(SUFFIX_LEN)?;
        if split == 0 {
            return None;
        }
        let (credential, suffix) = bytes.split_at(split);
        let step = u32::from_be_bytes(suffix[..4].try_into().ok()?);
        let signature = Signature::from_slice(&suffix[4..]).ok()?;
        Some(Presentation {
            credential,
            step,
            signature,
        })
    }

    /// What the device signature covers: the tag, the credential's hash and the time step.
    pub fn signed_message(&self) -> [u8; 56] {
        signed_message(self.credential, self.step)
    }

    pub fn verify_device_signature(&self, device_key: &VerifyingKey) -> bool {
        device_key
            .verify_strict(&signed_message(self.credential, self.step), &self.signature)
            .is_ok()
    }

    /// Seconds from the start of the presentation's time step to `now` (negative when the
    /// holder's clock runs ahead of the verifier's).
    pub fn age(&self, now: i64) -> i64 {
        now - i64::from(self.step) * PRESENTATION_STEP_SECS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let cred = b"credential bytes";
        let p = create(cred, &key, 1_800_000_015).unwrap();
        assert_eq!(p.len(), cred.len() + 68);
        let parsed = Presentation::parse(&p).unwrap();
        assert_eq!(parsed.credential, cred);
        assert_eq!(parsed.step, 60_000_000);
        assert_eq!(parsed.age(1_800_000_015), 15);
        assert!(parsed.verify_device_signature(&key.verifying_key()));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!parsed.verify_device_signature(&other.verifying_key()));
        // A different step under the same signature does not verify.
        let mut moved = p.clone();
        let at = cred.len() + 3;
        moved[at] ^= 1;
        assert!(!Presentation::parse(&moved)
            .unwrap()
            .verify_device_signature(&key.verifying_key()));
    }

    #[test]
    fn short_inputs() {
        assert!(Presentation::parse(&[0; 68]).is_none());
        assert!(Presentation::parse(&[]).is_none());
        assert!(time_step(-1).is_err());
    }
}
