//! Volunteer cards: claims, issuing, QR encoding, device-bound presentations and verification.

pub mod batch;
pub mod claims;
pub mod issue;
pub mod presentation;
pub mod qr;
pub mod reason;
pub mod verify;
