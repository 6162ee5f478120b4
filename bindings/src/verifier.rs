//! The partner shop's verifier as a UniFFI object.

use crate::errors::TrustError;
use ehk_core::keys::public_key_from_bytes;
use ehk_core::{
    CardType, Day, Flag, InvalidReason, KeyId, PresentationKind, UpdateOutcome, ValidCard,
};
use std::sync::{Arc, RwLock};

/// A card that verified, with what the shop compares against a photo ID.
#[uniffi::remote(Record)]
pub struct ValidCard {
    pub card_id: String,
    pub holder_name: String,
    pub birthday: Option<Day>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: Day,
    /// `None` for gold cards, which never expire.
    pub valid_until: Option<Day>,
    pub issued_at: i64,
    pub issuer_name: String,
    pub issuer_key_id: KeyId,
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
            ehk_core::Verification::Invalid(reason) => Verification::Invalid { reason },
            ehk_core::Verification::Valid(card) => Verification::Valid { card },
        }
    }
}

/// Verifies scanned codes offline against the trust list and revocation lists it holds. The
/// wallet takes a card only after a verifier accepted it (`Wallet::add_card`).
#[derive(uniffi::Object)]
pub struct Verifier {
    /// Shared with the feed store when it comes from `FeedStore::verifier`: its lists then come
    /// with the sync only.
    inner: RwLock<Arc<ehk_core::Verifier>>,
}

impl Verifier {
    /// The feed store's verifier, shared (and so its memory of codes already seen).
    pub(crate) fn of_feed(inner: Arc<ehk_core::Verifier>) -> Arc<Verifier> {
        Arc::new(Verifier {
            inner: RwLock::new(inner),
        })
    }

    pub(crate) fn core(&self) -> Arc<ehk_core::Verifier> {
        Arc::clone(&self.inner.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn load(
        &self,
        load: impl FnOnce(&mut ehk_core::Verifier) -> ehk_core::error::Result<UpdateOutcome>,
    ) -> Result<UpdateOutcome, TrustError> {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let own = Arc::get_mut(&mut inner).ok_or_else(|| TrustError::InvalidArgument {
            detail: "this is the feed store's verifier: its lists come with the sync".into(),
        })?;
        Ok(load(own)?)
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
            inner: RwLock::new(Arc::new(ehk_core::Verifier::new(root))),
        }))
    }

    /// Loads a root-signed trust list; an older version is refused.
    pub fn load_trust_list(&self, signed_list: Vec<u8>) -> Result<UpdateOutcome, TrustError> {
        self.load(|v| v.load_trust_list(&signed_list))
    }

    /// Loads an issuer-signed revocation list; needs a trust list first.
    pub fn load_revocation_list(&self, signed_list: Vec<u8>) -> Result<UpdateOutcome, TrustError> {
        self.load(|v| v.load_revocation_list(&signed_list))
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
