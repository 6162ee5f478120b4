//! PostgreSQL, for deployments that run several instances of the service: a pool of
//! connections, migrations from `migrations/postgres/*.sql` in `schema_migrations` (under an
//! advisory lock, so instances starting together migrate once). Reads of a code or a card
//! lock the row (`FOR UPDATE`), so two activations of one code run one after the other; a
//! deadlock or serialization failure runs the transaction again.

use crate::store::{
    array, regions_from_text, regions_to_text, AuditEntry, CardQuery, CardRow, CardStatus, CodeRow,
    CredentialRow, Database, StoreError, StoreResult, TokenRow, Totals, Tx,
};
use ehk_core::card::claims::CardId;
use postgres::types::ToSql;
use postgres::{NoTls, Row};
use r2d2_postgres::PostgresConnectionManager;

const MIGRATIONS: &[&str] = &[include_str!("../migrations/postgres/0001_init.sql")];
/// Runs of a transaction that meets a conflict.
const ATTEMPTS: u32 = 5;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

fn backend(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Taken,
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            StoreError::Conflict
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

pub struct Postgres {
    /// Always `Some` until dropped.
    pool: Option<Pool>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // The client closes its connections on a runtime of its own, which must not start on
        // an async runtime's thread (where the service's last reference may go): there, the
        // pool is closed on a plain thread.
        if let Some(pool) = self.pool.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::spawn(move || drop(pool)).join();
            }
        }
    }
}

impl Postgres {
    /// Connects with `url` (a libpq connection string or URL) and migrates the schema.
    pub fn connect(url: &str, pool_size: u32) -> StoreResult<Postgres> {
        let config: postgres::Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Backend(format!("connection string: {e}")))?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Backend(format!("connecting: {e}")))?;
        let db = Postgres { pool: Some(pool) };
        db.migrate()?;
        Ok(db)
    }

    fn pool(&self) -> &Pool {
        self.pool.as_ref().expect("the pool lives until drop")
    }

    fn migrate(&self) -> StoreResult<()> {
        let mut conn = self
            .pool()
            .get()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut tx = conn.transaction().map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock(7264159)", &[])
            .map_err(backend)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)",
        )
        .map_err(backend)?;
        let version: i64 = tx
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )
            .map_err(backend)?
            .get(0);
        if version as usize > MIGRATIONS.len() {
            return Err(StoreError::Backend(format!(
                "the database has schema version {version}, newer than this program's {}",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).map_err(backend)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&((i + 1) as i64)],
            )
            .map_err(backend)?;
            log::info!("database schema migrated to version {}", i + 1);
        }
        tx.commit().map_err(backend)
    }
}

impl Database for Postgres {
    type Tx<'a> = PgTx<'a>;

    fn transaction<T, E: From<StoreError>>(
        &self,
        f: &mut dyn FnMut(&mut PgTx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self
            .pool()
            .get()
            .map_err(|e| StoreError::Backend(format!("no database connection: {e}")))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tx = conn.transaction().map_err(backend)?;
            let mut wrapped = PgTx {
                tx,
                conflict: false,
            };
            match f(&mut wrapped) {
                Ok(value) => match wrapped.tx.commit().map_err(backend) {
                    Ok(()) => return Ok(value),
                    Err(StoreError::Conflict) if attempt < ATTEMPTS => continue,
                    Err(e) => return Err(e.into()),
                },
                Err(e) => {
                    let retry = wrapped.conflict && attempt < ATTEMPTS;
                    drop(wrapped);
                    if !retry {
                        return Err(e);
                    }
                }
            }
        }
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }
}

pub struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    /// A statement met a conflict: the transaction may run again.
    conflict: bool,
}

