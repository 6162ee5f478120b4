//! UniFFI bindings of the Ehrenamtskarte core for Kotlin, Swift and Python.
//!
//! This crate only converts: records and enums mirror the core's types, one small error enum
//! per area carries no personal data, and the foreign traits (key store, logger) let the phone
//! shells provide platform services. Every decision stays in `ehk-core`.

mod convert;
mod errors;
mod issuer;
mod logging;
mod news;
mod stores;
mod verifier;
mod wallet;

pub use errors::{IssueError, KeyStoreError, StoreError, SyncError, TrustError, WalletError};
pub use issuer::{
    BatchCard, BatchDefaults, BatchReport, BatchRowError, CardRequest, IssuedCard, IssuerEntrySpec,
    IssuerKey, ProgressListener, TrustListSpec,
};
pub use logging::{set_logger, LogLevel, Logger};
pub use news::NewsEngine;
pub use stores::StoreDatabase;
pub use verifier::{Verification, Verifier};
pub use wallet::{KeyStore, Wallet};

uniffi::setup_scaffolding!("ehk");
