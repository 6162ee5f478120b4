//! The store database: one writer, a separate reader that keeps answering while a sync
//! applies (WAL), schema migrations keyed on `user_version`.

use crate::error::{Error, Result};
use crate::sqlite::{self, lock, Schema};
use crate::stores::fold::{category_token, fold, fold_street};
use crate::stores::model::{Category, Delta, Discount, Position, Region, Snapshot, StoreRecord};
use crate::trust::list::Scope;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// The phone's feed database: stores and signed lists (1), news policy and geofencing (2).
pub(crate) const SCHEMA: Schema = Schema {
    name: "feed database",
    migrations: &[
        include_str!("schema.sql"),
        include_str!("../news/schema.sql"),
    ],
};

/// Cancels one sync: the one it was given to. Clones share the same flag. A caller makes the
/// token before it starts the sync, so a cancel that comes before the sync has begun still
/// reaches it (the sync then stops at its first step); a cancel while the sync applies its data
/// interrupts the transaction, which rolls back.
#[derive(Clone, Default)]
pub struct SyncCancel {
    cancelled: Arc<AtomicBool>,
    applying: Arc<AtomicBool>,
    /// The writer connection's interrupt, set while the sync this token belongs to runs.
    writer: Arc<Mutex<Option<Arc<rusqlite::InterruptHandle>>>>,
}

impl std::fmt::Debug for SyncCancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncCancel")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl SyncCancel {
    pub fn new() -> SyncCancel {
        SyncCancel::default()
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        // `apply_sync` sets `applying` before it checks `cancelled`: either it sees the flag,
        // or this sees `applying` and interrupts the transaction.
        if self.applying.load(Ordering::SeqCst) {
            if let Some(writer) = lock(&self.writer).as_ref() {
                writer.interrupt();
            }
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// `Err(Error::Interrupted)` once cancelled: the check between the steps of a cancellable
    /// operation (a sync, an activation).
    pub fn check(&self) -> Result<()> {
        match self.is_cancelled() {
            true => Err(Error::Interrupted),
            false => Ok(()),
        }
    }
}

/// While alive, `StoreDb::cancel_sync` reaches this sync.
pub(crate) struct RunningSync<'a> {
    db: &'a StoreDb,
    token: SyncCancel,
}

impl Drop for RunningSync<'_> {
    fn drop(&mut self) {
        let mut running = self
            .db
            .running_sync
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if running
            .as_ref()
            .is_some_and(|t| Arc::ptr_eq(&t.cancelled, &self.token.cancelled))
        {
            *running = None;
        }
        *lock(&self.token.writer) = None;
    }
}

pub struct StoreDb {
    writer: Mutex<Connection>,
    pub(crate) reader: Mutex<Connection>,
    /// Searches run on a connection of their own, so that a new search interrupting the
    /// previous one never cuts short a nearby, favorites or detail query of another screen.
    searcher: Mutex<Connection>,
    interrupt: rusqlite::InterruptHandle,
    writer_interrupt: Arc<rusqlite::InterruptHandle>,
    /// The sync running now, if any: a cancel reaches that sync only.
    running_sync: Mutex<Option<SyncCancel>>,
}

impl StoreDb {
    pub fn open(path: &Path) -> Result<StoreDb> {
        let writer = sqlite::open_writer(path, &SCHEMA)?;
        let reader = sqlite::open_reader(path)?;
        let searcher = sqlite::open_reader(path)?;
        let interrupt = searcher.get_interrupt_handle();
        let writer_interrupt = Arc::new(writer.get_interrupt_handle());
        Ok(StoreDb {
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            searcher: Mutex::new(searcher),
            interrupt,
            writer_interrupt,
            running_sync: Mutex::new(None),
        })
    }