impl PgTx<'_> {
    fn note(&mut self, e: postgres::Error) -> StoreError {
        let e = backend(e);
        if matches!(e, StoreError::Conflict) {
            self.conflict = true;
        }
        e
    }

    fn execute(&mut self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        match self.tx.execute(sql, args) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.note(e)),
        }
    }

    fn query(&mut self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        match self.tx.query(sql, args) {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.note(e)),
        }
    }

    fn query_opt(&mut self, sql: &str, args: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<Row>> {
        match self.tx.query_opt(sql, args) {
            Ok(row) => Ok(row),
            Err(e) => Err(self.note(e)),
        }
    }
}

const CARD_COLUMNS: &str = "id, holder_name, birthday, card_type, region_id, valid_from, \
     valid_until, status, created_at, updated_at";

fn int32(v: Option<i64>) -> Option<i32> {
    v.map(|v| v as i32)
}

fn card_row(r: &Row) -> StoreResult<CardRow> {
    Ok(CardRow {
        id: r.get(0),
        holder_name: r.get(1),
        birthday: int32(r.get(2)),
        card_type: r.get(3),
        region_id: r.get::<_, i64>(4) as u32,
        valid_from: r.get::<_, i64>(5) as i32,
        valid_until: int32(r.get(6)),
        status: CardStatus::parse(r.get(7))?,
        created_at: r.get(8),
        updated_at: r.get(9),
    })
}

fn code_row(r: &Row) -> StoreResult<CodeRow> {
    Ok(CodeRow {
        lookup: r.get(0),
        card_id: r.get(1),
        secret_hash: array(r.get(2), "code hash")?,
        created_at: r.get(3),
        expires_at: r.get(4),
        attempts: r.get::<_, i64>(5) as u32,
        used_at: r.get(6),
        replaced_at: r.get(7),
    })
}

fn credential_row(r: &Row) -> StoreResult<CredentialRow> {
    Ok(CredentialRow {
        credential_id: array(r.get(0), "credential id")?,
        card_id: r.get(1),
        device_key: array(r.get(2), "device key")?,
        credential: r.get(3),
        issued_at: r.get(4),
        code_lookup: r.get(5),
        valid_until: int32(r.get(6)),
        revoked_at: r.get(7),
        revoke_reason: r.get(8),
    })
}

