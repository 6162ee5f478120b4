//! The messages between a phone and the issuer's service, as JSON over HTTPS. Both sides use
//! these types and [`proof_message`], so they cannot drift apart.
//!
//! 1. `GET /api/v1/activation/challenge` → [`Challenge`]: a fresh challenge the service can
//!    check later without storing it, and the service's clock.
//! 2. `POST /api/v1/activation` with an [`ActivationRequest`]: the code, the device's public
//!    key, and the device key's signature over [`proof_message`] (challenge, code, key), so
//!    only the holder of the device key can bind the card to it.
//! 3. → [`ActivationResponse`] (the device-bound credential, the trust list and the revocation
//!    lists the service holds) or an [`ErrorBody`] with an [`ErrorCode`].

use super::code::ActivationCode;
use serde::{Deserialize, Serialize};

pub const CHALLENGE_PATH: &str = "/api/v1/activation/challenge";
pub const ACTIVATE_PATH: &str = "/api/v1/activation";
/// How far the phone's clock may be from the service's for an activation: a device-bound
/// code carries the phone's time and shops refuse one more than two minutes off, so a phone
/// further off than this is told to fix its clock before the code is spent.
pub const MAX_CLOCK_DIFFERENCE_SECS: i64 = 120;
/// Domain separation of the device key's signature.
const PROOF_CONTEXT: &[u8] = b"EHK-ACTIVATE-V1\0";

/// What the device key signs: the challenge, the code and the key itself.
pub fn proof_message(challenge: &[u8], code: &ActivationCode, device_key: &[u8; 32]) -> Vec<u8> {
    let code = code.compact();
    let mut m = Vec::with_capacity(PROOF_CONTEXT.len() + 2 + challenge.len() + code.len() + 32);
    m.extend_from_slice(PROOF_CONTEXT);
    m.extend_from_slice(&(challenge.len() as u16).to_be_bytes());
    m.extend_from_slice(challenge);
    m.extend_from_slice(code.as_bytes());
    m.extend_from_slice(device_key);
    m
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Hex; opaque to the phone.
    pub challenge: String,
    /// The service's clock, seconds since 1970.
    pub server_time: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationRequest {
    /// The code as [`ActivationCode::compact`].
    pub code: String,
    /// Hex of the 32-byte Ed25519 public key.
    pub device_public_key: String,
    /// The challenge as received.
    pub challenge: String,
    /// Hex of the device key's signature over [`proof_message`].
    pub signature: String,
    /// The phone's clock, seconds since 1970.
    pub device_time: i64,
    /// The holder confirmed moving the card from the phone it is on to this one.
    #[serde(default)]
    pub confirm_move: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivationResponse {
    /// Hex of the device-bound credential (COSE_Sign1).
    pub credential: String,
    /// Hex of the project's current trust list, if the service holds one.
    #[serde(default)]
    pub trust_list: Option<String>,
    /// Hex of each revocation list the service holds.
    #[serde(default)]
    pub revocation_lists: Vec<String>,
    /// The card was on another phone and now is on this one (the old credential is revoked).
    #[serde(default)]
    pub moved: bool,
    pub server_time: i64,
}

/// Why the service refused, as the phone needs to tell the holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Unknown, expired, replaced by a new letter, or locked after too many wrong tries: the
    /// service does not say which, so the code space cannot be probed.
    InvalidCode,
    /// The card is active on another phone; a retry with `confirm_move` moves it here.
    UsedOnOtherPhone,
    /// The phone's clock is further than [`MAX_CLOCK_DIFFERENCE_SECS`] from the service's.
    ClockWrong,
    /// Too many requests from this client or overall; `retry_after_secs` says when to retry.
    RateLimited,
    /// The card was revoked or has expired: no activation.
    CardNotActive,
    /// The challenge is too old or not the service's: fetch a new one.
    ChallengeExpired,
    /// The device key's signature does not hold.
    BadProof,
    /// The request is not what the protocol allows.
    BadRequest,
    /// The service cannot answer now.
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// For people, German first, then English.
    pub message: String,
    pub server_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}
