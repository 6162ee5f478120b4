//! The geofencing state machine both shells use: which regions the operating system should
//! monitor, when to register them anew, and which notifications a location event brings. The
//! shells only make the OS calls (register regions, take a fix, show notifications) and feed
//! the outcomes back in.
//!
//! Pure logic without a clock: every call takes `now` (Unix seconds). [`GeofenceState`] is
//! everything the machine remembers; it is serde-(de)serializable so the caller can keep it in
//! its database between events, as the app may be killed between two geofence events.
//!
//! Regions count as registered only after the shell reported that the OS accepted them
//! ([`GeofenceState::registration_succeeded`]); a refusal (e.g. the "always" location permission
//! is missing) leaves nothing registered, so the next event asks again.

use crate::error::{Error, Result};
use crate::news::index::{MonitorRegion, NewsIndex, REFRESH_REGION_ID};
use crate::news::policy::{Notification, NotificationPolicy};
use crate::stores::model::{check_position, distance_m};
use serde::{Deserialize, Serialize};

/// Android monitors at most 100 geofences per app.
pub const ANDROID_MAX_REGIONS: usize = 100;
/// iOS monitors at most 20 regions per app.
pub const IOS_MAX_REGIONS: usize = 20;
/// How long after an OS entry event a fix may confirm it (EntryEvents mode).
pub const ENTRY_CONFIRM_SECS: i64 = 120;
/// At most this many unconfirmed entry events are remembered.
const MAX_PENDING_ENTRIES: usize = 100;

/// How the OS reports the holder's presence in a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GeofenceMode {
    /// Android: the OS's dwell transition or repeated fixes; the policy's dwell rule (two fixes
    /// at least `dwell_secs` apart) decides.
    Dwell,
    /// iOS: one entry event and one fix. An entry event for an item's region, confirmed by a fix
    /// whose whole accuracy circle lies inside the item's area, counts as the dwell (the OS's
    /// entry hysteresis stands in for the second fix). Fixes without an entry event follow the
    /// dwell rule.
    EntryEvents,
}

/// A location fix: degrees and the accuracy radius in metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
}

impl Fix {
    pub fn new(latitude: f64, longitude: f64, accuracy_m: f64) -> Fix {
        Fix {
            latitude,
            longitude,
            accuracy_m,
        }
    }

    fn position(&self) -> (f64, f64) {
        (self.latitude, self.longitude)
    }

    /// A finite position on the globe and a finite, non-negative accuracy.
    fn check(&self) -> Result<()> {
        check_position(self.position())?;
        if !self.accuracy_m.is_finite() || self.accuracy_m < 0.0 {
            return Err(Error::InvalidRequest(
                "accuracy must be a finite, non-negative number of metres".into(),
            ));
        }
        Ok(())
    }
}

/// What the shell does after an event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeofenceUpdate {
    /// Show these notifications now.
    pub notify: Vec<Notification>,
    /// `Some`: replace every region the OS monitors with exactly these (the refresh circle
    /// last), then report the outcome with [`GeofenceState::registration_succeeded`] or
    /// [`GeofenceState::registration_failed`].
    pub register: Option<Vec<MonitorRegion>>,
}

/// An OS entry event not yet confirmed by a fix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Entry {
    id: String,
    at: i64,
}

/// Everything the geofencing machine remembers between events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeofenceState {
    mode: GeofenceMode,
    max_regions: usize,
    background_allowed: bool,
    /// The regions the OS confirmed; `None` until confirmed, after a failure, or when they are
    /// out of date (news reloaded, refresh circle left, permission revoked).
    registered: Option<Vec<MonitorRegion>>,
    /// The regions handed to the shell and not yet confirmed or refused.
    requested: Option<Vec<MonitorRegion>>,
    last_fix: Option<Fix>,
    last_fix_at: Option<i64>,
    /// EntryEvents mode: entry events waiting for a confirming fix.
    entries: Vec<Entry>,
}