fn day(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

impl Tx for PgTx<'_> {
    fn insert_card(&mut self, c: &CardRow) -> StoreResult<i64> {
        let row = match self.tx.query_one(
            "INSERT INTO cards (holder_name, birthday, card_type, region_id, valid_from, \
             valid_until, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &c.holder_name,
                &day(c.birthday),
                &c.card_type,
                &i64::from(c.region_id),
                &i64::from(c.valid_from),
                &day(c.valid_until),
                &c.status.as_str(),
                &c.created_at,
                &c.updated_at,
            ],
        ) {
            Ok(row) => row,
            Err(e) => return Err(self.note(e)),
        };
        Ok(row.get(0))
    }

    fn card(&mut self, id: i64) -> StoreResult<Option<CardRow>> {
        self.query_opt(
            &format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = $1 FOR UPDATE"),
            &[&id],
        )?
        .as_ref()
        .map(card_row)
        .transpose()
    }

    fn update_card(&mut self, c: &CardRow) -> StoreResult<()> {
        self.execute(
            "UPDATE cards SET holder_name = $2, birthday = $3, card_type = $4, region_id = $5, \
             valid_from = $6, valid_until = $7, status = $8, updated_at = $9 WHERE id = $1",
            &[
                &c.id,
                &c.holder_name,
                &day(c.birthday),
                &c.card_type,
                &i64::from(c.region_id),
                &i64::from(c.valid_from),
                &day(c.valid_until),
                &c.status.as_str(),
                &c.updated_at,
            ],
        )?;
        Ok(())
    }

    fn find_cards(&mut self, q: &CardQuery) -> StoreResult<Vec<CardRow>> {
        let regions: Option<Vec<i64>> = q
            .regions
            .as_ref()
            .map(|r| r.iter().map(|&r| i64::from(r)).collect());
        let name = q.name.as_ref().map(|n| format!("%{}%", n.to_lowercase()));
        let status = q.status.map(|s| s.as_str());
        let rows = self.query(
            &format!(
                "SELECT {CARD_COLUMNS} FROM cards \
                 WHERE ($1::BIGINT[] IS NULL OR region_id = ANY($1)) \
                 AND ($2::TEXT IS NULL OR lower(holder_name) LIKE $2) \
                 AND ($3::TEXT IS NULL OR status = $3) \
                 ORDER BY id LIMIT $4 OFFSET $5"
            ),
            &[
                &regions,
                &name,
                &status,
                &i64::from(q.limit),
                &i64::from(q.offset),
            ],
        )?;
        rows.iter().map(card_row).collect()
    }

    fn insert_code(&mut self, c: &CodeRow) -> StoreResult<()> {
        // A taken lookup must not abort the transaction: ON CONFLICT reports it instead.
        let n = self.execute(
            "INSERT INTO codes (lookup, card_id, secret_hash, created_at, expires_at, attempts, \
             used_at, replaced_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (lookup) DO NOTHING",
            &[
                &c.lookup,
                &c.card_id,
                &c.secret_hash.as_slice(),
                &c.created_at,
                &c.expires_at,
                &i64::from(c.attempts),
                &c.used_at,
                &c.replaced_at,
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Taken);
        }
        Ok(())
    }

    fn code(&mut self, lookup: &str) -> StoreResult<Option<CodeRow>> {
        self.query_opt(
            "SELECT lookup, card_id, secret_hash, created_at, expires_at, attempts, used_at, \
             replaced_at FROM codes WHERE lookup = $1 FOR UPDATE",
            &[&lookup],
        )?
        .as_ref()
        .map(code_row)
        .transpose()
    }

    fn update_code(&mut self, c: &CodeRow) -> StoreResult<()> {
        self.execute(
            "UPDATE codes SET attempts = $2, used_at = $3, replaced_at = $4 WHERE lookup = $1",
            &[
                &c.lookup,
                &i64::from(c.attempts),
                &c.used_at,
                &c.replaced_at,
            ],
        )?;
        Ok(())
    }

    fn replace_codes(&mut self, card_id: i64, now: i64) -> StoreResult<u32> {
        Ok(self.execute(
            "UPDATE codes SET replaced_at = $2 WHERE card_id = $1 AND replaced_at IS NULL",
            &[&card_id, &now],
        )? as u32)
    }

    fn insert_credential(&mut self, c: &CredentialRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO credentials (credential_id, card_id, device_key, credential, issued_at, \
             code_lookup, valid_until, revoked_at, revoke_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &c.credential_id.as_slice(),
                &c.card_id,
                &c.device_key.as_slice(),
                &c.credential,
                &c.issued_at,
                &c.code_lookup,
                &day(c.valid_until),
                &c.revoked_at,
                &c.revoke_reason,
            ],
        )?;
        Ok(())
    }

    fn live_credentials(&mut self, card_id: i64) -> StoreResult<Vec<CredentialRow>> {
        let rows = self.query(
            "SELECT credential_id, card_id, device_key, credential, issued_at, code_lookup, \
             valid_until, revoked_at, revoke_reason FROM credentials \
             WHERE card_id = $1 AND revoked_at IS NULL ORDER BY issued_at, credential_id",
            &[&card_id],
        )?;
        rows.iter().map(credential_row).collect()
    }

    fn revoke_credentials(
        &mut self,
        card_id: i64,
        reason: &str,
        now: i64,
    ) -> StoreResult<Vec<CardId>> {
        let rows = self.query(
            "UPDATE credentials SET revoked_at = $2, revoke_reason = $3 \
             WHERE card_id = $1 AND revoked_at IS NULL RETURNING credential_id",
            &[&card_id, &now, &reason],
        )?;
        rows.iter()
            .map(|r| array(r.get(0), "credential id"))
            .collect()
    }

    fn revoked_ids(&mut self, today: i32) -> StoreResult<Vec<CardId>> {
        let rows = self.query(
            "SELECT credential_id FROM credentials WHERE revoked_at IS NOT NULL \
             AND (valid_until IS NULL OR valid_until >= $1) ORDER BY credential_id",
            &[&i64::from(today)],
        )?;
        rows.iter()
            .map(|r| array(r.get(0), "credential id"))
            .collect()
    }

    fn latest_revocation_list(&mut self) -> StoreResult<Option<(u64, Vec<u8>)>> {
        Ok(self
            .query_opt(
                "SELECT version, bytes FROM revocation_lists ORDER BY version DESC LIMIT 1",
                &[],
            )?
            .map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
    }

    fn insert_revocation_list(
        &mut self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        bytes: &[u8],
    ) -> StoreResult<()> {
        self.execute(
            "INSERT INTO revocation_lists (version, issued_at, expires_at, bytes) VALUES ($1, $2, $3, $4)",
            &[&(version as i64), &issued_at, &expires_at, &bytes],
        )?;
        Ok(())
    }

    fn audit(&mut self, e: &AuditEntry) -> StoreResult<()> {
        self.execute(
            "INSERT INTO audit_log (at, actor, action, card_id, detail) VALUES ($1, $2, $3, $4, $5)",
            &[&e.at, &e.actor, &e.action, &e.card_id, &e.detail],
        )?;
        Ok(())
    }

    fn audit_log(&mut self, card_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = self.query(
            "SELECT at, actor, action, card_id, detail FROM audit_log \
             WHERE $1::BIGINT IS NULL OR card_id = $1 ORDER BY id DESC LIMIT $2",
            &[&card_id, &i64::from(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                actor: r.get(1),
                action: r.get(2),
                card_id: r.get(3),
                detail: r.get(4),
            })
            .collect())
    }

    fn insert_token(&mut self, t: &TokenRow) -> StoreResult<()> {
        self.execute(
            "INSERT INTO admin_tokens (token_hash, name, role, regions, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &t.token_hash.as_slice(),
                &t.name,
                &t.role,
                &regions_to_text(&t.regions),
                &t.created_at,
                &t.revoked_at,
            ],
        )?;
        Ok(())
    }

    fn revoke_tokens(&mut self, name: &str, now: i64) -> StoreResult<u64> {
        self.execute(
            "UPDATE admin_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
            &[&name, &now],
        )
    }

    fn token(&mut self, hash: &[u8; 32]) -> StoreResult<Option<TokenRow>> {
        self.query_opt(
            "SELECT token_hash, name, role, regions, created_at, revoked_at FROM admin_tokens \
             WHERE token_hash = $1",
            &[&hash.as_slice()],
        )?
        .map(|r| {
            Ok(TokenRow {
                token_hash: array(r.get(0), "token hash")?,
                name: r.get(1),
                role: r.get(2),
                regions: regions_from_text(r.get(3))?,
                created_at: r.get(4),
                revoked_at: r.get(5),
            })
        })
        .transpose()
    }

    fn totals(&mut self) -> StoreResult<Totals> {
        let mut count = |sql: &str| -> StoreResult<u64> {
            let row = self.query_opt(sql, &[])?;
            Ok(row.map_or(0, |r| r.get::<_, i64>(0) as u64))
        };
        Ok(Totals {
            cards: count("SELECT count(*) FROM cards")?,
            codes_used: count("SELECT count(*) FROM codes WHERE used_at IS NOT NULL")?,
            credentials: count("SELECT count(*) FROM credentials")?,
            active_credentials: count("SELECT count(*) FROM credentials WHERE revoked_at IS NULL")?,
            cards_with_two_active: count(
                "SELECT count(*) FROM (SELECT card_id FROM credentials WHERE revoked_at IS NULL \
                 GROUP BY card_id HAVING count(*) > 1) t",
            )?,
            used_codes_without_credential: count(
                "SELECT count(*) FROM codes WHERE used_at IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM credentials WHERE code_lookup = codes.lookup)",
            )?,
        })
    }
}
