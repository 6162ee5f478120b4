//! The embedded default: one SQLite file in WAL mode, migrations from
//! `migrations/sqlite/*.sql` counted in `PRAGMA user_version`. One connection behind a mutex;
//! every transaction begins IMMEDIATE, so writers never interleave.

use crate::store::{
    array, regions_from_text, regions_to_text, AuditEntry, CardQuery, CardRow, CardStatus, CodeRow,
    CredentialRow, Database, StoreError, StoreResult, TokenRow, Totals, Tx,
};
use ehk_core::card::claims::CardId;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

const MIGRATIONS: &[&str] = &[include_str!("../migrations/sqlite/0001_init.sql")];

fn backend(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return StoreError::Taken;
        }
        if f.code == rusqlite::ErrorCode::DatabaseBusy {
            return StoreError::Conflict;
        }
    }
    StoreError::Backend(e.to_string())
}

pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    /// Opens (or creates, mode 0600) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> StoreResult<Sqlite> {
        let existed = path.exists();
        let conn = Connection::open(path).map_err(backend)?;
        if !existed {
            set_private(path)?;
        }
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(backend)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(backend)?;
        // WAL with NORMAL: a committed transaction survives the process being killed; only a
        // power cut may lose the last ones, never corrupting the file.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(backend)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(backend)?;
        migrate(&conn)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }
}

#[cfg(unix)]
fn set_private(path: &Path) -> StoreResult<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| StoreError::Backend(format!("cannot make the database private: {e}")))
}

#[cfg(not(unix))]
fn set_private(_: &Path) -> StoreResult<()> {
    Ok(())
}

fn migrate(conn: &Connection) -> StoreResult<()> {
    let version: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(backend)?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Backend(format!(
            "the database has schema version {version}, newer than this program's {}",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.unchecked_transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", i + 1)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        log::info!("database schema migrated to version {}", i + 1);
    }
    Ok(())
}

impl Database for Sqlite {
    type Tx<'a> = SqliteTx<'a>;

    fn transaction<T, E: From<StoreError>>(
        &self,
        f: &mut dyn FnMut(&mut SqliteTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let mut wrapped = SqliteTx { tx };
        let value = f(&mut wrapped)?;
        wrapped.tx.commit().map_err(backend)?;
        Ok(value)
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }
}

pub struct SqliteTx<'a> {
    tx: rusqlite::Transaction<'a>,
}

fn card_row(r: &Row) -> rusqlite::Result<CardRow> {
    let status: String = r.get(7)?;
    Ok(CardRow {
        id: r.get(0)?,
        holder_name: r.get(1)?,
        birthday: r.get(2)?,
        card_type: r.get(3)?,
        region_id: r.get(4)?,
        valid_from: r.get(5)?,
        valid_until: r.get(6)?,
        status: CardStatus::parse(&status).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e))
        })?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

const CARD_COLUMNS: &str = "id, holder_name, birthday, card_type, region_id, valid_from, \
     valid_until, status, created_at, updated_at";

fn code_row(r: &Row) -> rusqlite::Result<(CodeRow, Vec<u8>)> {
    Ok((
        CodeRow {
            lookup: r.get(0)?,
            card_id: r.get(1)?,
            secret_hash: [0; 32],
            created_at: r.get(3)?,
            expires_at: r.get(4)?,
            attempts: r.get(5)?,
            used_at: r.get(6)?,
            replaced_at: r.get(7)?,
        },
        r.get(2)?,
    ))
}

fn credential_row(r: &Row) -> rusqlite::Result<(CredentialRow, Vec<u8>, Vec<u8>)> {
    Ok((
        CredentialRow {
            credential_id: [0; 8],
            card_id: r.get(1)?,
            device_key: [0; 32],
            credential: r.get(3)?,
            issued_at: r.get(4)?,
            code_lookup: r.get(5)?,
            valid_until: r.get(6)?,
            revoked_at: r.get(7)?,
            revoke_reason: r.get(8)?,
        },
        r.get(0)?,
        r.get(2)?,
    ))
}

fn finish_credential(
    (mut c, id, key): (CredentialRow, Vec<u8>, Vec<u8>),
) -> StoreResult<CredentialRow> {
    c.credential_id = array(id, "credential id")?;
    c.device_key = array(key, "device key")?;
    Ok(c)
}

