//! Records and enums that mirror the core's types, and their conversions.

use ehk_core::card::reason as core_reason;
use ehk_core::wallet as core_wallet;
use ehk_core::Day;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardType {
    Standard,
    Gold,
}

impl From<ehk_core::CardType> for CardType {
    fn from(t: ehk_core::CardType) -> Self {
        match t {
            ehk_core::CardType::Standard => CardType::Standard,
            ehk_core::CardType::Gold => CardType::Gold,
        }
    }
}

impl From<CardType> for ehk_core::CardType {
    fn from(t: CardType) -> Self {
        match t {
            CardType::Standard => ehk_core::CardType::Standard,
            CardType::Gold => ehk_core::CardType::Gold,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Lang {
    De,
    En,
}

impl From<Lang> for core_reason::Lang {
    fn from(l: Lang) -> Self {
        match l {
            Lang::De => core_reason::Lang::De,
            Lang::En => core_reason::Lang::En,
        }
    }
}

/// Why a code was refused. Mirrors the core's reasons one to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
}

macro_rules! mirror {
    ($ffi:ident, $core:path, [$($v:ident),*]) => {
        impl From<$core> for $ffi {
            fn from(x: $core) -> Self {
                match x { $(<$core>::$v => $ffi::$v,)* }
            }
        }
        impl From<$ffi> for $core {
            fn from(x: $ffi) -> Self {
                match x { $($ffi::$v => <$core>::$v,)* }
            }
        }
    };
}

mirror!(
    InvalidReason,
    core_reason::InvalidReason,
    [
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
        DevicePresentationRequired
    ]
);

/// Warnings attached to a valid card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Flag {
    RepeatScan,
    StaticCard,
    TrustListExpired,
    RevocationListExpired,
    RevocationListMissing,
}

mirror!(
    Flag,
    core_reason::Flag,
    [
        RepeatScan,
        StaticCard,
        TrustListExpired,
        RevocationListExpired,
        RevocationListMissing
    ]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PresentationKind {
    Static,
    DeviceBound,
}

mirror!(
    PresentationKind,
    ehk_core::PresentationKind,
    [Static, DeviceBound]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UpdateOutcome {
    Updated,
    Unchanged,
}

mirror!(UpdateOutcome, ehk_core::UpdateOutcome, [Updated, Unchanged]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Role {
    Cards,
    Stores,
    News,
}

mirror!(Role, ehk_core::Role, [Cards, Stores, News]);

/// The short text for a reason, for display and screen readers.
#[uniffi::export]
pub fn reason_text(reason: InvalidReason, lang: Lang) -> String {
    core_reason::InvalidReason::from(reason)
        .text(lang.into())
        .to_string()
}

#[uniffi::export]
pub fn flag_text(flag: Flag, lang: Lang) -> String {
    core_reason::Flag::from(flag).text(lang.into()).to_string()
}

/// A calendar day as `YYYY-MM-DD`.
pub fn day_text(d: Day) -> String {
    d.to_string()
}

pub fn parse_day(text: &str, what: &str) -> Result<Day, String> {
    Day::parse(text).ok_or_else(|| format!("{what} must be a YYYY-MM-DD date"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CardStatus {
    NotYetValid,
    Valid,
    ExpiresSoon { days_left: i32 },
    Expired,
}

impl From<core_wallet::CardStatus> for CardStatus {
    fn from(s: core_wallet::CardStatus) -> Self {
        match s {
            core_wallet::CardStatus::NotYetValid => CardStatus::NotYetValid,
            core_wallet::CardStatus::Valid => CardStatus::Valid,
            core_wallet::CardStatus::ExpiresSoon { days_left } => {
                CardStatus::ExpiresSoon { days_left }
            }
            core_wallet::CardStatus::Expired => CardStatus::Expired,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ClockStatus {
    Plausible,
    Behind { by_secs: i64 },
    JumpedBack { by_secs: i64 },
}

impl From<core_wallet::ClockStatus> for ClockStatus {
    fn from(s: core_wallet::ClockStatus) -> Self {
        match s {
            core_wallet::ClockStatus::Plausible => ClockStatus::Plausible,
            core_wallet::ClockStatus::Behind { by_secs } => ClockStatus::Behind { by_secs },
            core_wallet::ClockStatus::JumpedBack { by_secs } => ClockStatus::JumpedBack { by_secs },
        }
    }
}
