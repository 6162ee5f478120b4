//! The phone's feed store as one UniFFI object: the offline store database (search, nearby,
//! favorites), verifying against the synced lists, the news, the geofencing decisions and the
//! feed sync (async: a Kotlin `suspend` / Swift `async` function, cancelled with its caller).
//! Everything is decided in `ehk_core::FeedStore`; this file only converts.

use crate::cancel::{on_own_thread, Cancellation};
use crate::errors::FeedError;
use crate::verifier::{Verification, Verifier};
use ehk_core::feed::SyncOutcome;
use ehk_core::keys::public_key_from_bytes;
use ehk_core::news::geofence::Fix;
use ehk_core::news::{MonitorRegion, NewsCategory, PolicySettings};
use ehk_core::stores as core_stores;
use ehk_core::stores::search::Favorite;
use ehk_core::stores::{Category, Position, StoreSummary};
pub use ehk_core::Platform;
use std::sync::Arc;
use std::time::Duration;

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

/// A store in a result list: the first discount's texts, the distance from the search
/// position when there was one.
#[uniffi::remote(Record)]
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
            position: s.position,
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

/// A favorite, kept by the store's id; `store` is `None` while the store is missing from the
/// feed.
#[uniffi::remote(Record)]
pub struct Favorite {
    pub store_id: i64,
    pub name: String,
    pub added_at: i64,
    pub store: Option<StoreSummary>,
}

/// A news item as the phone shows it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NewsItem {
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
    /// Metres from the position to the area's centre.
    pub distance_m: f64,
}

fn news_item(item: &ehk_core::news::NewsItem, distance_m: f64) -> NewsItem {
    NewsItem {
        id: item.id.clone(),
        title_de: item.title_de.clone(),
        title_en: item.title_en.clone(),
        body_de: item.body_de.clone(),
        body_en: item.body_en.clone(),
        category: item.category,
        priority: item.priority,
        valid_from: item.valid_from,
        valid_until: item.valid_until,
        store_id: item.store_id,
        distance_m,
    }
}

/// What the shell does after a location event, a permission change or a sync: show `notify`,
/// and when `register` is set, replace every region the OS monitors with exactly these and
/// report the outcome (`regions_registered` or `regions_refused`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GeofenceUpdate {
    pub notify: Vec<NewsItem>,
    pub register: Option<Vec<MonitorRegion>>,
}

impl From<ehk_core::news::geofence::GeofenceUpdate> for GeofenceUpdate {
    fn from(u: ehk_core::news::geofence::GeofenceUpdate) -> Self {
        GeofenceUpdate {
            notify: u
                .notify
                .iter()
                .map(|n| news_item(&n.item, n.distance_m))
                .collect(),
            register: u.register,
        }
    }
}

/// What a sync did, and the geofence update it brings (new news: register again).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    pub geofence: GeofenceUpdate,
}

/// Which operating system's geofencing the shell drives: Android (up to 100 geofences, dwell
/// by repeated fixes) or iOS (up to 20 regions, one entry event and one fix).
#[uniffi::remote(Enum)]
pub enum Platform {
    Android,
    Ios,
}

/// Told how far a long operation (a feed sync) has come.
#[uniffi::export(with_foreign)]
pub trait ProgressListener: Send + Sync {
    fn progress(&self, done: u64, total: u64);
}

pub(crate) struct ForwardProgress(pub Option<Arc<dyn ProgressListener>>);

impl ehk_core::progress::Progress for ForwardProgress {
    fn progress(&self, done: u64, total: u64) {
        if let Some(listener) = &self.0 {
            listener.progress(done, total);
        }
    }
}

fn ids(region_ids: &[String]) -> Result<(), FeedError> {
    if region_ids.len() > 1_000 {
        return Err(FeedError::InvalidArgument {
            detail: "too many region ids".into(),
        });
    }
    Ok(())
}

/// The project the app is built for: the root public key (32 bytes), the project id, and the
/// project's root-signed trust list the app ships (the `trust-list-N.cose` file of the feed
/// when the app was built). The shipped list is the floor: cards verify with it before the first
/// sync, and no feed may bring an older one or one of another project.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ProjectPin {
    pub root_public_key: Vec<u8>,
    pub project_id: u32,
    pub trust_list: Vec<u8>,
}

/// The phone's feed: open it once with the app's project pin.
#[derive(uniffi::Object)]
pub struct FeedStore {
    inner: ehk_core::FeedStore,
    /// Per request, connection and body together.
    timeout: Duration,
}

