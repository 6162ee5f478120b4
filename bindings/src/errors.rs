//! The public error enums, one per area. Their messages are fixed texts or numbers: never a
//! holder's name, a card's content or a file path. Every conversion from the core's error
//! names each internal variant (no catch-all), and logs the internal error at the boundary
//! (core messages carry no personal data either).

use ehk_core::{Error as CoreError, InvalidReason};

fn logged(area: &str, e: &CoreError) {
    match e {
        CoreError::Interrupted => log::debug!("{area}: {e}"),
        _ => log::warn!("{area}: {e}"),
    }
}

/// Loading trust and revocation lists into a verifier.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TrustError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    #[error("the list is malformed")]
    Malformed,
    #[error("the list's signature does not verify")]
    BadSignature,
    #[error("version {offered} is not newer than the current version {current}")]
    VersionNotNewer { offered: u64, current: u64 },
    #[error("no trust list has been loaded")]
    NoTrustList,
    #[error("the signer is not in the trust list")]
    UnknownIssuer,
    #[error("the signer is not allowed to publish this list")]
    NotAllowed,
    #[error("the list has expired")]
    Expired,
    #[error("internal failure")]
    Internal,
}

impl From<CoreError> for TrustError {
    fn from(e: CoreError) -> Self {
        logged("trust", &e);
        match e {
            CoreError::BadSignature(_) => TrustError::BadSignature,
            CoreError::VersionNotNewer {
                offered, current, ..
            } => TrustError::VersionNotNewer { offered, current },
            CoreError::NoTrustList => TrustError::NoTrustList,
            CoreError::UnknownIssuer(_) => TrustError::UnknownIssuer,
            CoreError::NotAllowed { .. } => TrustError::NotAllowed,
            CoreError::InvalidKey(_) => TrustError::InvalidArgument {
                detail: "not an Ed25519 public key".into(),
            },
            CoreError::Malformed { .. } | CoreError::HashMismatch(_) => TrustError::Malformed,
            CoreError::Expired(_) => TrustError::Expired,
            CoreError::InvalidRequest(detail) | CoreError::BadProjectPin(detail) => {
                TrustError::InvalidArgument { detail }
            }
            CoreError::TimeOutOfRange(_) => TrustError::InvalidArgument {
                detail: "time out of range".into(),
            },
            CoreError::WrongProject { .. } => TrustError::NotAllowed,
            CoreError::KeyFilePermissions { .. }
            | CoreError::Io(_)
            | CoreError::Database(_)
            | CoreError::Interrupted
            | CoreError::Qr(_)
            | CoreError::KeyStore(_)
            | CoreError::CardNotFound
            | CoreError::WrongDevice
            | CoreError::CardRefused(_)
            | CoreError::NotNewerThanStored
            | CoreError::Activation(_)
            | CoreError::Network(_) => TrustError::Internal,
        }
    }
}

/// The holder's wallet.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum WalletError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    #[error("not a readable card")]
    InvalidCard,
    /// The card did not verify, or has expired: nothing was stored. `NoTrustList` means the
    /// phone has not synced yet.
    #[error("the card was refused: {reason:?}")]
    CardRefused { reason: InvalidReason },
    /// The wallet holds this card issued at the same time or later and keeps it.
    #[error("the wallet already holds this card, issued at the same time or later")]
    NotNewerThanStored,
    #[error("the card is bound to another device")]
    WrongDevice,
    #[error("no such card in the wallet")]
    CardNotFound,
    #[error("the key store failed: {detail}")]
    KeyStore { detail: String },
    #[error("the wallet database failed")]
    Storage,
    /// Activation: the text is no code or link (a typing error: `detail` says which).
    #[error("not an activation code: {detail}")]
    CodeUnreadable { detail: String },
    /// Activation: the link belongs to another service than the app's.
    #[error("the link belongs to another service: {origin}")]
    ForeignLink { origin: String },
    /// Activation: the service does not know the code, or it has expired, was replaced by a
    /// new letter or is locked after too many tries.
    #[error("the activation code is invalid or has expired")]
    CodeInvalid,
    /// Activation: the card is active on another phone. Ask the holder, then call `activate`
    /// again with `confirm_move`: the other phone's card stops working.
    #[error("the card is active on another phone")]
    UsedOnOtherPhone,
    /// Activation: the phone's clock is wrong; ask the holder to set it.
    #[error("the phone's clock is wrong")]
    ClockWrong { server_time: i64, phone_time: i64 },
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Activation: the service refused (for example, the card was revoked); `detail` is its
    /// message. (Not named `message`: that would clash with Kotlin's `Throwable.message`.)
    #[error("the service refused: {detail}")]
    ServiceRefused { code: String, detail: String },
    /// No connection or no answer from the service: try again.
    #[error("network: {detail}")]
    Network { detail: String },
    /// Activation: the caller cancelled it; nothing was stored.
    #[error("cancelled")]
    Cancelled,
}

