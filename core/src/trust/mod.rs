//! The trust model: the root key signs a trust list of issuer keys; each issuer signs its own
//! revocation list.

pub mod list;
pub mod pin;
pub mod revocation;
pub mod versions;
