//! Activation: how a phone gets a device-bound card from the issuer's service with the code
//! from the holder's letter.

pub mod code;

pub use code::{ActivationCode, CodeError};
