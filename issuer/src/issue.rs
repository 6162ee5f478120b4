//! Issuing a card: the issuer signs the claims into a COSE_Sign1 credential.

use ehk_core::card::claims::{check_name, CardClaims, CardId, CardType, CARD_ID_LEN};
use ehk_core::cose;
use ehk_core::day::Day;
use ehk_core::error::{Error, Result};
use ehk_core::keys::{public_key_from_bytes, IssuerKey};

/// What an issuer fills in; the card id and issue time are added by [`issue_card`].
#[derive(Clone, Debug)]
pub struct CardRequest {
    pub holder_name: String,
    pub birthday: Option<Day>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: Day,
    pub valid_until: Option<Day>,
    pub device_key: Option<[u8; 32]>,
}

/// Signs a new card and returns the credential bytes together with its claims.
pub fn issue_card(
    key: &IssuerKey,
    request: &CardRequest,
    now: i64,
) -> Result<(Vec<u8>, CardClaims)> {
    let mut card_id: CardId = [0; CARD_ID_LEN];
    check_request(request, now)?;
    getrandom::getrandom(&mut card_id)
        .map_err(|e| Error::InvalidRequest(format!("no system randomness: {e}")))?;
    let claims = claims_for(request, now, card_id)?;
    Ok((cose::sign(key, claims.encode()), claims))
}

/// Every check [`issue_card`] makes before it signs, without signing: what a dry run uses.
pub fn check_request(request: &CardRequest, now: i64) -> Result<()> {
    claims_for(request, now, [0; CARD_ID_LEN]).map(|_| ())
}

fn claims_for(request: &CardRequest, now: i64, card_id: CardId) -> Result<CardClaims> {
    let holder_name = request.holder_name.trim().to_string();
    check_name(&holder_name).map_err(Error::InvalidRequest)?;
    if let Some(device_key) = &request.device_key {
        public_key_from_bytes(device_key).map_err(|_| {
            Error::InvalidRequest("device key is not a valid Ed25519 public key".into())
        })?;
    }
    if now < 0 {
        return Err(Error::TimeOutOfRange(now));
    }
    let claims = CardClaims {
        card_id,
        holder_name,
        birthday: request.birthday,
        card_type: request.card_type,
        project_id: request.project_id,
        region_id: request.region_id,
        valid_from: request.valid_from,
        valid_until: match request.card_type {
            CardType::Gold => None,
            CardType::Standard => request.valid_until,
        },
        issued_at: now,
        device_key: request.device_key,
    };
    claims
        .check_validity_period()
        .map_err(Error::InvalidRequest)?;
    Ok(claims)
}
