//! Issuer-side calls, compiled only with the `issuer` feature: the binding tests build their own
//! small trust world and feed with them. The phone library (no features) exports none of this.

use crate::feed_store::{ForwardProgress, ProgressListener};
use ehk_core::keys::public_key_from_bytes;
use ehk_core::news as core_news;
use ehk_core::news::NewsCategory;
use ehk_core::stores::Position;
use ehk_core::{CardType, Day, Role};
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
            card_type: request.card_type,
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
            let roles: Vec<ehk_core::Role> = e.roles;
            list.upsert_issuer(ehk_core::IssuerEntry {
                key_id: KeyId::of(&public),
                public_key: public.to_bytes(),
                name: e.name,
                roles: ehk_core::Roles::of(&roles),
                regions: e.regions,
                card_types: e.card_types.into_iter().fold(0, |acc, t| acc | t.bit()),
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

fn parse_day(text: &str, what: &str) -> Result<Day, String> {
    Day::parse(text).ok_or_else(|| format!("{what} must be a YYYY-MM-DD date"))
}

/// Issuing cards and signing lists.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum IssueError {
    #[error("invalid request: {detail}")]
    InvalidRequest { detail: String },
    #[error("invalid key")]
    InvalidKey,
}

impl From<ehk_core::Error> for IssueError {
    fn from(e: ehk_core::Error) -> Self {
        use ehk_core::Error as E;
        log::warn!("issuer: {e}");
        match e {
            // Request errors are the core's own fixed texts; they never quote the name.
            E::InvalidRequest(detail) => IssueError::InvalidRequest { detail },
            E::TimeOutOfRange(_) => invalid("time out of range"),
            E::NotAllowed { .. } => invalid("the key is not allowed to do this by the trust list"),
            E::BadSignature(_)
            | E::Malformed { .. }
            | E::UnknownIssuer(_)
            | E::BadProjectPin(_)
            | E::WrongProject { .. } => invalid("a signed list is invalid"),
            E::Io(_) | E::Database(_) => invalid("cannot write the output"),
            E::InvalidKey(_) | E::KeyFilePermissions { .. } | E::KeyStore(_) => {
                IssueError::InvalidKey
            }
            E::Interrupted
            | E::VersionNotNewer { .. }
            | E::NoTrustList
            | E::Qr(_)
            | E::CardNotFound
            | E::WrongDevice
            | E::CardRefused(_)
            | E::NotNewerThanStored
            | E::Network(_)
            | E::Activation(_)
            | E::HashMismatch(_)
            | E::Expired(_) => invalid("the request failed"),
        }
    }
}

/// Where an item applies, as an issuer states it.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum NewsArea {
    Circle {
        center: Position,
        radius_m: f64,
    },
    /// A GeoJSON Polygon or MultiPolygon (holes allowed).
    GeoJson {
        geojson: String,
    },
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewsItemSpec {
    pub id: String,
    pub title_de: String,
    pub title_en: String,
    pub body_de: String,
    pub body_en: String,
    pub category: NewsCategory,
    pub priority: u8,
    pub valid_from: i64,
    pub valid_until: i64,
    pub store_id: Option<i64>,
    pub area: NewsArea,
}

/// The next feed version an issuer publishes into `dir`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FeedPublication {
    pub dir: String,
    /// The store list: a CSV file in the issuers' export layout, or a GeoJSON
    /// FeatureCollection when `geojson` is set.
    pub stores: Vec<u8>,
    pub geojson: bool,
    pub trust_list: Vec<u8>,
    pub revocation_lists: Vec<Vec<u8>>,
    pub news_bundles: Vec<Vec<u8>>,
    pub now: i64,
    pub expires_in_secs: i64,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct PublishResult {
    pub version: u64,
    pub stores: u64,
    /// Store rows skipped, with their line or feature number.
    pub import_errors: Vec<BatchRowError>,
    /// Lists left out because their signer was withdrawn.
    pub skipped: Vec<String>,
}

#[uniffi::export]
impl IssuerKey {
    /// Publishes `publication` as the next feed version, signed by this key (which the trust
    /// list must give the stores role), checked against `root_public_key`.
    pub fn publish_feed(
        &self,
        root_public_key: Vec<u8>,
        publication: FeedPublication,
    ) -> Result<PublishResult, IssueError> {
        let root = public_key_from_bytes(&root_public_key)
            .map_err(|_| invalid("the root public key must be 32 bytes of a valid Ed25519 key"))?;
        let categories = ehk_core::stores::model::default_categories();
        let report = if publication.geojson {
            ehk_issuer::stores::import::import_geojson(
                &String::from_utf8_lossy(&publication.stores),
                &categories,
            )
        } else {
            ehk_issuer::stores::import::import_csv(&publication.stores, &categories)
        }
        .map_err(|_| invalid("the store file has no usable header or structure"))?;
        let mut stores = report.stores;
        stores.sort_by_key(|s| s.id);
        let count = stores.len() as u64;
        let snapshot = ehk_core::stores::Snapshot {
            version: 0,
            categories,
            regions: Vec::new(),
            stores,
        };
        let published = ehk_issuer::publish::publish_with_news(
            std::path::Path::new(&publication.dir),
            &self.inner,
            &root,
            &snapshot,
            &publication.trust_list,
            &publication.revocation_lists,
            &publication.news_bundles,
            publication.now,
            &ehk_issuer::publish::PublishOptions {
                expires_in_secs: publication.expires_in_secs,
                ..Default::default()
            },
        )?;
        Ok(PublishResult {
            version: published.version,
            stores: count,
            import_errors: report
                .errors
                .into_iter()
                .map(|e| BatchRowError {
                    line: e.line,
                    reason: e.reason,
                })
                .collect(),
            skipped: published.skipped,
        })
    }
}

#[uniffi::export]
impl IssuerKey {
    /// Signs a news bundle (this key needs the news role to get it into a feed). Every area is
    /// checked: unclosed rings, too few points, self-intersections and out-of-range
    /// coordinates are refused with the item's id.
    pub fn sign_news_bundle(
        &self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        items: Vec<NewsItemSpec>,
    ) -> Result<Vec<u8>, IssueError> {
        let invalid = |detail: String| IssueError::InvalidRequest { detail };
        let items = items
            .into_iter()
            .map(|i| {
                let area = match i.area {
                    NewsArea::Circle { center, radius_m } => core_news::Area::Circle {
                        latitude: center.latitude,
                        longitude: center.longitude,
                        radius_m,
                    },
                    NewsArea::GeoJson { geojson } => {
                        ehk_issuer::news_area::area_from_geojson(&geojson)
                            .map_err(|e| invalid(format!("news item {}: {e}", i.id)))?
                    }
                };
                Ok(core_news::NewsItem {
                    id: i.id,
                    title_de: i.title_de,
                    title_en: i.title_en,
                    body_de: i.body_de,
                    body_en: i.body_en,
                    category: i.category,
                    priority: i.priority,
                    valid_from: i.valid_from,
                    valid_until: i.valid_until,
                    store_id: i.store_id,
                    area,
                })
            })
            .collect::<Result<Vec<_>, IssueError>>()?;
        let bundle = core_news::NewsBundle {
            version,
            issued_at,
            expires_at,
            items,
            regions: Vec::new(),
        };
        Ok(bundle.sign(self.inner())?)
    }
}
