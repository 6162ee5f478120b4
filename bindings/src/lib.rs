//! UniFFI bindings of the Ehrenamtskarte phone core for Kotlin, Swift and Python.
//!
//! This crate only converts: the core's enums and records are exported as they are
//! (`types.rs`), one small error enum per area carries no personal data, and the foreign traits
//! (key store, logger, progress) let the phone shells provide platform services. Every decision
//! stays in `ehk-core`. The `issuer` feature adds the issuer's signing calls for the binding
//! tests; the phone library is built without it.

mod cancel;
mod errors;
mod feed_store;
#[cfg(feature = "issuer")]
mod issuer;
mod logging;
mod types;
mod verifier;
mod wallet;

pub use cancel::Cancellation;
pub use errors::{FeedError, KeyStoreError, TrustError, WalletError};
pub use feed_store::{FeedStore, GeofenceUpdate, Platform, ProgressListener, SyncReport};
#[cfg(feature = "issuer")]
pub use issuer::{IssueError, IssuerKey};
pub use logging::{set_logger, LogLevel, Logger};
pub use verifier::{Verification, Verifier};
pub use wallet::{KeyStore, Wallet};

uniffi::setup_scaffolding!("ehk");