fn activation_error(e: ehk_core::activation::ActivationError) -> WalletError {
    use ehk_core::activation::ActivationError as A;
    match e {
        A::Code(c) => WalletError::CodeUnreadable {
            detail: c.to_string(),
        },
        A::ForeignLink { origin } => WalletError::ForeignLink { origin },
        A::InvalidCode => WalletError::CodeInvalid,
        A::UsedOnOtherPhone => WalletError::UsedOnOtherPhone,
        A::ClockWrong {
            server_time,
            phone_time,
        } => WalletError::ClockWrong {
            server_time,
            phone_time,
        },
        A::RateLimited { retry_after_secs } => WalletError::RateLimited { retry_after_secs },
        A::Refused { code, message } => WalletError::ServiceRefused {
            code,
            detail: message,
        },
        A::Network(detail) => WalletError::Network { detail },
    }
}

/// What an error of `Wallet.activate` means for the holder: `None` for `UsedOnOtherPhone`,
/// which is a question (ask with `ActivationPrompt.MoveQuestion`, then activate again with
/// `confirm_move`), otherwise the problem to show with `activation_problem_text`.
#[uniffi::export]
pub fn activation_problem(error: WalletError) -> Option<ehk_core::activation::ActivationProblem> {
    use ehk_core::activation::ActivationProblem as P;
    Some(match error {
        WalletError::UsedOnOtherPhone => return None,
        WalletError::CodeUnreadable { .. } => P::CodeUnreadable,
        WalletError::ForeignLink { origin } => P::ForeignLink { origin },
        WalletError::CodeInvalid => P::CodeInvalid,
        WalletError::ClockWrong {
            server_time,
            phone_time,
        } => P::ClockWrong {
            server_time,
            phone_time,
        },
        WalletError::RateLimited { retry_after_secs } => P::RateLimited { retry_after_secs },
        WalletError::ServiceRefused { code, detail } => P::ServiceRefused { code, detail },
        WalletError::Network { .. } => P::Offline,
        WalletError::Cancelled => P::Cancelled,
        WalletError::CardRefused { reason } => P::CardRefused { reason },
        WalletError::KeyStore { .. } => P::KeyStore,
        WalletError::InvalidArgument { .. }
        | WalletError::InvalidCard
        | WalletError::NotNewerThanStored
        | WalletError::WrongDevice
        | WalletError::CardNotFound
        | WalletError::Storage => P::Failed,
    })
}

impl From<CoreError> for WalletError {
    fn from(e: CoreError) -> Self {
        logged("wallet", &e);
        match e {
            CoreError::WrongDevice => WalletError::WrongDevice,
            CoreError::CardRefused(reason) => WalletError::CardRefused { reason },
            CoreError::NotNewerThanStored => WalletError::NotNewerThanStored,
            CoreError::CardNotFound => WalletError::CardNotFound,
            CoreError::KeyStore(k) => WalletError::KeyStore {
                detail: k.to_string(),
            },
            CoreError::Malformed { what: "card", .. }
            | CoreError::BadSignature(_)
            | CoreError::InvalidKey(_) => WalletError::InvalidCard,
            CoreError::InvalidRequest(detail) | CoreError::BadProjectPin(detail) => {
                WalletError::InvalidArgument { detail }
            }
            CoreError::TimeOutOfRange(_) => WalletError::InvalidArgument {
                detail: "time out of range".into(),
            },
            CoreError::Activation(a) => activation_error(a),
            CoreError::Network(detail) => WalletError::Network { detail },
            CoreError::Interrupted => WalletError::Cancelled,
            CoreError::Malformed { .. }
            | CoreError::Database(_)
            | CoreError::Io(_)
            | CoreError::KeyFilePermissions { .. }
            | CoreError::VersionNotNewer { .. }
            | CoreError::NoTrustList
            | CoreError::UnknownIssuer(_)
            | CoreError::NotAllowed { .. }
            | CoreError::Qr(_)
            | CoreError::HashMismatch(_)
            | CoreError::WrongProject { .. }
            | CoreError::Expired(_) => WalletError::Storage,
        }
    }
}

/// What a foreign key store (Android Keystore, iOS Keychain) reports.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KeyStoreError {
    #[error("key store unavailable: {detail}")]
    Unavailable { detail: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        KeyStoreError::Unavailable { detail: e.reason }
    }
}

