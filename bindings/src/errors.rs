//! The public error enums. Their messages are fixed texts or numbers: never a holder's name,
//! a card's content or a file path.

use ehk_core::Error as CoreError;

/// Loading trust and revocation lists into a verifier.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TrustError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    #[error("the list is malformed")]
    Malformed,
    #[error("the list's signature does not verify")]
    BadSignature,
    #[error("version {offered} is not newer than the current version {current}")]
    VersionNotNewer { offered: u64, current: u64 },
    #[error("no trust list has been loaded")]
    NoTrustList,
    #[error("the signer is not in the trust list")]
    UnknownIssuer,
    #[error("the signer is not allowed to publish this list")]
    NotAllowed,
}

/// The holder's wallet.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum WalletError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    #[error("not a readable card")]
    InvalidCard,
    #[error("the card is bound to another device")]
    WrongDevice,
    #[error("no such card in the wallet")]
    CardNotFound,
    #[error("the key store failed: {detail}")]
    KeyStore { detail: String },
    #[error("the wallet database failed")]
    Storage,
}

/// Issuing cards and signing lists.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum IssueError {
    #[error("invalid request: {detail}")]
    InvalidRequest { detail: String },
    #[error("invalid key")]
    InvalidKey,
}

/// What a foreign key store (Android Keystore, iOS Keychain) reports.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    #[error("key store unavailable: {detail}")]
    Unavailable { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyStoreError::Unavailable { detail: e.reason }
    }
}

impl From<CoreError> for TrustError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::BadSignature(_) => TrustError::BadSignature,
            CoreError::VersionNotNewer {
                offered, current, ..
            } => TrustError::VersionNotNewer { offered, current },
            CoreError::NoTrustList => TrustError::NoTrustList,
            CoreError::UnknownIssuer(_) => TrustError::UnknownIssuer,
            CoreError::NotAllowed { .. } => TrustError::NotAllowed,
            CoreError::InvalidKey(_) => TrustError::InvalidArgument {
                detail: "not an Ed25519 public key".into(),
            },
            _ => TrustError::Malformed,
        }
    }
}

impl From<CoreError> for WalletError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::WrongDevice => WalletError::WrongDevice,
            CoreError::CardNotFound => WalletError::CardNotFound,
            CoreError::KeyStore(k) => WalletError::KeyStore {
                detail: k.to_string(),
            },
            CoreError::Malformed { what: "card", .. } => WalletError::InvalidCard,
            CoreError::InvalidRequest(detail) => WalletError::InvalidArgument { detail },
            CoreError::TimeOutOfRange(_) => WalletError::InvalidArgument {
                detail: "time out of range".into(),
            },
            _ => WalletError::Storage,
        }
    }
}

impl From<CoreError> for IssueError {
    fn from(e: CoreError) -> Self {
        match e {
            // Request errors are the core's own fixed texts; they never quote the name.
            CoreError::InvalidRequest(detail) => IssueError::InvalidRequest { detail },
            CoreError::TimeOutOfRange(_) => IssueError::InvalidRequest {
                detail: "time out of range".into(),
            },
            CoreError::NotAllowed { .. } => IssueError::InvalidRequest {
                detail: "the key is not allowed to do this by the trust list".into(),
            },
            CoreError::BadSignature(_)
            | CoreError::Malformed { .. }
            | CoreError::UnknownIssuer(_) => IssueError::InvalidRequest {
                detail: "a signed list is invalid".into(),
            },
            CoreError::Io(_) => IssueError::InvalidRequest {
                detail: "cannot write the output".into(),
            },
            _ => IssueError::InvalidKey,
        }
    }
}

/// The store database.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum StoreError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    /// A newer search cancelled this one; not a failure to show.
    #[error("cancelled by a newer search")]
    Interrupted,
    #[error("the store database failed")]
    Storage,
}

impl From<CoreError> for StoreError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Interrupted => StoreError::Interrupted,
            _ => StoreError::Storage,
        }
    }
}

/// A feed sync. Whatever the error, the database is unchanged.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum SyncError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    /// No connection, an HTTP error, a timeout or a broken download: try again later.
    #[error("network: {detail}")]
    Network { detail: String },
    /// A file did not match the signed manifest, or could not be read.
    #[error("the feed is damaged: {detail}")]
    Damaged { detail: String },
    #[error("a signature in the feed does not verify")]
    BadSignature,
    #[error("the feed signer is not allowed to publish stores")]
    NotAllowed,
    /// A replayed or rolled-back feed.
    #[error("version {offered} is not newer than the current version {current}")]
    VersionNotNewer { offered: u64, current: u64 },
    #[error("the feed has expired")]
    Expired,
    /// `cancel_sync` was called.
    #[error("the sync was cancelled")]
    Cancelled,
    #[error("the store database failed")]
    Storage,
}

impl From<CoreError> for SyncError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Network(detail) => SyncError::Network { detail },
            CoreError::HashMismatch(name) => SyncError::Damaged {
                detail: format!("{name} does not match the manifest"),
            },
            CoreError::Malformed { what, .. } => SyncError::Damaged {
                detail: format!("malformed {what}"),
            },
            CoreError::BadSignature(_) => SyncError::BadSignature,
            CoreError::NotAllowed { .. }
            | CoreError::UnknownIssuer(_)
            | CoreError::InvalidKey(_) => SyncError::NotAllowed,
            CoreError::VersionNotNewer {
                offered, current, ..
            } => SyncError::VersionNotNewer { offered, current },
            CoreError::Expired(_) => SyncError::Expired,
            CoreError::Interrupted => SyncError::Cancelled,
            _ => SyncError::Storage,
        }
    }
}