impl GeofenceState {
    /// A fresh machine: nothing registered, no fix yet. `max_regions` is the OS's limit
    /// ([`ANDROID_MAX_REGIONS`], [`IOS_MAX_REGIONS`]); at least the refresh circle is asked for.
    pub fn new(mode: GeofenceMode, max_regions: usize, background_allowed: bool) -> GeofenceState {
        GeofenceState {
            mode,
            max_regions: max_regions.max(1),
            background_allowed,
            registered: None,
            requested: None,
            last_fix: None,
            last_fix_at: None,
            entries: Vec::new(),
        }
    }

    /// The Android machine: dwell mode, 100 regions.
    pub fn android(background_allowed: bool) -> GeofenceState {
        GeofenceState::new(GeofenceMode::Dwell, ANDROID_MAX_REGIONS, background_allowed)
    }

    /// The iOS machine: entry events, 20 regions.
    pub fn ios(background_allowed: bool) -> GeofenceState {
        GeofenceState::new(
            GeofenceMode::EntryEvents,
            IOS_MAX_REGIONS,
            background_allowed,
        )
    }

    /// The state as CBOR, for the caller's database; [`GeofenceState::from_bytes`] restores it
    /// exactly (JSON through serde works too, but may round the last digit of a coordinate).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        // Writing plain data into a Vec cannot fail.
        let _ = ciborium::into_writer(self, &mut bytes);
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<GeofenceState> {
        let mut state: GeofenceState =
            ciborium::from_reader(bytes).map_err(|e| Error::Malformed {
                what: "geofence state",
                detail: e.to_string(),
            })?;
        state.max_regions = state.max_regions.max(1);
        Ok(state)
    }

    pub fn mode(&self) -> GeofenceMode {
        self.mode
    }

    pub fn background_allowed(&self) -> bool {
        self.background_allowed
    }

    /// The regions the OS confirmed (the refresh circle last); `None` when nothing counts as
    /// registered.
    pub fn registered(&self) -> Option<&[MonitorRegion]> {
        self.registered.as_deref()
    }

    /// The regions handed to the shell whose outcome is not known yet.
    pub fn requested(&self) -> Option<&[MonitorRegion]> {
        self.requested.as_deref()
    }

    /// The last valid fix and when it was taken.
    pub fn last_fix(&self) -> Option<(Fix, i64)> {
        Some((self.last_fix?, self.last_fix_at?))
    }

    /// A location fix (any fix the app has).
    pub fn on_fix(
        &mut self,
        index: &NewsIndex,
        policy: &NotificationPolicy,
        fix: Fix,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        fix.check()?;
        self.handle_fix(index, policy, fix, now)
    }

    /// The OS reported entering the regions `region_ids`, with the fix the app took for it (if
    /// any). In EntryEvents mode each entered item's region counts as dwelt once a fix within
    /// [`ENTRY_CONFIRM_SECS`] confirms it (this one or a later one). Entries for the refresh
    /// circle or unknown ids change nothing.
    pub fn on_entered(
        &mut self,
        index: &NewsIndex,
        policy: &NotificationPolicy,
        region_ids: &[String],
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        if let Some(fix) = &fix {
            fix.check()?;
        }
        if self.mode == GeofenceMode::EntryEvents {
            for id in region_ids.iter().filter(|id| *id != REFRESH_REGION_ID) {
                self.entries.retain(|e| e.id != *id);
                self.entries.push(Entry {
                    id: id.clone(),
                    at: now,
                });
            }
            if self.entries.len() > MAX_PENDING_ENTRIES {
                let excess = self.entries.len() - MAX_PENDING_ENTRIES;
                self.entries.drain(..excess);
            }
        }
        match fix {
            Some(fix) => self.handle_fix(index, policy, fix, now),
            None => Ok(GeofenceUpdate::default()),
        }
    }

    /// The OS reported leaving the regions `region_ids`, with a fresh fix if the app has one.
    /// Leaving the refresh circle registers anew (around the fix, else the last known one).
    pub fn on_exited(
        &mut self,
        index: &NewsIndex,
        policy: &NotificationPolicy,
        region_ids: &[String],
        fix: Option<Fix>,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        if let Some(fix) = &fix {
            fix.check()?;
        }
        self.entries.retain(|e| !region_ids.contains(&e.id));
        if region_ids.iter().any(|id| id == REFRESH_REGION_ID) {
            self.registered = None;
        }
        match fix {
            Some(fix) => self.handle_fix(index, policy, fix, now),
            None => Ok(GeofenceUpdate {
                notify: Vec::new(),
                register: self.register_if_needed(index, None, now),
            }),
        }
    }

