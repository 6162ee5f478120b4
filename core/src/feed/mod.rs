//! The signed feed from issuer to phones: static files any web server or CDN can serve.
//!
//! `manifest.cose` (COSE_Sign1 by an issuer key with the stores role) lists every artifact
//! with its SHA-256 and size: a compressed snapshot of the store list, deltas from recent
//! versions, the trust list and the revocation lists. Artifact files never change once
//! written; only the manifest is replaced.

pub mod manifest;
pub mod sync;

pub use crate::stores::db::SyncCancel;
pub use manifest::{Artifact, ArtifactKind, Manifest};
pub use sync::{sync, sync_cancellable, SyncOptions, SyncOutcome};
