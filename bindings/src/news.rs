//! Geofenced news as UniFFI objects: what applies at a position, the notification policy and
//! the regions the shell registers with the operating system's geofencing.

use crate::errors::IssueError;
use crate::issuer::IssuerKey;
use crate::stores::{Position, StoreDatabase};
use ehk_core::keys::public_key_from_bytes;
use ehk_core::news as core_news;
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum NewsCategory {
    Event,
    Offer,
    Notice,
}

impl From<core_news::NewsCategory> for NewsCategory {
    fn from(c: core_news::NewsCategory) -> Self {
        match c {
            core_news::NewsCategory::Event => NewsCategory::Event,
            core_news::NewsCategory::Offer => NewsCategory::Offer,
            core_news::NewsCategory::Notice => NewsCategory::Notice,
        }
    }
}

impl From<NewsCategory> for core_news::NewsCategory {
    fn from(c: NewsCategory) -> Self {
        match c {
            NewsCategory::Event => core_news::NewsCategory::Event,
            NewsCategory::Offer => core_news::NewsCategory::Offer,
            NewsCategory::Notice => core_news::NewsCategory::Notice,
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

fn news_item(item: &core_news::NewsItem, distance_m: f64) -> NewsItem {
    NewsItem {
        id: item.id.clone(),
        title_de: item.title_de.clone(),
        title_en: item.title_en.clone(),
        body_de: item.body_de.clone(),
        body_en: item.body_en.clone(),
        category: item.category.into(),
        priority: item.priority,
        valid_from: item.valid_from,
        valid_until: item.valid_until,
        store_id: item.store_id,
        distance_m,
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MonitorRegion {
    pub id: String,
    pub center: Position,
    pub radius_m: f64,
    /// The large circle around the holder: on leaving it, ask for regions again.
    pub refresh: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PolicySettings {
    pub dwell_secs: i64,
    pub max_per_day: u32,
    /// Minutes after local midnight (Europe/Berlin).
    pub quiet_start_minute: u32,
    pub quiet_end_minute: u32,
}

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum NewsError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    #[error("the news state could not be read or written")]
    Storage,
}

impl From<ehk_core::Error> for NewsError {
    fn from(e: ehk_core::Error) -> Self {
        match e {
            ehk_core::Error::InvalidRequest(detail) => NewsError::InvalidArgument { detail },
            _ => NewsError::Storage,
        }
    }
}

fn point(p: Position) -> Result<(f64, f64), NewsError> {
    crate::stores::in_range(p).ok_or_else(|| NewsError::InvalidArgument {
        detail: "position out of range".into(),
    })
}

/// The phone's news: the items of the last sync, the policy and its state.
#[derive(uniffi::Object)]
pub struct NewsEngine {
    index: RwLock<core_news::NewsIndex>,
    policy: core_news::NotificationPolicy,
}

#[uniffi::export]
impl NewsEngine {
    /// Opens (or creates) the policy state at `state_path`; no items until `reload`.
    #[uniffi::constructor]
    pub fn open(state_path: String) -> Result<Arc<Self>, NewsError> {
        if state_path.is_empty() {
            return Err(NewsError::InvalidArgument {
                detail: "the state path is empty".into(),
            });
        }
        Ok(Arc::new(NewsEngine {
            index: RwLock::new(core_news::NewsIndex::new(&[])),
            policy: core_news::NotificationPolicy::open(std::path::Path::new(&state_path))?,
        }))
    }

    /// Loads the news bundles the last sync brought (checked again against the trust list),
    /// plus, if `offers_near_favorites`, an offer for each favorite store with a discount.
    /// Returns how many items apply.
    pub fn reload(
        &self,
        stores: Arc<StoreDatabase>,
        root_public_key: Vec<u8>,
        now: i64,
        offers_near_favorites: bool,
    ) -> Result<u32, NewsError> {
        let root =
            public_key_from_bytes(&root_public_key).map_err(|_| NewsError::InvalidArgument {
                detail: "the root public key must be 32 bytes of a valid Ed25519 key".into(),
            })?;
        let bundles = ehk_core::feed::sync::news_from_db(stores.inner(), root, now)?;
        let favorites: Vec<ehk_core::stores::StoreSummary> = if offers_near_favorites {
            stores
                .inner()
                .favorites(None)?
                .into_iter()
                .filter_map(|f| f.store)
                .collect()
        } else {
            Vec::new()
        };
        let index = core_news::NewsIndex::with_favorite_offers(&bundles, &favorites, 150.0);
        let count = index.len() as u32;
        *self.index.write().unwrap_or_else(|p| p.into_inner()) = index;
        Ok(count)
    }

    /// The items valid now whose area contains the position, highest priority first.
    pub fn news_at(&self, position: Position, now: i64) -> Result<Vec<NewsItem>, NewsError> {
        let p = point(position)?;
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        Ok(index
            .news_at(p, now)
            .iter()
            .map(|h| news_item(&h.item, h.distance_m))
            .collect())
    }

    /// The notifications to show for this fix (accuracy in metres), under the policy.
    pub fn on_position(
        &self,
        position: Position,
        accuracy_m: f64,
        now: i64,
    ) -> Result<Vec<NewsItem>, NewsError> {
        let p = point(position)?;
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        Ok(self
            .policy
            .on_position(&index, p, accuracy_m, now)?
            .iter()
            .map(|n| news_item(&n.item, n.distance_m))
            .collect())
    }

    /// At most `max` circles for the OS (iOS 20, Android 100), the last the refresh circle.
    pub fn regions_to_monitor(
        &self,
        position: Position,
        max: u32,
        now: i64,
    ) -> Result<Vec<MonitorRegion>, NewsError> {
        let p = point(position)?;
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        Ok(index
            .regions_to_monitor(p, max as usize, now)
            .into_iter()
            .map(|r| MonitorRegion {
                id: r.id,
                center: Position {
                    latitude: r.latitude,
                    longitude: r.longitude,
                },
                radius_m: r.radius_m,
                refresh: r.refresh,
            })
            .collect())
    }

    pub fn set_muted(&self, category: NewsCategory, muted: bool) -> Result<(), NewsError> {
        Ok(self.policy.set_muted(category.into(), muted)?)
    }

    pub fn settings(&self) -> Result<PolicySettings, NewsError> {
        let s = self.policy.settings()?;
        Ok(PolicySettings {
            dwell_secs: s.dwell_secs,
            max_per_day: s.max_per_day,
            quiet_start_minute: s.quiet_start_minute,
            quiet_end_minute: s.quiet_end_minute,
        })
    }

    pub fn set_settings(&self, settings: PolicySettings) -> Result<(), NewsError> {
        Ok(self.policy.set_settings(core_news::PolicySettings {
            dwell_secs: settings.dwell_secs,
            max_per_day: settings.max_per_day,
            quiet_start_minute: settings.quiet_start_minute,
            quiet_end_minute: settings.quiet_end_minute,
        })?)
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
                    category: i.category.into(),
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