    /// The "always" (background) location permission changed. Granting it registers around
    /// the last known position at once; revoking it leaves nothing registered.
    pub fn on_permission_changed(
        &mut self,
        index: &NewsIndex,
        background_allowed: bool,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        let was_allowed = self.background_allowed;
        self.background_allowed = background_allowed;
        if !background_allowed {
            self.registered = None;
            self.requested = None;
        } else if !was_allowed {
            self.registered = None;
        }
        Ok(GeofenceUpdate {
            notify: Vec::new(),
            register: self.register_if_needed(index, None, now),
        })
    }

    /// The news changed (a feed sync, the favorite-offers setting): the registered regions are
    /// out of date; registers anew around the last known position.
    pub fn on_news_reloaded(&mut self, index: &NewsIndex, now: i64) -> Result<GeofenceUpdate> {
        self.registered = None;
        self.requested = None;
        Ok(GeofenceUpdate {
            notify: Vec::new(),
            register: self.register_if_needed(index, None, now),
        })
    }

    /// The OS accepted the requested regions. `region_ids` must be the ids of the last request
    /// (in any order); otherwise the report is stale and ignored. Returns whether it counted.
    pub fn registration_succeeded(&mut self, region_ids: &[String]) -> bool {
        let Some(requested) = &self.requested else {
            log::warn!("geofence: registration reported without a pending request; ignored");
            return false;
        };
        let mut expected: Vec<&str> = requested.iter().map(|r| r.id.as_str()).collect();
        let mut reported: Vec<&str> = region_ids.iter().map(String::as_str).collect();
        expected.sort_unstable();
        reported.sort_unstable();
        if expected != reported {
            log::warn!("geofence: registered regions do not match the request; ignored");
            return false;
        }
        self.registered = self.requested.take();
        true
    }

    /// The OS refused the requested regions: nothing counts as registered; the next fix,
    /// permission change or reload asks again.
    pub fn registration_failed(&mut self) {
        self.requested = None;
        self.registered = None;
    }

    fn handle_fix(
        &mut self,
        index: &NewsIndex,
        policy: &NotificationPolicy,
        fix: Fix,
        now: i64,
    ) -> Result<GeofenceUpdate> {
        let dwelt: Vec<String> = match self.mode {
            GeofenceMode::Dwell => Vec::new(),
            GeofenceMode::EntryEvents => {
                self.entries.retain(|e| {
                    now.saturating_sub(e.at).unsigned_abs() <= ENTRY_CONFIRM_SECS as u64
                });
                self.entries.iter().map(|e| e.id.clone()).collect()
            }
        };
        let notify =
            policy.on_position_dwelt(index, fix.position(), fix.accuracy_m, &dwelt, now)?;
        // Entries the fix confirmed are used up.
        self.entries
            .retain(|e| !notify.iter().any(|n| n.item.id == e.id));
        self.last_fix = Some(fix);
        self.last_fix_at = Some(now);
        let register = self.register_if_needed(index, Some(fix), now);
        Ok(GeofenceUpdate { notify, register })
    }

    /// Asks for a registration around `fix` (else the last known one) when nothing counts as
    /// registered or the fix lies outside the registered refresh circle, and background
    /// location is allowed. Without the permission nothing is asked; `registered` stays `None`
    /// so the grant registers at once.
    fn register_if_needed(
        &mut self,
        index: &NewsIndex,
        fix: Option<Fix>,
        now: i64,
    ) -> Option<Vec<MonitorRegion>> {
        let at = fix.or(self.last_fix)?.position();
        let needed = match &self.registered {
            None => true,
            Some(regions) => match regions.iter().rev().find(|r| r.refresh) {
                Some(r) => distance_m((r.latitude, r.longitude), at) > r.radius_m,
                None => true,
            },
        };
        if !needed {
            return None;
        }
        self.registered = None;
        if !self.background_allowed {
            self.requested = None;
            return None;
        }
        let regions = index.regions_to_monitor(at, self.max_regions, now);
        self.requested = Some(regions.clone());
        Some(regions)
    }
}
