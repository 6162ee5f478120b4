//! The phone's one entry object for everything that comes with the feed: the offline store
//! database, the verifier built from the synced trust and revocation lists, the news index,
//! the notification policy and the geofencing state, all in one SQLite database.
//!
//! It is opened once with the app's [`ProjectPin`]: the root key, the project id and the trust
//! list the app ships, which is the floor the stored trust list never goes below (a fresh phone
//! verifies cards with it before its first sync). Its [`FeedStore::sync`] refreshes its own
//! verifier, news index and geofence registration, so the shells have no after-sync wiring:
//! they ask it to verify, to search, for news, and feed it the operating system's location
//! events.

use crate::card::verify::{Verification, Verifier};
use crate::error::{Error, Result};
use crate::feed::sync::{
    checked_revocation_list, checked_trust_list, news_checked_by, revocation_name,
    sync_cancellable, verifier_from_db, SyncOptions, SyncOutcome, TRUST_LIST_NAME,
};
use crate::news::geofence::{Fix, GeofenceState, GeofenceUpdate};
use crate::news::index::{MonitorRegion, NewsHit, NewsIndex};
use crate::news::model::NewsCategory;
use crate::news::policy::{NotificationPolicy, PolicySettings};
use crate::progress::Progress;
use crate::sqlite;
use crate::stores::db::{forget_feed, put_signed_list, StoreDb, SyncCancel};
use crate::stores::model::Position;
use crate::trust::list::TrustList;
use crate::trust::pin::ProjectPin;
use ed25519_dalek::VerifyingKey;
use rusqlite::{params, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

/// How close to a favorite store with a discount the opt-in offer applies.
pub const FAVORITE_OFFER_RADIUS_M: f64 = 150.0;

/// Which operating system's geofencing the shell drives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Android: up to 100 geofences, dwell by repeated fixes.
    Android,
    /// iOS: up to 20 monitored regions, one entry event and one fix.
    Ios,
}

/// What a sync did, and what the shell must register with the OS now (the news may have
/// changed).
#[derive(Clone, Debug, PartialEq)]
pub struct FeedSyncReport {
    pub outcome: SyncOutcome,
    pub geofence: GeofenceUpdate,
}

pub struct FeedStore {
    db: StoreDb,
    pin: ProjectPin,
    platform: Platform,
    /// Replaced whole after a sync, never changed in place: a caller holding the old one keeps
    /// a consistent verifier.
    verifier: RwLock<Arc<Verifier>>,
    news: RwLock<NewsIndex>,
    policy: NotificationPolicy,
    /// The geofencing state, written through to the database after every change.
    geofence: Mutex<GeofenceState>,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|p| p.into_inner())
}

impl FeedStore {
    /// Opens (or creates) the feed database at `path` for the pinned project, and loads what
    /// the last sync brought. The shipped trust list replaces a stored one that is older (or
    /// missing); a database of another project or root is emptied first (logged). Lists whose
    /// signer is no longer allowed are skipped and logged, never fatal.
    pub fn open(path: &Path, pin: ProjectPin, platform: Platform, now: i64) -> Result<FeedStore> {
        let db = StoreDb::open(path)?;
        raise_to_floor(&db, &pin)?;
        let policy = NotificationPolicy::with_connection(sqlite::open_second_writer(path)?);
        let geofence = {
            let conn = policy.conn();
            let stored: Option<Vec<u8>> = conn
                .query_row("SELECT state FROM geofence_state WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            match stored.map(|b| GeofenceState::from_bytes(&b)) {
                Some(Ok(state)) => state,
                Some(Err(e)) => {
                    log::warn!("stored geofencing state unreadable, starting afresh: {e}");
                    new_geofence_state(platform)
                }
                None => new_geofence_state(platform),
            }
        };
        let store = FeedStore {
            verifier: RwLock::new(Arc::new(Verifier::new(pin.root()))),
            news: RwLock::new(NewsIndex::new(&[])),
            db,
            pin,
            platform,
            policy,
            geofence: Mutex::new(geofence),
        };
        store.reload_lists(now)?;
        Ok(store)
    }

    /// The store database: search, nearby, favorites, details.
    pub fn stores(&self) -> &StoreDb {
        &self.db
    }

    /// The project's root key this store was opened with.
    pub fn root(&self) -> VerifyingKey {
        self.pin.root()
    }

