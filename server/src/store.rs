//! The service's database behind one interface: [`Database`] runs a closure in one
//! transaction, [`Tx`] is what the closure may do. The rules (who may do what, how a code is
//! checked, when a card moves) are written once, in [`crate::service`], on top of [`Tx`]; the
//! two backends, SQLite ([`crate::sqlite`]) and PostgreSQL ([`crate::postgres`]), only store
//! and load rows.

use ehk_core::card::claims::CardId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Backend(String),
    /// A unique key is taken (an activation code's lookup part, a token).
    #[error("already taken")]
    Taken,
    /// Another transaction changed the same rows; the whole transaction may be retried.
    #[error("serialization conflict")]
    Conflict,
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardStatus {
    /// Created, no phone holds it yet.
    Waiting,
    /// A phone holds a credential of it.
    Active,
    Revoked,
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Waiting => "waiting",
            CardStatus::Active => "active",
            CardStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> StoreResult<CardStatus> {
        match s {
            "waiting" => Ok(CardStatus::Waiting),
            "active" => Ok(CardStatus::Active),
            "revoked" => Ok(CardStatus::Revoked),
            other => Err(StoreError::Backend(format!(
                "unknown card status {other:?}"
            ))),
        }
    }
}

/// A card as the issuer manages it (the holder's data; the credentials are separate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRow {
    pub id: i64,
    pub holder_name: String,
    /// Days since 1970.
    pub birthday: Option<i32>,
    /// `standard` or `gold`.
    pub card_type: String,
    pub region_id: u32,
    pub valid_from: i32,
    pub valid_until: Option<i32>,
    pub status: CardStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub lookup: String,
    pub card_id: i64,
    pub secret_hash: [u8; 32],
    pub created_at: i64,
    pub expires_at: i64,
    pub attempts: u32,
    pub used_at: Option<i64>,
    pub replaced_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub credential_id: CardId,
    pub card_id: i64,
    pub device_key: [u8; 32],
    pub credential: Vec<u8>,
    pub issued_at: i64,
    pub code_lookup: String,
    pub valid_until: Option<i32>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token_hash: [u8; 32],
    pub name: String,
    /// `project` or `region`.
    pub role: String,
    /// For `region`: the regions it may see and act on.
    pub regions: Vec<u32>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub card_id: Option<i64>,
    pub detail: String,
}

/// Which cards to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardQuery {
    /// Only these regions (`None`: all).
    pub regions: Option<Vec<u32>>,
    /// Holder names containing this, case-insensitive.
    pub name: Option<String>,
    pub status: Option<CardStatus>,
    pub limit: u32,
    pub offset: u32,
}

/// Totals for checks after a load test or a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub cards: u64,
    pub codes_used: u64,
    pub credentials: u64,
    pub active_credentials: u64,
    /// Cards with more than one credential that is not revoked: must always be 0.
    pub cards_with_two_active: u64,
    /// Used codes without a credential issued with them: must always be 0.
    pub used_codes_without_credential: u64,
}

/// What one transaction may do. Reads of a code and a card lock their rows until the end of
/// the transaction (PostgreSQL `FOR UPDATE`; SQLite has one writer at a time anyway).
pub trait Tx {
    fn insert_card(&mut self, card: &CardRow) -> StoreResult<i64>;
    fn card(&mut self, id: i64) -> StoreResult<Option<CardRow>>;
    fn update_card(&mut self, card: &CardRow) -> StoreResult<()>;
    fn find_cards(&mut self, query: &CardQuery) -> StoreResult<Vec<CardRow>>;

    /// [`StoreError::Taken`] when the lookup part exists.
    fn insert_code(&mut self, code: &CodeRow) -> StoreResult<()>;
    fn code(&mut self, lookup: &str) -> StoreResult<Option<CodeRow>>;
    fn update_code(&mut self, code: &CodeRow) -> StoreResult<()>;
    /// Marks the card's codes not yet replaced as replaced; returns how many.
    fn replace_codes(&mut self, card_id: i64, now: i64) -> StoreResult<u32>;

    fn insert_credential(&mut self, credential: &CredentialRow) -> StoreResult<()>;
    /// The card's credentials that are not revoked, oldest first.
    fn live_credentials(&mut self, card_id: i64) -> StoreResult<Vec<CredentialRow>>;
    /// Revokes the card's credentials that are not revoked; returns their ids.
    fn revoke_credentials(
        &mut self,
        card_id: i64,
        reason: &str,
        now: i64,
    ) -> StoreResult<Vec<CardId>>;
    /// Ids of revoked credentials still valid on `day` (or without an end).
    fn revoked_ids(&mut self, day: i32) -> StoreResult<Vec<CardId>>;

    /// The latest signed revocation list: version and bytes.
    fn latest_revocation_list(&mut self) -> StoreResult<Option<(u64, Vec<u8>)>>;
    fn insert_revocation_list(
        &mut self,
        version: u64,
        issued_at: i64,
        expires_at: i64,
        bytes: &[u8],
    ) -> StoreResult<()>;

    fn audit(&mut self, entry: &AuditEntry) -> StoreResult<()>;
    fn audit_log(&mut self, card_id: Option<i64>, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    fn insert_token(&mut self, token: &TokenRow) -> StoreResult<()>;
    fn token(&mut self, hash: &[u8; 32]) -> StoreResult<Option<TokenRow>>;
    /// Marks every live token held by `name` revoked at `now`; returns how many.
    fn revoke_tokens(&mut self, name: &str, now: i64) -> StoreResult<u64>;

    fn totals(&mut self) -> StoreResult<Totals>;
}

/// A database the service runs on.
pub trait Database: Send + Sync + 'static {
    type Tx<'a>: Tx
    where
        Self: 'a;

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled back on `Err`.
    /// On a [`StoreError::Conflict`] the whole transaction is run again (a few times).
    fn transaction<T, E: From<StoreError>>(
        &self,
        f: &mut dyn FnMut(&mut Self::Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E>;

    /// The backend's name, for logs and reports.
    fn kind(&self) -> &'static str;
}

pub(crate) fn regions_to_text(regions: &[u32]) -> String {
    regions
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn regions_from_text(text: &str) -> StoreResult<Vec<u32>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| StoreError::Backend(format!("bad region list {text:?}")))
        })
        .collect()
}

pub(crate) fn array<const N: usize>(bytes: Vec<u8>, what: &str) -> StoreResult<[u8; N]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Backend(format!("{what} has the wrong length")))
}
