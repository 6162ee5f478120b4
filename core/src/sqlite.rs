//! One way to open every SQLite database of the phone core (the feed store and the wallet): the
//! same pragmas, each with its reason, and `.sql` migrations keyed on `PRAGMA user_version`.

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// A database's name (for messages) and its migrations: the SQL that takes the schema from
/// version `i` to `i + 1` is `migrations[i]`.
pub(crate) struct Schema {
    pub name: &'static str,
    pub migrations: &'static [&'static str],
}

/// Opens (or creates) the database at `path` for writing and brings its schema up to date.
pub(crate) fn open_writer(path: &Path, schema: &Schema) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    restrict_to_owner(path)?;
    prepare_writer(&mut conn, schema)?;
    Ok(conn)
}

/// A private in-memory database with the same schema (tests, previews).
pub(crate) fn open_in_memory(schema: &Schema) -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    prepare_writer(&mut conn, schema)?;
    Ok(conn)
}

/// A read-only connection to a database [`open_writer`] created; in WAL mode it keeps
/// answering while the writer applies a sync.
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    open_existing(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// A second writing connection to a database [`open_writer`] already migrated, for state that
/// must not wait behind the main writer's mutex (the news policy). SQLite serialises the writes.
pub(crate) fn open_second_writer(path: &Path) -> Result<Connection> {
    let conn = open_existing(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// Another connection to a database [`open_writer`] created (never creates one).
fn open_existing(path: &Path, access: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        access | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    tune(&conn)?;
    Ok(conn)
}

fn prepare_writer(conn: &mut Connection, schema: &Schema) -> Result<()> {
    // Pages a full snapshot frees go back to the file system after it applies; this can only
    // be chosen before the database has its first page.
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    }
    // Readers keep answering while one writer applies a sync.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // With WAL, NORMAL cannot corrupt the database; a power cut may lose the last commit only.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    tune(conn)?;
    migrate(conn, schema)
}

fn tune(conn: &Connection) -> Result<()> {
    // Android apps have no writable temporary directory: temporary tables stay in memory.
    conn.pragma_update(None, "temp_store", 2)?;
    // About 16 MB of page cache: the search index of 100 000 stores stays warm.
    conn.pragma_update(None, "cache_size", -16_000)?;
    // A second connection waits for the writer instead of failing at once.
    conn.busy_timeout(Duration::from_secs(10))?;
    Ok(())
}

/// Applies the migrations the database has not seen, in one transaction.
pub(crate) fn migrate(conn: &mut Connection, schema: &Schema) -> Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > schema.migrations.len() {
        return Err(Error::malformed(
            schema.name,
            format!("schema version {version} is newer than this app"),
        ));
    }
    let tx = conn.transaction()?;
    for (i, sql) in schema.migrations.iter().enumerate().skip(version) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Locks a connection. SQLite rolls back an unfinished transaction, so a lock poisoned by a
/// panic leaves nothing half done and is safe to reuse.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The databases hold names, birthdays and favourites: only their owner may read them.
#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

#[cfg(not(unix))]
fn restrict_to_owner(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        name: "test database",
        migrations: &["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"],
    };

    #[test]
    fn migrates_once_and_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = open_writer(&path, &SCHEMA).unwrap();
        let v: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, 2);
        drop(conn);
        // Opening again applies nothing twice.
        open_writer(&path, &SCHEMA).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let older = Schema {
            name: "test database",
            migrations: &["CREATE TABLE a (x INTEGER);"],
        };
        let err = open_writer(&path, &older).err().unwrap();
        assert!(err.to_string().contains("newer than this app"), "{err}");
    }
}
