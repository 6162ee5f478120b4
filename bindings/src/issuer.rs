//! Issuer-side calls: keys, cards, trust and revocation lists. Used by issuer tools and by the
//! binding tests, which build their own small trust world.

use crate::convert::{parse_day, CardType, Role};
use crate::errors::IssueError;
use ehk_core::keys::public_key_from_bytes;
use ehk_core::{KeyId, QrPayload};
use ehk_issuer::CardRequest as CoreRequest;
use std::sync::Arc;

#[derive(Debug, Clone, uniffi::Record)]
pub struct CardRequest {
    pub holder_name: String,
    /// `YYYY-MM-DD`.
    pub birthday: Option<String>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: String,
    /// Required for standard cards; ignored for gold cards.
    pub valid_until: Option<String>,
    /// The holder device's public key (32 bytes) for a device-bound card.
    pub device_public_key: Option<Vec<u8>>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct IssuedCard {
    pub card_id: String,
    pub qr_text: String,
    pub credential: Vec<u8>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct IssuerEntrySpec {
    pub public_key: Vec<u8>,
    pub name: String,
    pub roles: Vec<Role>,
    /// `None`: all regions of the project.
    pub regions: Option<Vec<u32>>,
    pub card_types: Vec<CardType>,
    pub valid_from: i64,
    pub valid_until: i64,
    pub withdrawn: bool,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct TrustListSpec {
    pub version: u64,
    pub issued_at: i64,
    pub expires_at: i64,
    pub project_id: u32,
    pub issuers: Vec<IssuerEntrySpec>,
}

/// A root or issuer signing key. The secret never leaves this object.
#[derive(uniffi::Object)]
pub struct IssuerKey {
    inner: ehk_core::IssuerKey,
}

impl IssuerKey {
    pub(crate) fn inner(&self) -> &ehk_core::IssuerKey {
        &self.inner
    }
}

fn invalid(detail: impl Into<String>) -> IssueError {
    IssueError::InvalidRequest {
        detail: detail.into(),
    }
}

#[uniffi::export]
impl IssuerKey {
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<Self>, IssueError> {
        Ok(Arc::new(IssuerKey {
            inner: ehk_core::IssuerKey::generate()?,
        }))
    }

    /// Restores a key from its 32-byte seed, as kept in the issuer's own secure storage.
    #[uniffi::constructor]
    pub fn from_seed(seed: Vec<u8>) -> Result<Arc<Self>, IssueError> {
        Ok(Arc::new(IssuerKey {
            inner: ehk_core::IssuerKey::from_seed(&seed).map_err(|_| IssueError::InvalidKey)?,
        }))
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.inner.public_key().to_bytes().to_vec()
    }

    pub fn key_id(&self) -> String {
        self.inner.key_id().to_hex()
    }

    pub fn issue_card(&self, request: CardRequest, now: i64) -> Result<IssuedCard, IssueError> {
        let device_key = match request.device_public_key {
            None => None,
            Some(bytes) => Some(
                public_key_from_bytes(&bytes)
                    .map_err(|_| {
                        invalid("the device public key must be 32 bytes of a valid Ed25519 key")
                    })?
                    .to_bytes(),
            ),
        };
        let core = CoreRequest {
            holder_name: request.holder_name,
            birthday: request
                .birthday
                .map(|b| parse_day(&b, "birthday"))
                .transpose()
                .map_err(invalid)?,
            card_type: request.card_type.into(),
            project_id: request.project_id,
            region_id: request.region_id,
            valid_from: parse_day(&request.valid_from, "valid_from").map_err(invalid)?,
            valid_until: request
                .valid_until
                .map(|d| parse_day(&d, "valid_until"))
                .transpose()
                .map_err(invalid)?,
            device_key,
        };
        let (credential, claims) = ehk_issuer::issue_card(&self.inner, &core, now)?;
        Ok(IssuedCard {
            card_id: claims.card_id_hex(),
            qr_text: QrPayload::Credential(credential.clone()).encode(),
            credential,
        })
    }

    /// Signs a trust list (this key acting as the root key).
    pub fn sign_trust_list(&self, spec: TrustListSpec) -> Result<Vec<u8>, IssueError> {
        let mut list = ehk_core::TrustList::new(spec.project_id);
        list.version = spec.version;
        list.issued_at = spec.issued_at;
        list.expires_at = spec.expires_at;
        for e in spec.issuers {
            let public = public_key_from_bytes(&e.public_key)
                .map_err(|_| invalid("an issuer public key is invalid"))?;
            let roles: Vec<ehk_core::Role> = e.roles.into_iter().map(Into::into).collect();
            list.upsert_issuer(ehk_core::IssuerEntry {
                key_id: KeyId::of(&public),
                public_key: public.to_bytes(),
                name: e.name,
                roles: ehk_core::Roles::of(&roles),
                regions: e.regions,
                card_types: e
                    .card_types
                    .into_iter()
                    .fold(0, |acc, t| acc | ehk_core::CardType::from(t).bit()),
                valid_from: e.valid_from,
                valid_until: e.valid_until,
                withdrawn: e.withdrawn,
            })?;
        }
        Ok(list.sign(&self.inner)?)
    }

    /// Signs this issuer's revocation list; `card_ids` are 16 hex digits each.
    pub fn sign_revocation_list(
        &self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        card_ids: Vec<String>,
    ) -> Result<Vec<u8>, IssueError> {
        let ids = card_ids
            .iter()
            .map(|id| {
                hex::decode(id.trim())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| invalid("a card id is 16 hex digits"))
            })
            .collect::<Result<Vec<[u8; 8]>, _>>()?;
        Ok(ehk_core::RevocationList::new(version, issued_at, expires_at, ids).sign(&self.inner))
    }
}

/// Told how far a long operation (a CSV batch, later a feed sync) has come.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn progress(&self, done: u64, total: u64);
}

struct ForwardProgress(Option<Arc<dyn ProgressListener>>);

impl ehk_core::progress::Progress for ForwardProgress {
    fn progress(&self, done: u64, total: u64) {
        if let Some(listener) = &self.0 {
            listener.progress(done, total);
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct BatchDefaults {
    pub project_id: u32,
    pub region_id: Option<u32>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct BatchCard {
    /// The CSV line the card came from.
    pub line: u64,
    pub card_id: String,
    pub qr_text: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct BatchRowError {
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct BatchReport {
    pub issued: Vec<BatchCard>,
    pub errors: Vec<BatchRowError>,
}

#[uniffi::export]
impl IssuerKey {
    /// Issues a card for every good row of a CSV file; bad rows come back with their line
    /// numbers. Fails as a whole only when the header is unusable.
    pub fn issue_csv(
        &self,
        csv: Vec<u8>,
        defaults: BatchDefaults,
        now: i64,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<BatchReport, IssueError> {
        let day = |d: Option<String>, what: &str| {
            d.map(|d| parse_day(&d, what)).transpose().map_err(invalid)
        };
        let core_defaults = ehk_issuer::batch::BatchDefaults {
            project_id: defaults.project_id,
            region_id: defaults.region_id,
            valid_from: day(defaults.valid_from, "valid_from")?,
            valid_until: day(defaults.valid_until, "valid_until")?,
        };
        let report = ehk_issuer::batch::issue_csv(
            &self.inner,
            &csv,
            &core_defaults,
            now,
            &ForwardProgress(progress),
        )
        .map_err(|_| invalid("the CSV file has no usable header with a 'name' column"))?;
        Ok(BatchReport {
            issued: report
                .issued
                .into_iter()
                .map(|row| BatchCard {
                    line: row.line,
                    card_id: row.claims.card_id_hex(),
                    qr_text: row.qr_text,
                })
                .collect(),
            errors: report
                .errors
                .into_iter()
                .map(|e| BatchRowError {
                    line: e.line,
                    reason: e.reason,
                })
                .collect(),
        })
    }
}
