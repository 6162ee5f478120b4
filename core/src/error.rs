//! The core's internal error type. Messages may name files and versions but never carry a
//! card holder's personal data; the FFI layer maps these onto a smaller public enum.

use crate::card::reason::InvalidReason;
use crate::keys::KeyId;
use crate::trust::list::Refusal;
use crate::wallet::keystore::KeyStoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid key: {0}")]
    InvalidKey(String),
    #[error("private key file {path} can be read by other users (mode {mode:03o}); run `chmod 600 {path}`")]
    KeyFilePermissions { path: String, mode: u32 },
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(rusqlite::Error),
    /// Cancelled: a search by a newer one, a sync or an activation by its caller.
    #[error("cancelled")]
    Interrupted,
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("the signature of the {0} does not verify")]
    BadSignature(&'static str),
    #[error("{what} version {offered} is not newer than the current version {current}")]
    VersionNotNewer {
        what: &'static str,
        offered: u64,
        current: u64,
    },
    #[error("no trust list has been loaded")]
    NoTrustList,
    #[error("key {0} is not in the trust list")]
    UnknownIssuer(String),
    #[error("key {signer} may not sign this: {refusal}")]
    NotAllowed { signer: KeyId, refusal: Refusal },
    #[error("invalid card request: {0}")]
    InvalidRequest(String),
    #[error("QR code: {0}")]
    Qr(String),
    #[error("key store: {0}")]
    KeyStore(#[from] KeyStoreError),
    #[error("no card with this id in the wallet")]
    CardNotFound,
    #[error("this card is bound to another device's key")]
    WrongDevice,
    /// The wallet refused a card: the verifier's reason (or `Expired`).
    #[error("the card was refused: {}", .0.code())]
    CardRefused(InvalidReason),
    #[error(
        "the wallet keeps the card it holds with this id: it was issued at the same time or later"
    )]
    NotNewerThanStored,
    #[error("network: {0}")]
    Network(String),
    /// The issuer's service did not activate the card; why, for the holder.
    #[error("activation: {0}")]
    Activation(#[from] crate::activation::ActivationError),
    #[error("{0} does not match the hash or size in the signed manifest")]
    HashMismatch(String),
    #[error("the {0} has expired")]
    Expired(&'static str),
    #[error("time {0} is outside the supported range")]
    TimeOutOfRange(i64),
    /// The app's pinned project does not hold together (a build or configuration error).
    #[error("the app's project pin is wrong: {0}")]
    BadProjectPin(String),
    /// A root-signed list of another project than the one the app pins.
    #[error("the {what} is of project {offered}, not of this app's project {pinned}")]
    WrongProject {
        what: &'static str,
        offered: u32,
        pinned: u32,
    },
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        // An interrupted FTS5 query can surface as a generic error whose message says so.
        let interrupted = e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
            || e.to_string().contains("interrupted");
        if interrupted {
            Error::Interrupted
        } else {
            Error::Database(e)
        }
    }
}

impl Error {
    pub fn malformed(what: &'static str, detail: impl Into<String>) -> Error {
        Error::Malformed {
            what,
            detail: detail.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