impl Tx for SqliteTx<'_> {
    fn insert_card(&mut self, c: &CardRow) -> StoreResult<i64> {
        self.tx
            .execute(
                "INSERT INTO cards (holder_name, birthday, card_type, region_id, valid_from, \
                 valid_until, status, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    c.holder_name,
                    c.birthday,
                    c.card_type,
                    c.region_id,
                    c.valid_from,
                    c.valid_until,
                    c.status.as_str(),
                    c.created_at,
                    c.updated_at
                ],
            )
            .map_err(backend)?;
        Ok(self.tx.last_insert_rowid())
    }

    fn card(&mut self, id: i64) -> StoreResult<Option<CardRow>> {
        self.tx
            .query_row(
                &format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = ?1"),
                [id],
                card_row,
            )
            .optional()
            .map_err(backend)
    }

    fn update_card(&mut self, c: &CardRow) -> StoreResult<()> {
        self.tx
            .execute(
                "UPDATE cards SET holder_name = ?2, birthday = ?3, card_type = ?4, \
                 region_id = ?5, valid_from = ?6, valid_until = ?7, status = ?8, \
                 updated_at = ?9 WHERE id = ?1",
                params![
                    c.id,
                    c.holder_name,
                    c.birthday,
                    c.card_type,
                    c.region_id,
                    c.valid_from,
                    c.valid_until,
                    c.status.as_str(),
                    c.updated_at
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn find_cards(&mut self, q: &CardQuery) -> StoreResult<Vec<CardRow>> {
        let mut sql = format!("SELECT {CARD_COLUMNS} FROM cards WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(regions) = &q.regions {
            // Region ids are numbers: the list is built from them, not from text.
            sql.push_str(&format!(
                " AND region_id IN ({})",
                if regions.is_empty() {
                    "NULL".to_string()
                } else {
                    regions_to_text(regions)
                }
            ));
        }
        if let Some(name) = &q.name {
            args.push(format!("%{}%", name.to_lowercase()).into());
            sql.push_str(&format!(" AND lower(holder_name) LIKE ?{}", args.len()));
        }
        if let Some(status) = q.status {
            args.push(status.as_str().to_string().into());
            sql.push_str(&format!(" AND status = ?{}", args.len()));
        }
        sql.push_str(&format!(
            " ORDER BY id LIMIT {} OFFSET {}",
            q.limit, q.offset
        ));
        let mut stmt = self.tx.prepare(&sql).map_err(backend)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), card_row)
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn insert_code(&mut self, c: &CodeRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO codes (lookup, card_id, secret_hash, created_at, expires_at, \
                 attempts, used_at, replaced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.lookup,
                    c.card_id,
                    c.secret_hash.as_slice(),
                    c.created_at,
                    c.expires_at,
                    c.attempts,
                    c.used_at,
                    c.replaced_at
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn code(&mut self, lookup: &str) -> StoreResult<Option<CodeRow>> {
        let found = self
            .tx
            .query_row(
                "SELECT lookup, card_id, secret_hash, created_at, expires_at, attempts, \
                 used_at, replaced_at FROM codes WHERE lookup = ?1",
                [lookup],
                code_row,
            )
            .optional()
            .map_err(backend)?;
        found
            .map(|(mut c, hash)| {
                c.secret_hash = array(hash, "code hash")?;
                Ok(c)
            })
            .transpose()
    }

    fn update_code(&mut self, c: &CodeRow) -> StoreResult<()> {
        self.tx
            .execute(
                "UPDATE codes SET attempts = ?2, used_at = ?3, replaced_at = ?4 \
                 WHERE lookup = ?1",
                params![c.lookup, c.attempts, c.used_at, c.replaced_at],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn replace_codes(&mut self, card_id: i64, now: i64) -> StoreResult<u32> {
        let n = self
            .tx
            .execute(
                "UPDATE codes SET replaced_at = ?2 WHERE card_id = ?1 AND replaced_at IS NULL",
                params![card_id, now],
            )
            .map_err(backend)?;
        Ok(n as u32)
    }

    fn insert_credential(&mut self, c: &CredentialRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO credentials (credential_id, card_id, device_key, credential, \
                 issued_at, code_lookup, valid_until, revoked_at, revoke_reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    c.credential_id.as_slice(),
                    c.card_id,
                    c.device_key.as_slice(),
                    c.credential,
                    c.issued_at,
                    c.code_lookup,
                    c.valid_until,
                    c.revoked_at,
                    c.revoke_reason
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn live_credentials(&mut self, card_id: i64) -> StoreResult<Vec<CredentialRow>> {
        let mut stmt = self
            .tx
            .prepare(
                "SELECT credential_id, card_id, device_key, credential, issued_at, \
                 code_lookup, valid_until, revoked_at, revoke_reason FROM credentials \
                 WHERE card_id = ?1 AND revoked_at IS NULL ORDER BY issued_at, rowid",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([card_id], credential_row)
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        rows.into_iter().map(finish_credential).collect()
    }

    fn revoke_credentials(
        &mut self,
        card_id: i64,
        reason: &str,
        now: i64,
    ) -> StoreResult<Vec<CardId>> {
        let ids: Vec<CardId> = self
            .live_credentials(card_id)?
            .into_iter()
            .map(|c| c.credential_id)
            .collect();
        self.tx
            .execute(
                "UPDATE credentials SET revoked_at = ?2, revoke_reason = ?3 \
                 WHERE card_id = ?1 AND revoked_at IS NULL",
                params![card_id, now, reason],
            )
            .map_err(backend)?;
        Ok(ids)
    }

    fn revoked_ids(&mut self, day: i32) -> StoreResult<Vec<CardId>> {
        let mut stmt = self
            .tx
            .prepare(
                "SELECT credential_id FROM credentials WHERE revoked_at IS NOT NULL \
                 AND (valid_until IS NULL OR valid_until >= ?1) ORDER BY credential_id",
            )
            .map_err(backend)?;
        let ids = stmt
            .query_map([day], |r| r.get::<_, Vec<u8>>(0))
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        ids.into_iter()
            .map(|id| array(id, "credential id"))
            .collect()
    }

    fn latest_revocation_list(&mut self) -> StoreResult<Option<(u64, Vec<u8>)>> {
        self.tx
            .query_row(
                "SELECT version, bytes FROM revocation_lists ORDER BY version DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
            )
            .optional()
            .map_err(backend)
    }

    fn insert_revocation_list(
        &mut self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        bytes: &[u8],
    ) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO revocation_lists (version, issued_at, expires_at, bytes) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![version as i64, issued_at, expires_at, bytes],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn audit(&mut self, e: &AuditEntry) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO audit_log (at, actor, action, card_id, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![e.at, e.actor, e.action, e.card_id, e.detail],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn audit_log(&mut self, card_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let mut stmt = self
            .tx
            .prepare(
                "SELECT at, actor, action, card_id, detail FROM audit_log \
                 WHERE ?1 IS NULL OR card_id = ?1 ORDER BY id DESC LIMIT ?2",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![card_id, limit], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    card_id: r.get(3)?,
                    detail: r.get(4)?,
                })
            })
            .map_err(backend)?;
        rows.collect::<Result<_, _>>().map_err(backend)
    }

    fn insert_token(&mut self, t: &TokenRow) -> StoreResult<()> {
        self.tx
            .execute(
                "INSERT INTO admin_tokens (token_hash, name, role, regions, created_at, \
                 revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.token_hash.as_slice(),
                    t.name,
                    t.role,
                    regions_to_text(&t.regions),
                    t.created_at,
                    t.revoked_at
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn revoke_tokens(&mut self, name: &str, now: i64) -> StoreResult<u64> {
        let n = self
            .tx
            .execute(
                "UPDATE admin_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, now],
            )
            .map_err(backend)?;
        Ok(n as u64)
    }

    fn token(&mut self, hash: &[u8; 32]) -> StoreResult<Option<TokenRow>> {
        let found = self
            .tx
            .query_row(
                "SELECT token_hash, name, role, regions, created_at, revoked_at \
                 FROM admin_tokens WHERE token_hash = ?1",
                [hash.as_slice()],
                |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(backend)?;
        found
            .map(|(h, name, role, regions, created_at, revoked_at)| {
                Ok(TokenRow {
                    token_hash: array(h, "token hash")?,
                    name,
                    role,
                    regions: regions_from_text(&regions)?,
                    created_at,
                    revoked_at,
                })
            })
            .transpose()
    }

    fn totals(&mut self) -> StoreResult<Totals> {
        let count = |sql: &str| -> StoreResult<u64> {
            self.tx
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(backend)
        };
        Ok(Totals {
            cards: count("SELECT count(*) FROM cards")?,
            codes_used: count("SELECT count(*) FROM codes WHERE used_at IS NOT NULL")?,
            credentials: count("SELECT count(*) FROM credentials")?,
            active_credentials: count("SELECT count(*) FROM credentials WHERE revoked_at IS NULL")?,
            cards_with_two_active: count(
                "SELECT count(*) FROM (SELECT card_id FROM credentials WHERE revoked_at IS NULL \
                 GROUP BY card_id HAVING count(*) > 1)",
            )?,
            used_codes_without_credential: count(
                "SELECT count(*) FROM codes WHERE used_at IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM credentials WHERE code_lookup = codes.lookup)",
            )?,
        })
    }
}
