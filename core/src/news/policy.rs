//! When to notify: each item at most once, only after the holder dwelt inside (two fixes at
//! least N seconds apart), at most K a day, never in quiet hours, never for muted categories,
//! and only for fixes accurate enough that the whole accuracy circle lies inside the area.
//! State lives in SQLite so it survives the app being killed between geofence events.

use crate::day::Day;
use crate::error::{Error, Result};
use crate::news::index::NewsIndex;
use crate::news::model::{NewsCategory, NewsItem};
use crate::sqlite;
use chrono::{TimeZone, Timelike};
use chrono_tz::Europe::Berlin;
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicySettings {
    pub dwell_secs: i64,
    pub max_per_day: u32,
    /// Minutes after local midnight (Europe/Berlin); the quiet time may wrap past midnight.
    pub quiet_start_minute: u32,
    pub quiet_end_minute: u32,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            dwell_secs: 60,
            max_per_day: 3,
            quiet_start_minute: 22 * 60,
            quiet_end_minute: 7 * 60,
        }
    }
}

/// A notification the shell shows now.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub item: NewsItem,
    pub distance_m: f64,
}

pub struct NotificationPolicy {
    conn: Mutex<Connection>,
}

fn in_quiet_hours(settings: &PolicySettings, now: i64) -> bool {
    let Some(local) = Berlin.timestamp_opt(now, 0).single() else {
        return false;
    };
    let minute = local.hour() * 60 + local.minute();
    let (start, end) = (settings.quiet_start_minute, settings.quiet_end_minute);
    if start == end {
        false
    } else if start < end {
        (start..end).contains(&minute)
    } else {
        minute >= start || minute < end
    }
}

impl NotificationPolicy {
    /// The policy over a connection to the feed database (whose migrations made its tables).
    pub(crate) fn with_connection(conn: Connection) -> NotificationPolicy {
        NotificationPolicy {
            conn: Mutex::new(conn),
        }
    }

    /// A policy with its own in-memory feed database (tests, previews).
    pub fn open_in_memory() -> Result<NotificationPolicy> {
        Ok(NotificationPolicy::with_connection(sqlite::open_in_memory(
            &crate::stores::db::SCHEMA,
        )?))
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        sqlite::lock(&self.conn)
    }

