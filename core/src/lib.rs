//! Ehrenamtskarte core: signed volunteer cards verified offline.
//!
//! The crate has no FFI code. Everything that depends on the clock takes `now` (Unix seconds)
//! as an argument, and nothing panics on input that comes from outside: QR text, files and
//! arguments are parsed into typed errors or an [`card::Verification::Invalid`] result.

pub mod activation;
pub mod atomic_file;
pub mod card;
mod cbor;
pub mod cose;
pub mod day;
pub mod error;
pub mod feed;
pub mod feed_store;
pub mod keys;
pub mod news;
pub mod progress;
mod sqlite;
pub mod stores;
pub mod trust;
pub mod wallet;

pub use card::claims::{CardClaims, CardType};
pub use card::presentation::{Presentation, PRESENTATION_STEP_SECS};
pub use card::qr::{QrPayload, CREDENTIAL_PREFIX, PRESENTATION_PREFIX};
pub use card::reason::{Flag, InvalidReason, Lang};
pub use card::verify::{PresentationKind, UpdateOutcome, ValidCard, Verification, Verifier};
pub use day::Day;
pub use error::Error;
pub use feed_store::{FeedStore, FeedSyncReport, Platform};
pub use keys::{IssuerKey, KeyId, PublicKey};
pub use trust::list::{IssuerEntry, Refusal, Role, Roles, Scope, SignedObject, TrustList};
pub use trust::pin::ProjectPin;
pub use trust::revocation::RevocationList;
pub use wallet::keystore::{FileKeyStore, KeyStore, KeyStoreError, MemoryKeyStore};
pub use wallet::{CardStatus, ClockStatus, Wallet, WalletCard};
