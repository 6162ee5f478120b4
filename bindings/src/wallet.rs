//! The holder's wallet, with the device key kept by a key store the shell implements.

use crate::cancel::{on_own_thread, Cancellation};
use crate::errors::{KeyStoreError, WalletError};
use crate::feed_store::FeedStore;
use crate::verifier::Verifier;
use ehk_core::wallet::{Activation, CardStatus, ClockStatus};
use ehk_core::{CardType, Day, WalletCard};
use std::sync::Arc;

/// Keeps the device key. Android implements it over the Keystore, iOS over the Keychain.
#[uniffi::export(with_foreign)]
pub trait KeyStore: Send + Sync {
    /// The secret stored under `alias`, or `None` if there is none yet.
    fn load(&self, alias: String) -> Result<Option<Vec<u8>>, KeyStoreError>;
    fn save(&self, alias: String, secret: Vec<u8>) -> Result<(), KeyStoreError>;
}

struct ForeignKeyStore(Arc<dyn KeyStore>);

fn unavailable(e: KeyStoreError) -> ehk_core::KeyStoreError {
    let KeyStoreError::Unavailable { detail } = e;
    ehk_core::KeyStoreError::Unavailable(detail)
}

impl ehk_core::KeyStore for ForeignKeyStore {
    fn load(&self, alias: &str) -> Result<Option<Vec<u8>>, ehk_core::KeyStoreError> {
        self.0.load(alias.to_string()).map_err(unavailable)
    }

    fn save(&self, alias: &str, secret: &[u8]) -> Result<(), ehk_core::KeyStoreError> {
        self.0
            .save(alias.to_string(), secret.to_vec())
            .map_err(unavailable)
    }
}

#[uniffi::remote(Record)]
pub struct Activation {
    pub card: WalletCard,
    pub moved: bool,
    pub lists_updated: bool,
}

#[uniffi::remote(Record)]
pub struct WalletCard {
    pub card_id: String,
    pub holder_name: String,
    pub birthday: Option<Day>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: Day,
    pub valid_until: Option<Day>,
    pub issued_at: i64,
    pub device_bound: bool,
    pub status: CardStatus,
}

#[derive(uniffi::Object)]
pub struct Wallet {
    inner: ehk_core::Wallet,
}

#[uniffi::export]
impl Wallet {
    /// Opens (or creates) the wallet database at `path`.
    #[uniffi::constructor]
    pub fn open(path: String, key_store: Arc<dyn KeyStore>) -> Result<Arc<Self>, WalletError> {
        if path.is_empty() {
            return Err(WalletError::InvalidArgument {
                detail: "the database path is empty".into(),
            });
        }
        let inner = ehk_core::Wallet::open(
            std::path::Path::new(&path),
            Arc::new(ForeignKeyStore(key_store)),
        )?;
        Ok(Arc::new(Wallet { inner }))
    }

    /// A wallet that lives in memory only (previews, tests).
    #[uniffi::constructor]
    pub fn in_memory(key_store: Arc<dyn KeyStore>) -> Result<Arc<Self>, WalletError> {
        let inner = ehk_core::Wallet::open_in_memory(Arc::new(ForeignKeyStore(key_store)))?;
        Ok(Arc::new(Wallet { inner }))
    }

    /// This device's public key (32 bytes), created in the key store on first use.
    pub fn device_public_key(&self) -> Result<Vec<u8>, WalletError> {
        Ok(self.inner.device_public_key()?.to_vec())
    }

    /// Adds a card from its QR text once `verifier` (the phone's: `FeedStore::verifier`)
    /// accepted it. Refused with `CardRefused` and the reason (`NoTrustList` before the first
    /// sync; `Expired` for an expired card), `WrongDevice`, or `NotNewerThanStored` when the
    /// wallet already holds this card issued at the same time or later (and keeps it).
    pub fn add_card(
        &self,
        qr_text: String,
        verifier: Arc<Verifier>,
        now: i64,
    ) -> Result<WalletCard, WalletError> {
        Ok(self.inner.add_card(&qr_text, &verifier.core(), now)?)
    }

    /// Verifies the cards an older app version stored without a check, so their dates count
    /// for `clock_check`; call it after a sync. Returns how many cards remain unchecked.
    pub fn check_stored_cards(
        &self,
        verifier: Arc<Verifier>,
        now: i64,
    ) -> Result<u32, WalletError> {
        Ok(self.inner.check_stored(&verifier.core(), now)?)
    }

    /// Activates a device-bound card with the code from the holder's letter: `link_or_code` is
    /// the letter's link (the app opened it), the app-scheme link, or the code as typed or
    /// scanned. `service_url` is the app's issuer service (https). The card is checked against
    /// `feed`'s trust list before it is stored. `UsedOnOtherPhone`: ask the holder, then call
    /// again with `confirm_move = true`. Async (a Kotlin `suspend fun`, a Swift `async`
    /// function); cancelling the caller or `cancellation.cancel()` stops it with
    /// `WalletError::Cancelled`, and nothing is stored (activating again returns the same card).
    #[uniffi::method(default(cancellation = None))]
    pub async fn activate(
        self: Arc<Self>,
        link_or_code: String,
        service_url: String,
        feed: Arc<FeedStore>,
        confirm_move: bool,
        now: i64,
        cancellation: Option<Arc<Cancellation>>,
    ) -> Result<Activation, WalletError> {
        let service = ehk_core::activation::ActivationService::new(&service_url)
            .map_err(ehk_core::Error::from)?;
        let activation = on_own_thread("ehk-activation", cancellation, move |cancel| {
            self.inner.activate_cancellable(
                &link_or_code,
                &service,
                feed.core(),
                confirm_move,
                now,
                cancel,
            )
        })
        .await
        .ok_or(WalletError::Storage)??;
        Ok(activation)
    }

    /// All cards, the newest first, with their status at `now`. With `verifier` (the phone's:
    /// `FeedStore.verifier()`), each card is also checked against the phone's lists: one they
    /// now refuse (revoked, moved to another phone, its issuer withdrawn) has the status
    /// `CardStatus.Refused` with the reason. Without, the dates alone decide.
    #[uniffi::method(default(verifier = None))]
    pub fn cards(
        &self,
        now: i64,
        verifier: Option<Arc<Verifier>>,
    ) -> Result<Vec<WalletCard>, WalletError> {
        Ok(match verifier {
            Some(v) => self.inner.cards_checked(&v.core(), now)?,
            None => self.inner.cards(now)?,
        })
    }

    pub fn remove_card(&self, card_id: String) -> Result<bool, WalletError> {
        Ok(self.inner.remove(&card_id)?)
    }

    /// The QR text to show now; for a device-bound card, renew it every 30 seconds.
    pub fn present(&self, card_id: String, now: i64) -> Result<String, WalletError> {
        Ok(self.inner.present(&card_id, now)?)
    }

    pub fn clock_check(&self, now: i64) -> Result<ClockStatus, WalletError> {
        Ok(self.inner.clock_check(now)?)
    }
}

/// Seconds until the presentation shown at `now` should be replaced by a fresh one.
#[uniffi::export]
pub fn seconds_until_next_presentation(now: i64) -> i64 {
    let step = ehk_core::PRESENTATION_STEP_SECS;
    step - now.rem_euclid(step)
}