/// The feed store: stores, news, geofencing and the feed sync. Whatever a sync's error, the
/// database is unchanged.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FeedError {
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
    /// A newer search cancelled this one; not a failure to show.
    #[error("cancelled by a newer search")]
    Interrupted,
    /// The sync was cancelled (`cancel_sync`, or the caller's coroutine or task was cancelled).
    #[error("the sync was cancelled")]
    Cancelled,
    /// No connection, an HTTP error, a timeout or a broken download: try again later.
    #[error("network: {detail}")]
    Network { detail: String },
    /// A file did not match the signed manifest, or could not be read.
    #[error("the feed is damaged: {detail}")]
    Damaged { detail: String },
    #[error("a signature in the feed does not verify")]
    BadSignature,
    #[error("the feed's signer is not allowed to publish it")]
    NotAllowed,
    /// A trust list of another project than the app's, signed by the same root: refused, the
    /// database unchanged.
    #[error("the feed is of project {offered}, not of this app's project {pinned}")]
    WrongProject { offered: u32, pinned: u32 },
    /// A replayed or rolled-back feed.
    #[error("version {offered} is not newer than the current version {current}")]
    VersionNotNewer { offered: u64, current: u64 },
    #[error("the feed has expired")]
    Expired,
    #[error("the feed database failed")]
    Storage,
}

impl FeedError {
    /// A search interrupted by a newer one reports `Interrupted`; anything else converts as
    /// `From` does (where `Interrupted` means a cancelled sync).
    pub(crate) fn from_search(e: CoreError) -> FeedError {
        match e {
            CoreError::Interrupted => FeedError::Interrupted,
            e => e.into(),
        }
    }
}

impl From<CoreError> for FeedError {
    fn from(e: CoreError) -> Self {
        logged("feed", &e);
        match e {
            CoreError::Network(detail) => FeedError::Network { detail },
            CoreError::HashMismatch(name) => FeedError::Damaged {
                detail: format!("{name} does not match the manifest"),
            },
            CoreError::Malformed { what, .. } => FeedError::Damaged {
                detail: format!("malformed {what}"),
            },
            CoreError::BadSignature(_) => FeedError::BadSignature,
            CoreError::NotAllowed { .. }
            | CoreError::UnknownIssuer(_)
            | CoreError::InvalidKey(_)
            | CoreError::NoTrustList => FeedError::NotAllowed,
            CoreError::VersionNotNewer {
                offered, current, ..
            } => FeedError::VersionNotNewer { offered, current },
            CoreError::Expired(_) => FeedError::Expired,
            CoreError::Interrupted => FeedError::Cancelled,
            CoreError::InvalidRequest(detail) | CoreError::BadProjectPin(detail) => {
                FeedError::InvalidArgument { detail }
            }
            CoreError::WrongProject {
                offered, pinned, ..
            } => FeedError::WrongProject { offered, pinned },
            CoreError::TimeOutOfRange(_) => FeedError::InvalidArgument {
                detail: "time out of range".into(),
            },
            CoreError::Database(_)
            | CoreError::Io(_)
            | CoreError::KeyFilePermissions { .. }
            | CoreError::Qr(_)
            | CoreError::KeyStore(_)
            | CoreError::CardNotFound
            | CoreError::WrongDevice
            | CoreError::CardRefused(_)
            | CoreError::Activation(_)
            | CoreError::NotNewerThanStored => FeedError::Storage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehk_core::activation::ActivationProblem as P;

    #[test]
    fn activation_errors_are_problems_except_the_move_question() {
        assert_eq!(activation_problem(WalletError::UsedOnOtherPhone), None);
        assert_eq!(
            activation_problem(WalletError::ClockWrong {
                server_time: 10,
                phone_time: 5
            }),
            Some(P::ClockWrong {
                server_time: 10,
                phone_time: 5
            })
        );
        assert_eq!(
            activation_problem(WalletError::Network {
                detail: "timeout".into()
            }),
            Some(P::Offline)
        );
        // The typed detail of an unreadable code is for the log, not for the holder's screen.
        assert_eq!(
            activation_problem(WalletError::CodeUnreadable {
                detail: "check symbol".into()
            }),
            Some(P::CodeUnreadable)
        );
        assert_eq!(activation_problem(WalletError::Storage), Some(P::Failed));
        // Through the core's error, as `Wallet.activate` reports it.
        let refused = WalletError::from(CoreError::Activation(
            ehk_core::activation::ActivationError::Refused {
                code: "revoked".into(),
                message: "Karte gesperrt".into(),
            },
        ));
        assert_eq!(
            activation_problem(refused),
            Some(P::ServiceRefused {
                code: "revoked".into(),
                detail: "Karte gesperrt".into()
            })
        );
    }
}