    /// The muted categories.
    pub fn muted(&self) -> Result<Vec<NewsCategory>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT category FROM muted ORDER BY category")?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(names
            .iter()
            .filter_map(|n| NewsCategory::parse(n))
            .collect())
    }

    pub fn settings(&self) -> Result<PolicySettings> {
        let conn = self.conn();
        let stored = conn
            .query_row(
                "SELECT dwell_secs, max_per_day, quiet_start_minute, quiet_end_minute FROM settings WHERE id = 1",
                [],
                |r| {
                    Ok(PolicySettings {
                        dwell_secs: r.get(0)?,
                        max_per_day: r.get(1)?,
                        quiet_start_minute: r.get(2)?,
                        quiet_end_minute: r.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(stored.unwrap_or_default())
    }

    pub fn set_settings(&self, s: PolicySettings) -> Result<()> {
        if s.quiet_start_minute >= 1440 || s.quiet_end_minute >= 1440 || s.dwell_secs < 0 {
            return Err(Error::InvalidRequest(
                "quiet hours are minutes 0..1439; dwell is not negative".into(),
            ));
        }
        self.conn().execute(
            "INSERT INTO settings (id, dwell_secs, max_per_day, quiet_start_minute, quiet_end_minute)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET dwell_secs = excluded.dwell_secs, max_per_day = excluded.max_per_day,
                 quiet_start_minute = excluded.quiet_start_minute, quiet_end_minute = excluded.quiet_end_minute",
            params![s.dwell_secs, s.max_per_day, s.quiet_start_minute, s.quiet_end_minute],
        )?;
        Ok(())
    }

    pub fn set_muted(&self, category: NewsCategory, muted: bool) -> Result<()> {
        let conn = self.conn();
        if muted {
            conn.execute(
                "INSERT OR IGNORE INTO muted (category) VALUES (?1)",
                [category.as_str()],
            )?;
        } else {
            conn.execute("DELETE FROM muted WHERE category = ?1", [category.as_str()])?;
        }
        Ok(())
    }

    /// The notifications to show for a position fix with the given accuracy (metres), and the
    /// state they leave behind.
    pub fn on_position(
        &self,
        index: &NewsIndex,
        p: (f64, f64),
        accuracy_m: f64,
        now: i64,
    ) -> Result<Vec<Notification>> {
        self.on_position_dwelt(index, p, accuracy_m, &[], now)
    }

    /// As [`NotificationPolicy::on_position`], but the items named in `dwelt` count as dwelt
    /// already (the operating system's entry event stood in for the first fix): they notify on
    /// this fix if its whole accuracy circle lies inside their area and every other rule allows.
    pub fn on_position_dwelt(
        &self,
        index: &NewsIndex,
        p: (f64, f64),
        accuracy_m: f64,
        dwelt: &[String],
        now: i64,
    ) -> Result<Vec<Notification>> {
        let settings = self.settings()?;
        let accuracy = if accuracy_m.is_finite() {
            accuracy_m.max(0.0)
        } else {
            f64::INFINITY
        };
        let inside = index.containing(p, now, accuracy);
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // Leaving an area (not even the fix's centre is inside) ends the dwell.
        let dwelling: Vec<String> = tx
            .prepare("SELECT item_id FROM dwell")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in dwelling
            .iter()
            .filter(|id| !inside.iter().any(|hit| hit.item.id == **id))
        {
            tx.execute("DELETE FROM dwell WHERE item_id = ?1", [id])?;
        }
        let muted: Vec<String> = tx
            .prepare("SELECT category FROM muted")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut eligible = Vec::new();
        for hit in inside.iter().filter(|hit| hit.whole_fix_inside) {
            let (item, distance_m) = (hit.item, hit.distance_m);
            if muted.iter().any(|m| m == item.category.as_str()) {
                continue;
            }
            let notified: bool = tx
                .query_row(
                    "SELECT 1 FROM notified WHERE item_id = ?1",
                    [&item.id],
                    |_| Ok(true),
                )
                .optional()?
                .unwrap_or(false);
            if notified {
                continue;
            }
            let first: Option<i64> = tx
                .query_row(
                    "SELECT first_inside FROM dwell WHERE item_id = ?1",
                    [&item.id],
                    |r| r.get(0),
                )
                .optional()?;
            if first.is_none() {
                tx.execute(
                    "INSERT INTO dwell (item_id, first_inside) VALUES (?1, ?2)",
                    params![item.id, now],
                )?;
            }
            let dwelt_long_enough = dwelt.contains(&item.id)
                || first.is_some_and(|first| now.saturating_sub(first) >= settings.dwell_secs);
            if dwelt_long_enough {
                eligible.push(Notification {
                    item: item.clone(),
                    distance_m,
                });
            }
        }
        let mut shown = Vec::new();
        if !eligible.is_empty() && !in_quiet_hours(&settings, now) {
            let today = Day::in_berlin(now).map_or(0, |d| d.0);
            let sent_today: u32 = tx.query_row(
                "SELECT count(*) FROM notified WHERE day = ?1",
                [today],
                |r| r.get(0),
            )?;
            eligible.sort_by(|a, b| {
                b.item
                    .priority
                    .cmp(&a.item.priority)
                    .then(a.distance_m.total_cmp(&b.distance_m))
                    .then(a.item.id.cmp(&b.item.id))
            });
            for n in eligible
                .into_iter()
                .take(settings.max_per_day.saturating_sub(sent_today) as usize)
            {
                tx.execute(
                    "INSERT INTO notified (item_id, at, day) VALUES (?1, ?2, ?3)",
                    params![n.item.id, now, today],
                )?;
                tx.execute("DELETE FROM dwell WHERE item_id = ?1", [&n.item.id])?;
                shown.push(n);
            }
        }
        tx.commit()?;
        Ok(shown)
    }
}
