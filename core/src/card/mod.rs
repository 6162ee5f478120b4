//! Volunteer cards: claims, QR encoding, device-bound presentations and verification.

pub mod claims;
pub mod presentation;
pub mod qr;
pub mod reason;
pub mod verify;