    /// The project this store was opened for.
    pub fn pin(&self) -> &ProjectPin {
        &self.pin
    }

    /// The default sync options for this store's project.
    pub fn sync_options(&self) -> SyncOptions {
        SyncOptions::new(self.pin.root(), self.pin.project_id())
    }

    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Rebuilds the verifier and the news index from the signed lists in the database. The
    /// verifier keeps its memory of codes already seen, so a repeat scan right after a sync is
    /// still flagged.
    fn reload_lists(&self, now: i64) -> Result<()> {
        let mut verifier = verifier_from_db(&self.db, self.pin.root())?;
        verifier.adopt_replay_cache(&read(&self.verifier));
        *write(&self.verifier) = Arc::new(verifier);
        self.reload_news(now)
    }

    /// Rebuilds the news index: the bundles checked against the verifier's trust list (whose
    /// signature was checked once, when the verifier loaded it), plus the offers near
    /// favorites when opted in. A favorite or an option changes only this, not the verifier.
    fn reload_news(&self, now: i64) -> Result<()> {
        let bundles = match read(&self.verifier).trust_list() {
            Some(trust) => news_checked_by(&self.db, trust, now)?,
            None => Vec::new(),
        };
        let favorites = if self.offers_near_favorites()? {
            self.db
                .favorites(None)?
                .into_iter()
                .filter_map(|f| f.store)
                .collect()
        } else {
            Vec::new()
        };
        *write(&self.news) =
            NewsIndex::with_favorite_offers(&bundles, &favorites, FAVORITE_OFFER_RADIUS_M);
        Ok(())
    }

