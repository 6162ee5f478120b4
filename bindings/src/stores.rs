//! The offline store database and the feed sync, as UniFFI objects.

use crate::errors::{IssueError, StoreError, SyncError, TrustError};
use crate::issuer::{BatchRowError, IssuerKey, ProgressListener};
use crate::verifier::Verifier;
use ehk_core::keys::public_key_from_bytes;
use ehk_core::stores::{self as core_stores, StoreDb};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
}

/// (latitude, longitude) when both are finite and in range.
pub(crate) fn in_range(p: Position) -> Option<(f64, f64)> {
    let ok = p.latitude.is_finite()
        && p.longitude.is_finite()
        && (-90.0..=90.0).contains(&p.latitude)
        && (-180.0..=180.0).contains(&p.longitude);
    ok.then_some((p.latitude, p.longitude))
}

fn checked(p: Position) -> Result<(f64, f64), StoreError> {
    in_range(p).ok_or_else(|| StoreError::InvalidArgument {
        detail: "position out of range".into(),
    })
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct StoreQuery {
    pub text: String,
    pub category: Option<u32>,
    pub near: Option<Position>,
    pub radius_m: Option<f64>,
    /// Nearest first instead of best match first (needs `near`).
    pub sort_by_distance: bool,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub category_id: u32,
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub position: Option<Position>,
    pub discount_de: String,
    pub discount_en: String,
    pub distance_m: Option<f64>,
    pub favorite: bool,
}

fn position(p: Option<(f64, f64)>) -> Option<Position> {
    p.map(|(latitude, longitude)| Position {
        latitude,
        longitude,
    })
}

impl From<core_stores::StoreSummary> for StoreSummary {
    fn from(s: core_stores::StoreSummary) -> Self {
        StoreSummary {
            id: s.id,
            name: s.name,
            category_id: s.category_id,
            street: s.street,
            house_number: s.house_number,
            postal_code: s.postal_code,
            city: s.city,
            position: position(s.position),
            discount_de: s.discount_de,
            discount_en: s.discount_en,
            distance_m: s.distance_m,
            favorite: s.favorite,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Discount {
    pub text_de: String,
    pub text_en: String,
    /// `YYYY-MM-DD`, when the discount is limited in time.
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StoreDetails {
    pub id: i64,
    pub name: String,
    pub category_id: u32,
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub position: Option<Position>,
    pub region_id: Option<u32>,
    pub discounts: Vec<Discount>,
}

fn day(d: Option<i32>) -> Option<String> {
    d.map(|d| ehk_core::Day(d).to_string())
}

impl From<core_stores::StoreRecord> for StoreDetails {
    fn from(s: core_stores::StoreRecord) -> Self {
        StoreDetails {
            id: s.id,
            name: s.name,
            category_id: s.category_id,
            street: s.street,
            house_number: s.house_number,
            postal_code: s.postal_code,
            city: s.city,
            phone: s.phone,
            email: s.email,
            website: s.website,
            position: position(s.position),
            region_id: s.region_id,
            discounts: s
                .discounts
                .into_iter()
                .map(|d| Discount {
                    text_de: d.text_de,
                    text_en: d.text_en,
                    valid_from: day(d.valid_from),
                    valid_until: day(d.valid_until),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Category {
    pub id: u32,
    pub name_de: String,
    pub name_en: String,
    pub icon: String,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Favorite {
    pub store_id: i64,
    pub name: String,
    pub added_at: i64,
    /// `None` while the store is missing from the feed; the favorite stays.
    pub store: Option<StoreSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncResult {
    NotModified {
        version: u64,
    },
    UpToDate {
        version: u64,
    },
    Updated {
        from: Option<u64>,
        to: u64,
        via_delta: bool,
        downloaded_bytes: u64,
    },
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct ImportReport {
    pub imported: u64,
    /// CSV line or GeoJSON feature number, and why it was skipped.
    pub errors: Vec<BatchRowError>,
}

struct ForwardProgress(Option<Arc<dyn ProgressListener>>);

impl ehk_core::progress::Progress for ForwardProgress {
    fn progress(&self, done: u64, total: u64) {
        if let Some(p) = &self.0 {
            p.progress(done, total);
        }
    }
}

fn root_key(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey, String> {
    public_key_from_bytes(bytes)
        .map_err(|_| "the root public key must be 32 bytes of a valid Ed25519 key".to_string())
}

/// The store database on the phone (or the issuer's source database for publishing).
#[derive(uniffi::Object)]
pub struct StoreDatabase {
    inner: StoreDb,
}

impl StoreDatabase {
    pub(crate) fn inner(&self) -> &StoreDb {
        &self.inner
    }

    #[allow(clippy::too_many_arguments)]
    fn publish(
        &self,
        dir: String,
        key: Arc<IssuerKey>,
        root_public_key: Vec<u8>,
        trust_list: Vec<u8>,
        revocation_lists: Vec<Vec<u8>>,
        news_bundles: Vec<Vec<u8>>,
        now: i64,
        expires_in_secs: i64,
    ) -> Result<u64, IssueError> {
        let root =
            root_key(&root_public_key).map_err(|detail| IssueError::InvalidRequest { detail })?;
        let snapshot = self
            .inner
            .snapshot(0)
            .map_err(|_| IssueError::InvalidRequest {
                detail: "the store database cannot be read".into(),
            })?;
        let report = ehk_issuer::publish::publish_with_news(
            std::path::Path::new(&dir),
            key.inner(),
            &root,
            &snapshot,
            &trust_list,
            &revocation_lists,
            &news_bundles,
            now,
            &ehk_issuer::publish::PublishOptions {
                expires_in_secs,
                ..Default::default()
            },
        )?;
        Ok(report.version)
    }
}

#[uniffi::export]
impl StoreDatabase {
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>, StoreError> {
        if path.is_empty() {
            return Err(StoreError::InvalidArgument {
                detail: "the database path is empty".into(),
            });
        }
        Ok(Arc::new(StoreDatabase {
            inner: StoreDb::open(std::path::Path::new(&path))?,
        }))
    }

    /// Full-text search with German folding and prefixes. A new search cancels the running
    /// search (only a search: nearby, favorites and store queries run on another connection),
    /// which then fails with `StoreError::Interrupted`.
    pub fn search(&self, query: StoreQuery) -> Result<Vec<StoreSummary>, StoreError> {
        let near = query.near.map(checked).transpose()?;
        let found = self.inner.search(&core_stores::SearchQuery {
            text: query.text,
            category: query.category,
            near,
            radius_m: query.radius_m.filter(|r| r.is_finite()),
            sort: if query.sort_by_distance {
                core_stores::SortOrder::Distance
            } else {
                core_stores::SortOrder::Relevance
            },
            offset: query.offset,
            limit: query.limit,
        })?;
        Ok(found.into_iter().map(StoreSummary::from).collect())
    }

    /// Cancels a running search (for example when the search screen closes).
    pub fn cancel_search(&self) {
        self.inner.interrupt();
    }

    /// The nearest stores with coordinates.
    pub fn nearby(
        &self,
        position: Position,
        limit: u32,
        radius_m: Option<f64>,
        category: Option<u32>,
    ) -> Result<Vec<StoreSummary>, StoreError> {
        let found = self.inner.nearby(&core_stores::NearbyQuery {
            position: checked(position)?,
            limit,
            radius_m: radius_m.filter(|r| r.is_finite()),
            category,
        })?;
        Ok(found.into_iter().map(StoreSummary::from).collect())
    }

    pub fn store(&self, id: i64) -> Result<Option<StoreDetails>, StoreError> {
        Ok(self.inner.store(id)?.map(StoreDetails::from))
    }

    pub fn categories(&self) -> Result<Vec<Category>, StoreError> {
        Ok(self
            .inner
            .categories()?
            .into_iter()
            .map(|c| Category {
                id: c.id,
                name_de: c.name_de,
                name_en: c.name_en,
                icon: c.icon,
            })
            .collect())
    }

    /// Marks or unmarks a favorite; `false` when marking a store that is not in the database.
    pub fn set_favorite(
        &self,
        store_id: i64,
        favorite: bool,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.inner.set_favorite(store_id, favorite, now)?)
    }

    pub fn favorites(&self, near: Option<Position>) -> Result<Vec<Favorite>, StoreError> {
        let near = near.map(checked).transpose()?;
        Ok(self
            .inner
            .favorites(near)?
            .into_iter()
            .map(|f| Favorite {
                store_id: f.store_id,
                name: f.name,
                added_at: f.added_at,
                store: f.store.map(StoreSummary::from),
            })
            .collect())
    }

    pub fn store_count(&self) -> Result<u64, StoreError> {
        Ok(self.inner.store_count()?)
    }

    pub fn feed_version(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.inner.feed_version()?)
    }

    /// Brings the database up to date from the feed at `url`; on any failure it stays exactly
    /// as it was. Call from a background thread (WorkManager, BGAppRefreshTask).
    pub fn sync(
        &self,
        url: String,
        root_public_key: Vec<u8>,
        now: i64,
        progress: Option<Arc<dyn ProgressListener>>,
    ) -> Result<SyncResult, SyncError> {
        let root =
            root_key(&root_public_key).map_err(|detail| SyncError::InvalidArgument { detail })?;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(SyncError::InvalidArgument {
                detail: "the feed URL must start with https:// or http://".into(),
            });
        }
        let outcome = ehk_core::feed::sync(
            &self.inner,
            &url,
            &ehk_core::feed::SyncOptions::new(root),
            now,
            &ForwardProgress(progress),
        )?;
        Ok(match outcome {
            ehk_core::feed::SyncOutcome::NotModified { version } => {
                SyncResult::NotModified { version }
            }
            ehk_core::feed::SyncOutcome::UpToDate { version } => SyncResult::UpToDate { version },
            ehk_core::feed::SyncOutcome::Updated {
                from,
                to,
                via_delta,
                downloaded_bytes,
            } => SyncResult::Updated {
                from,
                to,
                via_delta,
                downloaded_bytes,
            },
        })
    }

    /// Stops the running `sync` from another thread (the worker was stopped, the screen
    /// closed), or the next one if none runs; that sync fails with `SyncError::Cancelled` and
    /// the database stays as it was. Progress reports start at 0 of the planned total once the
    /// manifest is verified and only move forward.
    pub fn cancel_sync(&self) {
        self.inner.cancel_sync();
    }

    /// A verifier with the trust list and revocation lists the last sync brought.
    pub fn verifier(&self, root_public_key: Vec<u8>) -> Result<Arc<Verifier>, TrustError> {
        let root =
            root_key(&root_public_key).map_err(|detail| TrustError::InvalidArgument { detail })?;
        let inner = ehk_core::feed::sync::verifier_from_db(&self.inner, root)?;
        Ok(Verifier::wrap(inner))
    }

    /// Issuer side: replaces the stores with those of a CSV file (the issuers' export layout)
    /// or, when `geojson` is true, a GeoJSON FeatureCollection. Bad records are skipped and
    /// reported.
    pub fn import_stores(&self, data: Vec<u8>, geojson: bool) -> Result<ImportReport, StoreError> {
        let categories = core_stores::model::default_categories();
        let report = if geojson {
            ehk_issuer::stores::import::import_geojson(&String::from_utf8_lossy(&data), &categories)
        } else {
            ehk_issuer::stores::import::import_csv(&data, &categories)
        }
        .map_err(|_| StoreError::InvalidArgument {
            detail: "the file has no usable header or structure".into(),
        })?;
        let mut stores = report.stores;
        stores.sort_by_key(|s| s.id);
        let imported = stores.len() as u64;
        let snapshot = core_stores::Snapshot {
            version: 0,
            categories,
            regions: Vec::new(),
            stores,
        };
        self.inner
            .write(|tx| core_stores::db::apply_snapshot(tx, &snapshot))?;
        Ok(ImportReport {
            imported,
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

    /// Issuer side: publishes this database as the next feed version into `dir`.
    pub fn publish_feed(
        &self,
        dir: String,
        key: Arc<IssuerKey>,
        root_public_key: Vec<u8>,
        trust_list: Vec<u8>,
        revocation_lists: Vec<Vec<u8>>,
        now: i64,
        expires_in_secs: i64,
    ) -> Result<u64, IssueError> {
        self.publish(
            dir,
            key,
            root_public_key,
            trust_list,
            revocation_lists,
            Vec::new(),
            now,
            expires_in_secs,
        )
    }

    /// Issuer side: as `publish_feed`, with signed news bundles (`IssuerKey.sign_news_bundle`).
    #[allow(clippy::too_many_arguments)]
    pub fn publish_feed_with_news(
        &self,
        dir: String,
        key: Arc<IssuerKey>,
        root_public_key: Vec<u8>,
        trust_list: Vec<u8>,
        revocation_lists: Vec<Vec<u8>>,
        news_bundles: Vec<Vec<u8>>,
        now: i64,
        expires_in_secs: i64,
    ) -> Result<u64, IssueError> {
        self.publish(
            dir,
            key,
            root_public_key,
            trust_list,
            revocation_lists,
            news_bundles,
            now,
            expires_in_secs,
        )
    }
}
