//! The core's own enums and records, exported as they are (`#[uniffi::remote]`): no mirrored
//! copies and no conversions. Days travel as `YYYY-MM-DD` text, key ids as hex.

use ehk_core::activation::{ActivationProblem, ActivationPrompt};
use ehk_core::card::reason::{Flag, InvalidReason, Lang};
use ehk_core::feed::SyncOutcome;
use ehk_core::news::geofence::Fix;
use ehk_core::news::{MonitorRegion, NewsCategory, PolicySettings};
use ehk_core::stores::{Category, Position};
use ehk_core::wallet::{CardStatus, ClockStatus};
use ehk_core::{CardType, Day, KeyId, PresentationKind, Role, UpdateOutcome};

uniffi::custom_type!(Day, String, {
    remote,
    lower: |day| day.to_string(),
    try_lift: |text| Day::parse(&text).ok_or_else(|| uniffi::deps::anyhow::anyhow!("a day is YYYY-MM-DD")),
});

uniffi::custom_type!(KeyId, String, {
    remote,
    lower: |id| id.to_hex(),
    try_lift: |text| hex::decode(&text)
        .ok()
        .and_then(|b| KeyId::from_slice(&b))
        .ok_or_else(|| uniffi::deps::anyhow::anyhow!("a key id is 8 hex digits")),
});

#[uniffi::remote(Enum)]
pub enum CardType {
    Standard,
    Gold,
}

#[uniffi::remote(Enum)]
pub enum Lang {
    De,
    En,
}

/// Why a code was refused.
#[uniffi::remote(Enum)]
pub enum InvalidReason {
    NotACard,
    DamagedEncoding,
    NoTrustList,
    UnknownIssuer,
    BadIssuerSignature,
    IssuerKeyWithdrawn,
    IssuerKeyNotValidAtIssuance,
    IssuerNotAllowed,
    NotYetValid,
    Expired,
    Revoked,
    StalePresentation,
    BadDeviceSignature,
    DevicePresentationRequired,
    IssuedInFuture,
}

/// Warnings attached to a valid card.
#[uniffi::remote(Enum)]
pub enum Flag {
    RepeatScan,
    StaticCard,
    TrustListExpired,
    RevocationListExpired,
    RevocationListMissing,
}

#[uniffi::remote(Enum)]
pub enum PresentationKind {
    Static,
    DeviceBound,
}

#[uniffi::remote(Enum)]
pub enum UpdateOutcome {
    Updated,
    Unchanged,
}

#[uniffi::remote(Enum)]
pub enum Role {
    Cards,
    Stores,
    News,
}

#[uniffi::remote(Enum)]
pub enum CardStatus {
    NotYetValid,
    Valid,
    ExpiresSoon { days_left: i32 },
    Expired,
    Refused { reason: InvalidReason },
}

/// The wallet list's status line for a card.
#[uniffi::export]
pub fn card_status_text(status: CardStatus, lang: Lang) -> String {
    status.text(lang)
}

/// Whether a card with this status can be shown at a shop now.
#[uniffi::export]
pub fn card_status_usable(status: CardStatus) -> bool {
    status.is_usable()
}

#[uniffi::remote(Enum)]
pub enum ClockStatus {
    Plausible,
    Behind { by_secs: i64 },
    JumpedBack { by_secs: i64 },
}

#[uniffi::remote(Enum)]
pub enum NewsCategory {
    Event,
    Offer,
    Notice,
}

#[uniffi::remote(Enum)]
pub enum SyncOutcome {
    NotModified {
        version: u64,
    },
    UpToDate {
        version: u64,
    },
    Updated {
        from: Option<u64>,
        to: u64,
        via_delta: bool,
        downloaded_bytes: u64,
    },
}

#[uniffi::remote(Record)]
pub struct Category {
    pub id: u32,
    pub name_de: String,
    pub name_en: String,
    pub icon: String,
}

/// The notification policy: dwell time, daily limit, quiet hours (minutes after local midnight,
/// Europe/Berlin).
#[uniffi::remote(Record)]
pub struct PolicySettings {
    pub dwell_secs: i64,
    pub max_per_day: u32,
    pub quiet_start_minute: u32,
    pub quiet_end_minute: u32,
}

/// A circle for the operating system's geofencing; `refresh` marks the circle around the holder
/// whose exit means "ask again".
#[uniffi::remote(Record)]
pub struct MonitorRegion {
    pub id: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    pub refresh: bool,
}

/// A position on Earth in degrees.
#[uniffi::remote(Record)]
pub struct Position {
    pub latitude: f64,
    pub longitude: f64,
}

/// A location fix: degrees and the accuracy radius in metres.
#[uniffi::remote(Record)]
pub struct Fix {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: f64,
}

/// The short text for a reason, for display and screen readers.
#[uniffi::export]
pub fn reason_text(reason: InvalidReason, lang: Lang) -> String {
    reason.text(lang).to_string()
}

#[uniffi::export]
pub fn flag_text(flag: Flag, lang: Lang) -> String {
    flag.text(lang).to_string()
}

/// Why an activation did not work (`activation_problem` of the error), as the holder hears it
/// through `activation_problem_text`.
#[uniffi::remote(Enum)]
pub enum ActivationProblem {
    NotConfigured,
    CodeUnreadable,
    ForeignLink { origin: String },
    CodeInvalid,
    ClockWrong { server_time: i64, phone_time: i64 },
    RateLimited { retry_after_secs: u64 },
    ServiceRefused { code: String, detail: String },
    Offline,
    CardRefused { reason: InvalidReason },
    KeyStore,
    Cancelled,
    Failed,
}

/// The activation texts that are not problems: the move question, its buttons, the typing hint.
#[uniffi::remote(Enum)]
pub enum ActivationPrompt {
    MoveQuestion,
    MoveConfirm,
    MoveDecline,
    TypeCodeHint,
}

/// The holder's text for an activation problem.
#[uniffi::export]
pub fn activation_problem_text(problem: ActivationProblem, lang: Lang) -> String {
    problem.text(lang)
}

#[uniffi::export]
pub fn activation_prompt_text(prompt: ActivationPrompt, lang: Lang) -> String {
    prompt.text(lang)
}

/// The line shown after a card was activated (`moved`: it came from another phone).
#[uniffi::export]
pub fn activated_text(holder_name: String, moved: bool, lang: Lang) -> String {
    ehk_core::activation::activated_text(&holder_name, moved, lang)
}