    /// Takes a trust list and revocation lists that came by another way than the feed (with a
    /// card the issuer's service activated), checked exactly as the sync checks them: the trust
    /// list against the pinned root and project, its expiry and the stored version; each
    /// revocation list against the trust list then in force. A list no newer than the stored
    /// one is passed over (the stored one stays), a list whose signer may not publish one is
    /// skipped (logged); anything else that fails the checks fails the whole call and stores
    /// nothing. Returns whether anything was stored; the verifier is current afterwards.
    pub fn take_lists(
        &self,
        trust_list: Option<&[u8]>,
        revocation_lists: &[Vec<u8>],
        now: i64,
    ) -> Result<bool> {
        let stored = self.trust_list();
        let mut newer_trust = None;
        if let Some(bytes) = trust_list {
            match checked_trust_list(&self.db, bytes, self.pin.root(), self.pin.project_id(), now) {
                Ok(list) if stored.as_ref().map_or(true, |s| list.version > s.version) => {
                    newer_trust = Some((list, bytes))
                }
                Ok(_) | Err(Error::VersionNotNewer { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let Some(trust) = newer_trust.as_ref().map(|(l, _)| l.clone()).or(stored) else {
            return Err(Error::NoTrustList);
        };
        let mut revocations = Vec::new();
        for bytes in revocation_lists {
            match checked_revocation_list(&self.db, &trust, bytes) {
                Ok(Some((signer, version))) => revocations.push((signer, version, bytes)),
                Ok(None) | Err(Error::VersionNotNewer { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if newer_trust.is_none() && revocations.is_empty() {
            return Ok(false);
        }
        self.db.write(|tx| {
            if let Some((list, bytes)) = &newer_trust {
                put_signed_list(tx, TRUST_LIST_NAME, list.version, bytes)?;
            }
            for (signer, version, bytes) in &revocations {
                put_signed_list(tx, &revocation_name(*signer), *version, bytes)?;
            }
            Ok(())
        })?;
        self.reload_lists(now)?;
        Ok(true)
    }

    /// Brings the database up to date from the feed at `url`; on any failure it stays exactly
    /// as it was. After an update the verifier and the news are current, and the report says
    /// which regions to register. `cancel` (or [`FeedStore::cancel_sync`]) stops this sync.
    pub fn sync(
        &self,
        url: &str,
        options: &SyncOptions,
        now: i64,
        progress: &dyn Progress,
        cancel: &SyncCancel,
    ) -> Result<FeedSyncReport> {
        if options.root != self.pin.root() || options.project_id != self.pin.project_id() {
            return Err(Error::InvalidRequest(
                "the sync must use the feed store's root key and project".into(),
            ));
        }
        let outcome = sync_cancellable(&self.db, url, options, now, progress, cancel)?;
        let geofence = match outcome {
            SyncOutcome::Updated { .. } => {
                self.reload_lists(now)?;
                self.news_changed(now)?
            }
            _ => GeofenceUpdate::default(),
        };
        Ok(FeedSyncReport { outcome, geofence })
    }

    /// Forgets what the feed brought (favorites and news settings stay) and goes back to the
    /// shipped trust list: the documented way back when the stored feed state refuses the real
    /// feed. Cards verify on the shipped list; the next sync takes a full snapshot.
    pub fn reset_feed(&self, now: i64) -> Result<GeofenceUpdate> {
        self.db.write(|tx| {
            forget_feed(tx)?;
            install_floor(tx, &self.pin)
        })?;
        self.reload_lists(now)?;
        self.news_changed(now)
    }

    /// Stops the running sync, if any; see [`StoreDb::cancel_sync`].
    pub fn cancel_sync(&self) {
        self.db.cancel_sync();
    }

    /// Checks a scanned code against the synced trust and revocation lists.
    pub fn verify(&self, qr_text: &str, now: i64) -> Verification {
        read(&self.verifier).verify(qr_text, now)
    }

    /// The verifier of the lists synced so far (or the shipped trust list), for the wallet's
    /// check of a card it stores. A sync replaces it: ask again afterwards.
    pub fn verifier(&self) -> Arc<Verifier> {
        Arc::clone(&read(&self.verifier))
    }

    /// The trust list the verifier uses: the shipped one or a newer one a sync brought.
    pub fn trust_list(&self) -> Option<TrustList> {
        read(&self.verifier).trust_list().cloned()
    }

    /// The items valid now whose area contains the position, highest priority first.
    pub fn news_at(&self, position: Position, now: i64) -> Result<Vec<NewsHit>> {
        let p = position.checked()?.pair();
        Ok(read(&self.news).news_at(p, now))
    }

    pub fn news_count(&self) -> usize {
        read(&self.news).len()
    }

    pub fn policy(&self) -> &NotificationPolicy {
        &self.policy
    }

    pub fn settings(&self) -> Result<PolicySettings> {
        self.policy.settings()
    }

    pub fn set_settings(&self, settings: PolicySettings) -> Result<()> {
        self.policy.set_settings(settings)
    }

    pub fn muted_categories(&self) -> Result<Vec<NewsCategory>> {
        self.policy.muted()
    }

    pub fn set_muted(&self, category: NewsCategory, muted: bool) -> Result<()> {
        self.policy.set_muted(category, muted)
    }

    pub fn offers_near_favorites(&self) -> Result<bool> {
        Ok(self
            .policy
            .conn()
            .query_row(
                "SELECT offers_near_favorites FROM news_options WHERE id = 1",
                [],
                |r| r.get::<_, bool>(0),
            )
            .optional()?
            .unwrap_or(false))
    }

    /// The opt-in "you are near a favorite with a discount" offers. Changing it rebuilds the
    /// news and asks for the regions again.
    pub fn set_offers_near_favorites(&self, on: bool, now: i64) -> Result<GeofenceUpdate> {
        self.policy.conn().execute(
            "INSERT INTO news_options (id, offers_near_favorites) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET offers_near_favorites = excluded.offers_near_favorites",
            params![on],
        )?;
        self.reload_news(now)?;
        self.news_changed(now)
    }

    /// Marks or unmarks a favorite store; with offers near favorites on, the news follow.
    pub fn set_favorite(&self, store_id: i64, favorite: bool, now: i64) -> Result<bool> {
        let changed = self.db.set_favorite(store_id, favorite, now)?;
        if self.offers_near_favorites()? {
            self.reload_news(now)?;
        }
        Ok(changed)
    }

    fn news_changed(&self, now: i64) -> Result<GeofenceUpdate> {
        let index = read(&self.news);
        self.with_geofence(|state| state.on_news_reloaded(&index, now))
    }

    /// Runs one step of the geofencing state machine and writes the new state through.
    fn with_geofence(
        &self,
        step: impl FnOnce(&mut GeofenceState) -> Result<GeofenceUpdate>,
    ) -> Result<GeofenceUpdate> {
        let mut state = self.geofence.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = state.clone();
        let update = step(&mut next)?;
        // Most fixes change nothing: they write nothing.
        if next != *state {
            self.policy.conn().execute(
                "INSERT INTO geofence_state (id, state) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                params![next.to_bytes()],
            )?;
            *state = next;
        }
        Ok(update)
    }

    /// A location fix (foreground, or a background wake-up).
    pub fn on_location(&self, fix: Fix, now: i64) -> Result<GeofenceUpdate> {
        let index = read(&self.news);
        self.with_geofence(|s| s.on_fix(&index, &self.policy, fix, now))
    }

    /// The OS reported entering `region_ids`, with a fix if the shell has one.
    pub fn on_regions_entered(
        &self,
        region_ids: &[String],
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        let index = read(&self.news);
        self.with_geofence(|s| s.on_entered(&index, &self.policy, region_ids, fix, now))
    }

    /// The OS reported leaving `region_ids`, with a fix if the shell has one.
    pub fn on_regions_exited(
        &self,
        region_ids: &[String],
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        let index = read(&self.news);
        self.with_geofence(|s| s.on_exited(&index, &self.policy, region_ids, fix, now))
    }

    /// Background location ("always") was granted or taken away.
    pub fn on_permission_changed(
        &self,
        background_allowed: bool,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        let index = read(&self.news);
        self.with_geofence(|s| s.on_permission_changed(&index, background_allowed, now))
    }

    /// The OS accepted the regions the last update asked for. `false` when the ids are not
    /// those asked for (a stale answer): nothing changes.
    pub fn regions_registered(&self, region_ids: &[String]) -> Result<bool> {
        let mut accepted = false;
        self.with_geofence(|s| {
            accepted = s.registration_succeeded(region_ids);
            Ok(GeofenceUpdate::default())
        })?;
        Ok(accepted)
    }

    /// The OS refused the regions (no permission, too many): nothing counts as registered and
    /// the next event asks again.
    pub fn regions_refused(&self) -> Result<()> {
        self.with_geofence(|s| {
            s.registration_failed();
            Ok(GeofenceUpdate::default())
        })?;
        Ok(())
    }

    /// The regions the OS confirmed, if any.
    pub fn registered_regions(&self) -> Vec<MonitorRegion> {
        self.geofence
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .registered()
            .map(<[MonitorRegion]>::to_vec)
            .unwrap_or_default()
    }
}

fn install_floor(tx: &rusqlite::Transaction, pin: &ProjectPin) -> Result<()> {
    put_signed_list(
        tx,
        TRUST_LIST_NAME,
        pin.floor().version,
        pin.trust_list_bytes(),
    )
}

/// Brings the stored trust list up to the shipped one. A stored list of another project, or one
/// that does not verify against the pinned root (a database from before the pin, another
/// app's), takes the feed it came with along: everything the feed brought is dropped, so nothing
/// of another project is shown or trusted. A stored list newer than the shipped one stays.
fn raise_to_floor(db: &StoreDb, pin: &ProjectPin) -> Result<()> {
    let floor = pin.floor();
    let stored = match db.signed_list(TRUST_LIST_NAME)? {
        None => None,
        Some(bytes) => match TrustList::verify(&bytes, &pin.root()) {
            Ok(list) if list.project_id == pin.project_id() => Some((list.version, bytes)),
            Ok(list) => {
                log::warn!(
                    "the stored feed is of project {}, not of the app's project {}: dropped",
                    list.project_id,
                    pin.project_id()
                );
                None
            }
            Err(e) => {
                log::warn!("the stored trust list is not the pinned root's ({e}): the stored feed is dropped");
                None
            }
        },
    };
    match stored {
        None => db.write(|tx| {
            forget_feed(tx)?;
            install_floor(tx, pin)
        }),
        Some((version, _)) if version < floor.version => {
            log::info!(
                "stored trust list version {version} raised to the shipped version {}",
                floor.version
            );
            db.write(|tx| install_floor(tx, pin))
        }
        Some((version, bytes)) => {
            if version == floor.version && bytes != pin.trust_list_bytes() {
                // Two root-signed lists under one version: the root key was misused. The
                // stored one is kept; the feed's next list must be newer than both.
                log::warn!("the stored trust list differs from the shipped one of the same version {version}; the stored one is kept");
            }
            Ok(())
        }
    }
}

fn new_geofence_state(platform: Platform) -> GeofenceState {
    // Background permission is unknown until the shell reports it; assume it is there, so
    // the first fix asks for regions and a refusal is reported back like any other.
    match platform {
        Platform::Android => GeofenceState::android(true),
        Platform::Ios => GeofenceState::ios(true),
    }
}
