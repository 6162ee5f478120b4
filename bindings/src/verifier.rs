//! The partner shop's verifier as a UniFFI object.

use crate::convert::{day_text, CardType, Flag, InvalidReason, PresentationKind, UpdateOutcome};
use crate::errors::TrustError;
use ehk_core::keys::public_key_from_bytes;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ValidCard {
    pub card_id: String,
    pub holder_name: String,
    /// `YYYY-MM-DD`, when the card states a birthday.
    pub birthday: Option<String>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: String,
    /// `None` for gold cards, which never expire.
    pub valid_until: Option<String>,
    pub issued_at: i64,
    pub issuer_name: String,
    pub kind: PresentationKind,
    pub presentation_age_secs: Option<i64>,
    pub trust_list_version: u64,
    pub trust_list_age_secs: i64,
    pub flags: Vec<Flag>,
    pub first_seen_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Verification {
    Valid { card: ValidCard },
    Invalid { reason: InvalidReason },
}

impl From<ehk_core::Verification> for Verification {
    fn from(v: ehk_core::Verification) -> Self {
        match v {
            ehk_core::Verification::Invalid(r) => Verification::Invalid { reason: r.into() },
            ehk_core::Verification::Valid(c) => Verification::Valid {
                card: ValidCard {
                    card_id: c.card_id,
                    holder_name: c.holder_name,
                    birthday: c.birthday.map(day_text),
                    card_type: c.card_type.into(),
                    project_id: c.project_id,
                    region_id: c.region_id,
                    valid_from: day_text(c.valid_from),
                    valid_until: c.valid_until.map(day_text),
                    issued_at: c.issued_at,
                    issuer_name: c.issuer_name,
                    kind: c.kind.into(),
                    presentation_age_secs: c.presentation_age_secs,
                    trust_list_version: c.trust_list_version,
                    trust_list_age_secs: c.trust_list_age_secs,
                    flags: c.flags.into_iter().map(Flag::from).collect(),
                    first_seen_at: c.first_seen_at,
                },
            },
        }
    }
}

/// Verifies scanned codes offline against the trust list and revocation lists it holds.
#[derive(uniffi::Object)]
pub struct Verifier {
    inner: RwLock<ehk_core::Verifier>,
}

impl Verifier {
    pub(crate) fn wrap(inner: ehk_core::Verifier) -> Arc<Verifier> {
        Arc::new(Verifier {
            inner: RwLock::new(inner),
        })
    }
}

#[uniffi::export]
impl Verifier {
    /// A verifier trusting the given root public key (32 bytes), with no lists loaded yet.
    #[uniffi::constructor]
    pub fn new(root_public_key: Vec<u8>) -> Result<Arc<Self>, TrustError> {
        let root =
            public_key_from_bytes(&root_public_key).map_err(|_| TrustError::InvalidArgument {
                detail: "the root public key must be 32 bytes of a valid Ed25519 key".into(),
            })?;
        Ok(Arc::new(Verifier {
            inner: RwLock::new(ehk_core::Verifier::new(root)),
        }))
    }

    /// Loads a root-signed trust list; an older version is refused.
    pub fn load_trust_list(&self, signed_list: Vec<u8>) -> Result<UpdateOutcome, TrustError> {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        Ok(inner.load_trust_list(&signed_list)?.into())
    }

    /// Loads an issuer-signed revocation list; needs a trust list first.
    pub fn load_revocation_list(&self, signed_list: Vec<u8>) -> Result<UpdateOutcome, TrustError> {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        Ok(inner.load_revocation_list(&signed_list)?.into())
    }

    pub fn trust_list_version(&self) -> Option<u64> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.trust_list().map(|t| t.version)
    }

    /// Checks the exact text a scanner read, at Unix time `now`.
    pub fn verify(&self, qr_text: String, now: i64) -> Verification {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.verify(&qr_text, now).into()
    }
}
