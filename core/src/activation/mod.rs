//! Activation: how a phone gets a device-bound card from the issuer's service with the code
//! from the holder's letter.

pub mod client;
pub mod code;
pub mod protocol;
pub mod texts;

pub use client::{Activated, ActivationError, ActivationService};
pub use code::{ActivationCode, CodeError};
pub use texts::{activated_text, ActivationProblem, ActivationPrompt};