    pub(crate) fn reader(&self) -> MutexGuard<'_, Connection> {
        lock(&self.reader)
    }

    pub(crate) fn searcher(&self) -> MutexGuard<'_, Connection> {
        lock(&self.searcher)
    }

    /// Cancels the running search, if any (and only a search): search-as-you-type calls this
    /// before each new query so the previous one stops at once.
    pub fn interrupt(&self) {
        self.interrupt.interrupt();
    }

    /// Stops the running feed sync, if one runs: its download ends, or its transaction rolls
    /// back, and it returns `Error::Interrupted` with the database as it was. A cancel when no
    /// sync runs does nothing: it never reaches a later sync.
    pub fn cancel_sync(&self) {
        let running = self
            .running_sync
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(token) = running {
            token.cancel();
        }
    }

    /// Registers `token` as the running sync's until the returned guard is dropped.
    pub(crate) fn begin_sync(&self, token: &SyncCancel) -> RunningSync<'_> {
        *lock(&token.writer) = Some(self.writer_interrupt.clone());
        *self.running_sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        RunningSync {
            db: self,
            token: token.clone(),
        }
    }

    /// Applies a sync's verified data in one transaction, unless `token` was cancelled; a cancel
    /// while it runs interrupts the transaction, which then rolls back.
    pub(crate) fn apply_sync<T>(
        &self,
        token: &SyncCancel,
        f: impl FnOnce(&Transaction) -> Result<T>,
    ) -> Result<T> {
        token.applying.store(true, Ordering::SeqCst);
        let result = token.check().and_then(|()| self.write(f));
        token.applying.store(false, Ordering::SeqCst);
        match result {
            Err(_) if token.is_cancelled() => Err(Error::Interrupted),
            other => other,
        }
    }

    /// Runs `f` in one write transaction: all of it is applied, or nothing.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        // Give pages the write freed (a replaced snapshot, merged index segments) back to the
        // file system; the index flushes at commit, so this comes after it.
        let mut vacuum = conn.prepare_cached("PRAGMA incremental_vacuum")?;
        let mut steps = vacuum.query([])?;
        while steps.next()?.is_some() {}
        Ok(value)
    }

    pub fn feed_version(&self) -> Result<Option<u64>> {
        Ok(self
            .reader()
            .query_row("SELECT version FROM feed_state WHERE id = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .map(|v| v as u64))
    }

    pub fn manifest_etag(&self) -> Result<Option<String>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT manifest_etag FROM feed_state WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    pub fn store_count(&self) -> Result<u64> {
        Ok(self
            .reader()
            .query_row("SELECT count(*) FROM stores", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    pub fn categories(&self) -> Result<Vec<Category>> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT id, name_de, name_en, icon FROM categories ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Category {
                id: r.get(0)?,
                name_de: r.get(1)?,
                name_en: r.get(2)?,
                icon: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn regions(&self) -> Result<Vec<Region>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached("SELECT id, name FROM regions ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(Region {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One store with all its discounts.
    pub fn store(&self, id: i64) -> Result<Option<StoreRecord>> {
        read_store(&self.reader(), id)
    }

    /// Every store, sorted by id, as a snapshot of the given version (for publishing).
    pub fn snapshot(&self, version: u64) -> Result<Snapshot> {
        let conn = self.reader();
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM stores ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stores = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = read_store(&conn, id)? {
                stores.push(s);
            }
        }
        drop(conn);
        Ok(Snapshot {
            version,
            categories: self.categories()?,
            regions: self.regions()?,
            stores,
        })
    }

    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .reader()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    pub fn signed_list(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .reader()
            .query_row(
                "SELECT bytes FROM signed_lists WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn signed_lists(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let conn = self.reader();
        let mut stmt = conn.prepare("SELECT name, bytes FROM signed_lists ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn read_store(conn: &Connection, id: i64) -> Result<Option<StoreRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, category_id, street, house_number, postal_code, city, phone, email, website,
                latitude, longitude, region_id, discounts FROM stores WHERE id = ?1",
    )?;
    let row = stmt
        .query_row([id], |r| {
            let lat: Option<f64> = r.get(10)?;
            let lon: Option<f64> = r.get(11)?;
            Ok((
                StoreRecord {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    category_id: r.get(2)?,
                    street: r.get(3)?,
                    house_number: r.get(4)?,
                    postal_code: r.get(5)?,
                    city: r.get(6)?,
                    phone: r.get(7)?,
                    email: r.get(8)?,
                    website: r.get(9)?,
                    position: lat.zip(lon).map(Position::from),
                    region_id: r.get(12)?,
                    discounts: Vec::new(),
                },
                r.get::<_, Vec<u8>>(13)?,
            ))
        })
        .optional()?;
    let Some((mut store, discounts)) = row else {
        return Ok(None);
    };
    store.discounts = decode_discounts(&discounts)?;
    Ok(Some(store))
}

type DiscountRow = (String, String, Option<i32>, Option<i32>);

pub(crate) fn encode_discounts(discounts: &[Discount]) -> Vec<u8> {
    let rows: Vec<DiscountRow> = discounts
        .iter()
        .map(|d| {
            (
                d.text_de.clone(),
                d.text_en.clone(),
                d.valid_from,
                d.valid_until,
            )
        })
        .collect();
    let mut out = Vec::new();
    ciborium::ser::into_writer(&rows, &mut out).expect("writing CBOR into a Vec cannot fail");
    out
}

pub(crate) fn decode_discounts(bytes: &[u8]) -> Result<Vec<Discount>> {
    let rows: Vec<DiscountRow> = ciborium::de::from_reader(bytes)
        .map_err(|e| Error::malformed("stored discounts", e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(|(text_de, text_en, valid_from, valid_until)| Discount {
            text_de,
            text_en,
            valid_from,
            valid_until,
        })
        .collect())
}

/// Replaces categories and regions with the given lists.
pub(crate) fn write_reference_data(
    tx: &Transaction,
    categories: &[Category],
    regions: &[Region],
) -> Result<()> {
    tx.execute("DELETE FROM categories", [])?;
    tx.execute("DELETE FROM regions", [])?;
    let mut c = tx.prepare_cached(
        "INSERT INTO categories (id, name_de, name_en, icon) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for cat in categories {
        c.execute(params![cat.id, cat.name_de, cat.name_en, cat.icon])?;
    }
    let mut r = tx.prepare_cached("INSERT INTO regions (id, name) VALUES (?1, ?2)")?;
    for region in regions {
        r.execute(params![region.id, region.name])?;
    }
    Ok(())
}

/// Removes every store (favorites stay).
pub(crate) fn clear_stores(tx: &Transaction) -> Result<()> {
    tx.execute_batch(
        "DELETE FROM stores; DELETE FROM store_rtree;
         INSERT INTO store_fts (store_fts) VALUES ('delete-all');",
    )?;
    Ok(())
}

pub(crate) fn delete_store(tx: &Transaction, id: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM store_rtree WHERE id = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM store_fts WHERE rowid = ?1")?
        .execute([id])?;
    tx.prepare_cached("DELETE FROM stores WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Inserts a store, replacing one with the same id.
pub(crate) fn upsert_store(tx: &Transaction, s: &StoreRecord) -> Result<()> {
    delete_store(tx, s.id)?;
    insert_store(tx, s)
}

/// Inserts a store whose id is not in the database yet.
pub(crate) fn insert_store(tx: &Transaction, s: &StoreRecord) -> Result<()> {
    let (lat, lon) = s.position.map(Position::pair).unzip();
    tx.prepare_cached(
        "INSERT INTO stores (id, name, category_id, street, house_number, postal_code, city, phone, email,
                             website, latitude, longitude, region_id, discounts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        s.id,
        s.name,
        s.category_id,
        s.street,
        s.house_number,
        s.postal_code,
        s.city,
        s.phone,
        s.email,
        s.website,
        lat,
        lon,
        s.region_id,
        encode_discounts(&s.discounts)
    ])?;
    if let Some((lat, lon)) = s.position.map(Position::pair) {
        tx.prepare_cached("INSERT INTO store_rtree (id, min_lat, max_lat, min_lon, max_lon) VALUES (?1, ?2, ?2, ?3, ?3)")?
            .execute(params![s.id, lat, lon])?;
    }
    let discounts: Vec<&str> = s
        .discounts
        .iter()
        .flat_map(|d| [d.text_de.as_str(), d.text_en.as_str()])
        .collect();
    tx.prepare_cached(
        "INSERT INTO store_fts (rowid, name, discounts, city, street, category) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        s.id,
        fold(&s.name),
        fold(&discounts.join(" ")),
        fold(&s.city),
        fold_street(&s.street),
        category_token(s.category_id)
    ])?;
    Ok(())
}

pub(crate) fn set_feed_state(
    tx: &Transaction,
    version: u64,
    etag: Option<&str>,
    now: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO feed_state (id, version, manifest_etag, synced_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, manifest_etag = excluded.manifest_etag,
                                        synced_at = excluded.synced_at",
        params![version as i64, etag, now],
    )?;
    Ok(())
}

pub(crate) fn put_signed_list(
    tx: &Transaction,
    name: &str,
    version: u64,
    bytes: &[u8],
) -> Result<()> {
    tx.execute(
        "INSERT INTO signed_lists (name, version, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, bytes = excluded.bytes",
        params![name, version as i64, bytes],
    )?;
    Ok(())
}

/// Deletes every signed list whose name is not in `keep`.
/// [`StoreDb::forget_feed`] inside a larger transaction.
pub(crate) fn forget_feed(tx: &Transaction) -> Result<()> {
    clear_stores(tx)?;
    tx.execute_batch(
        "DELETE FROM signed_lists; DELETE FROM feed_state;
         DELETE FROM categories; DELETE FROM regions;",
    )?;
    Ok(())
}

pub(crate) fn retain_signed_lists(tx: &Transaction, keep: &[String]) -> Result<()> {
    let stored: Vec<String> = tx
        .prepare("SELECT name FROM signed_lists")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in stored.iter().filter(|n| !keep.contains(n)) {
        tx.execute("DELETE FROM signed_lists WHERE name = ?1", [name])?;
    }
    Ok(())
}

impl StoreDb {
    /// Forgets everything the feed brought (stores, signed lists, version and ETag); favorites
    /// stay. The way back from a feed state that refuses the real feed (a misused key pushed
    /// the version far ahead): the next sync starts afresh with a full snapshot, checked as
    /// always.
    pub fn forget_feed(&self) -> Result<()> {
        self.write(forget_feed)
    }

    /// The issuer's source database: replaces the stores with an imported list, in one
    /// transaction (a phone's database changes only through a checked sync).
    pub fn import_snapshot(&self, snapshot: &Snapshot) -> Result<()> {
        self.write(|tx| apply_snapshot(tx, snapshot))
    }

    /// Replaces the whole store list with a snapshot, in one transaction.
    pub fn replace_all(&self, snapshot: &Snapshot, now: i64) -> Result<()> {
        self.write(|tx| {
            apply_snapshot(tx, snapshot)?;
            set_feed_state(tx, snapshot.version, None, now)
        })
    }

    /// Applies a delta in one transaction; refuses one that does not start at this version.
    pub fn apply_delta(&self, delta: &Delta, now: i64) -> Result<()> {
        self.write(|tx| {
            apply_delta(tx, delta, &|_| Ok(()))?;
            set_feed_state(tx, delta.to_version, None, now)
        })
    }
}

pub(crate) fn apply_snapshot(tx: &Transaction, snapshot: &Snapshot) -> Result<()> {
    begin_snapshot(tx, &snapshot.categories, &snapshot.regions)?;
    for s in &snapshot.stores {
        insert_store(tx, s)?;
    }
    finish_snapshot(tx)
}

/// A snapshot replaces everything: the reference data, and every store (then added one by one
/// with [`insert_store`], and closed with [`finish_snapshot`]).
pub(crate) fn begin_snapshot(
    tx: &Transaction,
    categories: &[Category],
    regions: &[Region],
) -> Result<()> {
    write_reference_data(tx, categories, regions)?;
    clear_stores(tx)
}

pub(crate) fn finish_snapshot(tx: &Transaction) -> Result<()> {
    // One merged index segment: smaller, faster to search, and later deletes need not visit
    // every segment a bulk insert leaves behind.
    tx.execute("INSERT INTO store_fts (store_fts) VALUES ('optimize')", [])?;
    Ok(())
}

/// Asked for every part of the project a store feed's change touches: `Scope::Region` for a
/// store of a region (the one it moves to, and the one it leaves), `Scope::Project` for a
/// store without a region and for a change of the categories or regions.
pub(crate) type ScopeCheck<'a> = &'a dyn Fn(Scope) -> Result<()>;

fn scope_of(region_id: Option<u32>) -> Scope {
    region_id.map_or(Scope::Project, Scope::Region)
}

/// The region of the stored store `id`: `None` if there is no such store.
fn stored_region(tx: &Transaction, id: i64) -> Result<Option<Option<u32>>> {
    Ok(tx
        .prepare_cached("SELECT region_id FROM stores WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, Option<u32>>(0))
        .optional()?)
}

/// Whether `categories` and `regions` differ from the stored ones (in any order).
fn reference_data_differs(
    tx: &Transaction,
    categories: &[Category],
    regions: &[Region],
) -> Result<bool> {
    let mut stored_categories: Vec<(u32, String, String, String)> = tx
        .prepare_cached("SELECT id, name_de, name_en, icon FROM categories ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut given_categories: Vec<(u32, String, String, String)> = categories
        .iter()
        .map(|c| (c.id, c.name_de.clone(), c.name_en.clone(), c.icon.clone()))
        .collect();
    stored_categories.sort();
    given_categories.sort();
    let stored_regions: Vec<(u32, String)> = tx
        .prepare_cached("SELECT id, name FROM regions ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut given_regions: Vec<(u32, String)> =
        regions.iter().map(|r| (r.id, r.name.clone())).collect();
    given_regions.sort();
    Ok(stored_categories != given_categories || stored_regions != given_regions)
}

pub(crate) fn apply_delta(tx: &Transaction, delta: &Delta, may: ScopeCheck) -> Result<()> {
    let current: Option<i64> = tx
        .query_row("SELECT version FROM feed_state WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    if current != Some(delta.from_version as i64) {
        return Err(Error::malformed(
            "delta",
            format!(
                "starts at version {} but the database is at {current:?}",
                delta.from_version
            ),
        ));
    }
    if reference_data_differs(tx, &delta.categories, &delta.regions)? {
        may(Scope::Project)?;
    }
    write_reference_data(tx, &delta.categories, &delta.regions)?;
    for id in &delta.deletes {
        if let Some(region) = stored_region(tx, *id)? {
            may(scope_of(region))?;
        }
        delete_store(tx, *id)?;
    }
    for s in &delta.upserts {
        may(scope_of(s.region_id))?;
        match stored_region(tx, s.id)? {
            Some(old) if old != s.region_id => may(scope_of(old))?,
            _ => {}
        }
        upsert_store(tx, s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stores::model::{Discount, StoreRecord};
    use crate::stores::search::SearchQuery;

    fn store(id: i64, name: &str) -> StoreRecord {
        StoreRecord {
            id,
            name: name.into(),
            category_id: 0,
            street: String::new(),
            house_number: String::new(),
            postal_code: String::new(),
            city: "München".into(),
            phone: String::new(),
            email: String::new(),
            website: String::new(),
            position: Some(Position::new(48.137, 11.575)),
            region_id: None,
            discounts: vec![Discount {
                text_de: "10 %".into(),
                text_en: "10 %".into(),
                valid_from: None,
                valid_until: None,
            }],
        }
    }

    #[test]
    fn readers_keep_working_while_a_write_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = StoreDb::open(&dir.path().join("s.db")).unwrap();
        let snapshot = Snapshot {
            version: 1,
            categories: crate::stores::model::default_categories(),
            regions: Vec::new(),
            stores: vec![store(1, "Bäckerei Müller"), store(2, "Metzgerei Müller")],
        };
        db.replace_all(&snapshot, 0).unwrap();
        let search = |db: &StoreDb| {
            db.search(&SearchQuery {
                text: "müller".into(),
                limit: 10,
                ..Default::default()
            })
            .unwrap()
            .len()
        };
        let seen_during_write = db
            .write(|tx| {
                clear_stores(tx)?;
                // Another screen searches while the sync's transaction is open: it sees the
                // old data and is not blocked.
                Ok(search(&db))
            })
            .unwrap();
        assert_eq!(seen_during_write, 2);
        assert_eq!(search(&db), 0);
    }
}