impl FeedStore {
    pub(crate) fn core(&self) -> &ehk_core::FeedStore {
        &self.inner
    }
}

#[uniffi::export]
impl FeedStore {
    /// Opens (or creates) the feed database at `path` for the pinned project. A pin that does
    /// not hold together (a key that is not 32 bytes of an Ed25519 key, a trust list not signed
    /// by it or of another project) is `FeedError.InvalidArgument`.
    #[uniffi::constructor]
    pub fn open(
        path: String,
        project: ProjectPin,
        platform: Platform,
        now: i64,
    ) -> Result<Arc<Self>, FeedError> {
        if path.is_empty() {
            return Err(FeedError::InvalidArgument {
                detail: "the database path is empty".into(),
            });
        }
        let root = public_key_from_bytes(&project.root_public_key).map_err(|_| {
            FeedError::InvalidArgument {
                detail: "the root public key must be 32 bytes of a valid Ed25519 key".into(),
            }
        })?;
        let pin = ehk_core::ProjectPin::new(root, project.project_id, project.trust_list)?;
        Ok(Arc::new(FeedStore {
            inner: ehk_core::FeedStore::open(std::path::Path::new(&path), pin, platform, now)?,
            timeout: Duration::from_secs(60),
        }))
    }

    /// Brings everything up to date from the feed at `url`: stores, trust and revocation lists,
    /// news. On any failure the database stays exactly as it was. Cancelling the calling
    /// coroutine, `cancellation.cancel()` or `cancel_sync` stops it (`FeedError::Cancelled`).
    #[uniffi::method(default(progress = None, cancellation = None))]
    pub async fn sync(
        self: Arc<Self>,
        url: String,
        now: i64,
        progress: Option<Arc<dyn ProgressListener>>,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<SyncReport, FeedError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(FeedError::InvalidArgument {
                detail: "the feed URL must start with https:// or http://".into(),
            });
        }
        let report = on_own_thread("ehk-feed-sync", cancellation, move |cancel| {
            let mut options = self.inner.sync_options();
            options.timeout = self.timeout;
            self.inner
                .sync(&url, &options, now, &ForwardProgress(progress), cancel)
        })
        .await
        .ok_or(FeedError::Storage)??;
        Ok(SyncReport {
            outcome: report.outcome,
            geofence: report.geofence.into(),
        })
    }

    /// Forgets what the feed brought (favorites and news settings stay) and goes back to the
    /// shipped trust list; the next sync takes a full snapshot. The way back when the stored
    /// feed refuses the real one.
    pub fn reset_feed(&self, now: i64) -> Result<GeofenceUpdate, FeedError> {
        Ok(self.inner.reset_feed(now)?.into())
    }

    /// Stops the running sync, if one runs; a cancel when none runs does nothing.
    pub fn cancel_sync(&self) {
        self.inner.cancel_sync();
    }

    /// Checks a scanned code offline against the synced trust and revocation lists.
    pub fn verify(&self, qr_text: String, now: i64) -> Verification {
        self.inner.verify(&qr_text, now).into()
    }

    /// The verifier of the lists synced so far, for `Wallet::add_card`; a sync replaces it,
    /// so ask again afterwards. Before the first sync it has no trust list and every card is
    /// refused with `NoTrustList`.
    pub fn verifier(&self) -> Arc<Verifier> {
        Verifier::of_feed(self.inner.verifier())
    }

    pub fn trust_list_version(&self) -> Option<u64> {
        self.inner.trust_list().map(|t| t.version)
    }

    pub fn feed_version(&self) -> Result<Option<u64>, FeedError> {
        Ok(self.inner.stores().feed_version()?)
    }

    /// Full-text search with German folding and prefixes. A new search cancels the running
    /// one (only a search), which then fails with `FeedError::Interrupted`.
    pub fn search(&self, query: StoreQuery) -> Result<Vec<StoreSummary>, FeedError> {
        let near = query.near.map(Position::checked).transpose()?;
        let found = self
            .inner
            .stores()
            .search(&core_stores::SearchQuery {
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
            })
            .map_err(FeedError::from_search)?;
        Ok(found)
    }

    /// Cancels a running search (for example when the search screen closes).
    pub fn cancel_search(&self) {
        self.inner.stores().interrupt();
    }

    /// The nearest stores with coordinates.
    pub fn nearby(
        &self,
        position: Position,
        limit: u32,
        radius_m: Option<f64>,
        category: Option<u32>,
    ) -> Result<Vec<StoreSummary>, FeedError> {
        let found = self.inner.stores().nearby(&core_stores::NearbyQuery {
            position: position.checked()?,
            limit,
            radius_m: radius_m.filter(|r| r.is_finite()),
            category,
        })?;
        Ok(found)
    }

    pub fn store(&self, id: i64) -> Result<Option<StoreDetails>, FeedError> {
        Ok(self.inner.stores().store(id)?.map(StoreDetails::from))
    }

    pub fn categories(&self) -> Result<Vec<Category>, FeedError> {
        Ok(self.inner.stores().categories()?)
    }

    pub fn store_count(&self) -> Result<u64, FeedError> {
        Ok(self.inner.stores().store_count()?)
    }

    /// Marks or unmarks a favorite; `false` when marking a store that is not in the database.
    pub fn set_favorite(&self, store_id: i64, favorite: bool, now: i64) -> Result<bool, FeedError> {
        Ok(self.inner.set_favorite(store_id, favorite, now)?)
    }

    pub fn favorites(&self, near: Option<Position>) -> Result<Vec<Favorite>, FeedError> {
        let near = near.map(Position::checked).transpose()?;
        Ok(self.inner.stores().favorites(near)?)
    }

    /// The news valid now whose area contains the position, highest priority first.
    pub fn news_at(&self, position: Position, now: i64) -> Result<Vec<NewsItem>, FeedError> {
        Ok(self
            .inner
            .news_at(position, now)?
            .iter()
            .map(|h| news_item(&h.item, h.distance_m))
            .collect())
    }

    pub fn news_count(&self) -> u32 {
        self.inner.news_count() as u32
    }

    pub fn settings(&self) -> Result<PolicySettings, FeedError> {
        Ok(self.inner.settings()?)
    }

    pub fn set_settings(&self, settings: PolicySettings) -> Result<(), FeedError> {
        Ok(self.inner.set_settings(settings)?)
    }

    pub fn muted_categories(&self) -> Result<Vec<NewsCategory>, FeedError> {
        Ok(self.inner.muted_categories()?)
    }

    pub fn set_muted(&self, category: NewsCategory, muted: bool) -> Result<(), FeedError> {
        Ok(self.inner.set_muted(category, muted)?)
    }

    pub fn offers_near_favorites(&self) -> Result<bool, FeedError> {
        Ok(self.inner.offers_near_favorites()?)
    }

    /// The opt-in offers near favorite stores; the news change, so the regions may too.
    pub fn set_offers_near_favorites(
        &self,
        on: bool,
        now: i64,
    ) -> Result<GeofenceUpdate, FeedError> {
        Ok(self.inner.set_offers_near_favorites(on, now)?.into())
    }

    /// A location fix (foreground, or a background wake-up).
    pub fn on_location(&self, fix: Fix, now: i64) -> Result<GeofenceUpdate, FeedError> {
        Ok(self.inner.on_location(fix, now)?.into())
    }

    /// The OS reported entering these regions (with a fix if the shell has one).
    pub fn on_regions_entered(
        &self,
        region_ids: Vec<String>,
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate, FeedError> {
        ids(&region_ids)?;
        Ok(self.inner.on_regions_entered(&region_ids, fix, now)?.into())
    }

    /// The OS reported leaving these regions (with a fix if the shell has one).
    pub fn on_regions_exited(
        &self,
        region_ids: Vec<String>,
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate, FeedError> {
        ids(&region_ids)?;
        Ok(self.inner.on_regions_exited(&region_ids, fix, now)?.into())
    }

    /// Background location ("always") was granted or taken away.
    pub fn on_permission_changed(
        &self,
        background_allowed: bool,
        now: i64,
    ) -> Result<GeofenceUpdate, FeedError> {
        Ok(self
            .inner
            .on_permission_changed(background_allowed, now)?
            .into())
    }

    /// The OS accepted the regions the last update asked for; `false` for a stale answer.
    pub fn regions_registered(&self, region_ids: Vec<String>) -> Result<bool, FeedError> {
        ids(&region_ids)?;
        Ok(self.inner.regions_registered(&region_ids)?)
    }

    /// The OS refused the regions: nothing counts as registered, the next event asks again.
    pub fn regions_refused(&self) -> Result<(), FeedError> {
        Ok(self.inner.regions_refused()?)
    }

    /// The regions the OS confirmed.
    pub fn registered_regions(&self) -> Vec<MonitorRegion> {
        self.inner.registered_regions()
    }
}
