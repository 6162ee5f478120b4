//! The holder's wallet: several cards in SQLite, the device key behind a [`KeyStore`], live
//! presentations, expiry warnings and a check for a phone clock that is clearly wrong.
//!
//! Nothing is stored unchecked: a card goes in only after the phone's [`Verifier`] accepted it
//! ([`Verifier::verify_for_wallet`]: issuer signature, the trust rule, issue time, revocation)
//! and only if it has not expired. A card whose id is already in the wallet replaces the
//! stored one only if it is better (see [`Wallet::add_credential`]). The clock check takes
//! its dates only from cards this wallet verified; a card stored by an older version without
//! that check counts once [`Wallet::check_stored`] has verified it.

pub mod keystore;

use crate::activation::ActivationService;
use crate::card::claims::{CardClaims, CardType};
use crate::card::presentation;
use crate::card::qr::QrPayload;
use crate::card::reason::{InvalidReason, Lang};
use crate::card::verify::{Verification, Verifier};
use crate::cose::SignedEnvelope;
use crate::day::Day;
use crate::error::{Error, Result};
use crate::feed::SyncCancel;
use crate::feed_store::FeedStore;
use crate::keys::generate_signing_key;
use crate::sqlite::{self, Schema};
use ed25519_dalek::SigningKey;
use keystore::{KeyStore, KeyStoreError};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};

pub const DEVICE_KEY_ALIAS: &str = "ehk-device-key-v1";
/// Cards expiring within this many days are flagged so the holder can renew in time.
pub const EXPIRY_WARNING_DAYS: i32 = 90;
/// No correct clock shows a time before this release's build (2026-01-01T00:00:00Z).
pub const EARLIEST_PLAUSIBLE_TIME: i64 = 1_767_225_600;
const CLOCK_TOLERANCE_SECS: i64 = 300;
const CLOCK_JUMP_BACK_SECS: i64 = 86_400;

const SCHEMA: Schema = Schema {
    name: "wallet database",
    migrations: &[include_str!("schema.sql"), include_str!("schema_v2.sql")],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardStatus {
    NotYetValid,
    Valid,
    /// Valid, but expiring within [`EXPIRY_WARNING_DAYS`].
    ExpiresSoon {
        days_left: i32,
    },
    Expired,
    /// The phone's lists refuse the card ([`Wallet::cards_checked`]): revoked (also when it
    /// moved to another phone), its issuer withdrawn or no longer trusted.
    Refused {
        reason: InvalidReason,
    },
}

impl CardStatus {
    /// Whether the card can be shown at a shop now.
    pub fn is_usable(self) -> bool {
        matches!(self, CardStatus::Valid | CardStatus::ExpiresSoon { .. })
    }

    /// The wallet list's status line, German or English.
    pub fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (CardStatus::Valid, Lang::De) => "Gültig".into(),
            (CardStatus::Valid, Lang::En) => "Valid".into(),
            (CardStatus::NotYetValid, Lang::De) => "Noch nicht gültig".into(),
            (CardStatus::NotYetValid, Lang::En) => "Not yet valid".into(),
            (CardStatus::Expired, Lang::De) => "Abgelaufen".into(),
            (CardStatus::Expired, Lang::En) => "Expired".into(),
            (CardStatus::ExpiresSoon { days_left: 1 }, Lang::De) => "Läuft morgen ab".into(),
            (CardStatus::ExpiresSoon { days_left: 1 }, Lang::En) => "Expires tomorrow".into(),
            (CardStatus::ExpiresSoon { days_left: 0 }, Lang::De) => "Läuft heute ab".into(),
            (CardStatus::ExpiresSoon { days_left: 0 }, Lang::En) => "Expires today".into(),
            (CardStatus::ExpiresSoon { days_left }, Lang::De) => {
                format!("Läuft in {days_left} Tagen ab")
            }
            (CardStatus::ExpiresSoon { days_left }, Lang::En) => {
                format!("Expires in {days_left} days")
            }
            (CardStatus::Refused { reason }, lang) => reason.text(lang).to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockStatus {
    Plausible,
    /// The clock shows a time before something that has certainly happened (a card's issue
    /// time, or this software's release).
    Behind {
        by_secs: i64,
    },
    /// The clock jumped back by more than a day against the latest time this wallet saw.
    JumpedBack {
        by_secs: i64,
    },
}

/// A card the issuer's service activated on this phone.
#[derive(Debug, Clone, PartialEq)]
pub struct Activation {
    pub card: WalletCard,
    /// The card moved here from another phone, whose card is revoked.
    pub moved: bool,
    /// The service's trust or revocation lists were newer than the phone's and were stored.
    pub lists_updated: bool,
}

pub struct Wallet {
    conn: Mutex<Connection>,
    keystore: Arc<dyn KeyStore>,
}

impl Wallet {
    /// Opens (or creates) the wallet at `path`, readable by its owner only.
    pub fn open(path: &Path, keystore: Arc<dyn KeyStore>) -> Result<Wallet> {
        Ok(Wallet::with_connection(
            sqlite::open_writer(path, &SCHEMA)?,
            keystore,
        ))
    }

    pub fn open_in_memory(keystore: Arc<dyn KeyStore>) -> Result<Wallet> {
        Ok(Wallet::with_connection(
            sqlite::open_in_memory(&SCHEMA)?,
            keystore,
        ))
    }

    fn with_connection(conn: Connection, keystore: Arc<dyn KeyStore>) -> Wallet {
        Wallet {
            conn: Mutex::new(conn),
            keystore,
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        sqlite::lock(&self.conn)
    }

    fn device_key(&self) -> Result<SigningKey> {
        match self.keystore.load(DEVICE_KEY_ALIAS)? {
            Some(seed) => {
                let seed: [u8; 32] = seed.try_into().map_err(|_| KeyStoreError::Corrupt)?;
                Ok(SigningKey::from_bytes(&seed))
            }
            None => {
                let key = generate_signing_key()?;
                self.keystore.save(DEVICE_KEY_ALIAS, &key.to_bytes())?;
                Ok(key)
            }
        }
    }

    /// The device's public key, created on first use. The issuer puts it into a device-bound card.
    pub fn device_public_key(&self) -> Result<[u8; 32]> {
        Ok(self.device_key()?.verifying_key().to_bytes())
    }

    /// Adds a card from its QR text (a static credential, or a presentation of it), once
    /// `verifier` (the phone's, with the synced trust and revocation lists) accepted it; see
    /// [`Wallet::add_credential`].
    pub fn add_card(&self, qr_text: &str, verifier: &Verifier, now: i64) -> Result<WalletCard> {
        let payload = QrPayload::decode(qr_text.trim())
            .map_err(|_| Error::malformed("card", "not a readable card code"))?;
        let credential = match &payload {
            QrPayload::Credential(b) => b.clone(),
            QrPayload::Presentation(b) => presentation::Presentation::parse(b)
                .ok_or_else(|| Error::malformed("card", "broken presentation"))?
                .credential
                .to_vec(),
        };
        self.add_credential(&credential, verifier, now)
    }

    /// Adds a card from the issuer's credential bytes.
    ///
    /// Refused with [`Error::CardRefused`] and the verifier's reason when `verifier` does not
    /// accept it (no trust list yet: [`InvalidReason::NoTrustList`], sync first), or with
    /// [`InvalidReason::Expired`] when it has expired; with [`Error::WrongDevice`] when it is
    /// bound to another device. A card not yet valid is stored (its status says so).
    ///
    /// A card with the id of a stored one replaces it when the stored one no longer verifies
    /// (a look-alike kept by an older version, a withdrawn issuer, a revocation) or has
    /// expired, or when the new one was issued later: the issuer's latest word counts, so an
    /// old version of a card, re-shown, never overwrites its successor. Otherwise the stored
    /// card stays and the answer is [`Error::NotNewerThanStored`]; the same bytes again are
    /// accepted and change nothing but the time of the check.
    pub fn add_credential(
        &self,
        credential: &[u8],
        verifier: &Verifier,
        now: i64,
    ) -> Result<WalletCard> {
        let claims = verified_claims(credential, verifier, now)?;
        if let Some(bound) = claims.device_key {
            if bound != self.device_public_key()? {
                return Err(Error::WrongDevice);
            }
        }
        let card = wallet_card(claims, now);
        if card.status == CardStatus::Expired {
            return Err(Error::CardRefused(InvalidReason::Expired));
        }
        let id = parse_card_id(&card.card_id)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let stored: Option<Vec<u8>> = tx
            .query_row(
                "SELECT credential FROM cards WHERE card_id = ?1",
                [id.as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(stored) = stored.filter(|stored| stored != credential) {
            if keeps_stored(&stored, &card, verifier, now) {
                return Err(Error::NotNewerThanStored);
            }
        }
        tx.execute(
            "INSERT INTO cards (card_id, credential, added_at, checked_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (card_id) DO UPDATE
             SET credential = excluded.credential, checked_at = excluded.checked_at",
            params![id.as_slice(), credential, now],
        )?;
        tx.commit()?;
        Ok(card)
    }

    /// Activates a device-bound card with the code from the holder's letter (`link_or_code`:
    /// the letter's link, the app-scheme link, or the code as typed) at the issuer's
    /// `service`: proves possession of this phone's device key, takes the trust and revocation
    /// lists the service sends into `feed` (checked as the sync checks them), and stores the
    /// credential only once `feed`'s verifier accepts it, like [`Wallet::add_credential`].
    ///
    /// A card active on another phone is refused with
    /// [`ActivationError::UsedOnOtherPhone`](crate::activation::ActivationError); called again
    /// with `confirm_move`, it moves here and the other phone's card is revoked with the next
    /// feed. Retrying after a lost answer is safe: the service answers the same device key with
    /// the same card.
    pub fn activate(
        &self,
        link_or_code: &str,
        service: &ActivationService,
        feed: &FeedStore,
        confirm_move: bool,
        now: i64,
    ) -> Result<Activation> {
        self.activate_cancellable(
            link_or_code,
            service,
            feed,
            confirm_move,
            now,
            &SyncCancel::new(),
        )
    }

    /// [`Wallet::activate`] that stops with [`Error::Interrupted`] once `cancel` is cancelled:
    /// before the request, and after the answer, before anything is stored. A request already
    /// on its way is finished (bounded by the service's timeout) and its answer dropped; the
    /// phone stores nothing, and activating again returns the same card, as after a lost
    /// answer.
    pub fn activate_cancellable(
        &self,
        link_or_code: &str,
        service: &ActivationService,
        feed: &FeedStore,
        confirm_move: bool,
        now: i64,
        cancel: &SyncCancel,
    ) -> Result<Activation> {
        let code = service.code_from(link_or_code)?;
        let device = self.device_key()?;
        cancel.check()?;
        let answer = service.activate(&code, &device, confirm_move, now)?;
        cancel.check()?;
        let lists_updated =
            match feed.take_lists(answer.trust_list.as_deref(), &answer.revocation_lists, now) {
                Ok(updated) => updated,
                Err(e) => {
                    // The feed brings them too; the card is checked against what the phone holds.
                    log::warn!("lists from the activation service not taken: {e}");
                    false
                }
            };
        let card = self.add_credential(&answer.credential, &feed.verifier(), now)?;
        Ok(Activation {
            card,
            moved: answer.moved,
            lists_updated,
        })
    }

    /// Verifies the cards stored without a check (by a version before the wallet verified
    /// cards) and marks those `verifier` accepts, so their dates count for the clock check.
    /// A card that does not verify stays listed and unchecked, for the holder to remove or to
    /// replace by adding the genuine card. Returns how many cards remain unchecked.
    pub fn check_stored(&self, verifier: &Verifier, now: i64) -> Result<u32> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let unchecked = {
            let mut stmt =
                tx.prepare("SELECT card_id, credential FROM cards WHERE checked_at IS NULL")?;
            let rows = stmt
                .query_map([], |row| {
                    Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, Vec<u8>>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let mut remaining = 0u32;
        for (id, credential) in unchecked {
            if verified_claims(&credential, verifier, now).is_ok() {
                tx.execute(
                    "UPDATE cards SET checked_at = ?2 WHERE card_id = ?1",
                    params![id, now],
                )?;
            } else {
                remaining += 1;
            }
        }
        tx.commit()?;
        Ok(remaining)
    }

    /// All cards, the newest first, with their status at `now`.
    pub fn cards(&self, now: i64) -> Result<Vec<WalletCard>> {
        self.cards_with(None, now)
    }

    /// All cards like [`Wallet::cards`], each checked against `verifier` (the phone's lists:
    /// `FeedStore::verifier`) as when it was stored: a card the lists now refuse (revoked, moved
    /// to another phone, its issuer withdrawn) has the status [`CardStatus::Refused`] with the
    /// reason. A verifier without a trust list checks nothing (the dates decide alone).
    pub fn cards_checked(&self, verifier: &Verifier, now: i64) -> Result<Vec<WalletCard>> {
        self.cards_with(Some(verifier), now)
    }

    fn cards_with(&self, verifier: Option<&Verifier>, now: i64) -> Result<Vec<WalletCard>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT credential FROM cards")?;
        let credentials = stmt
            .query_map([], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut cards = credentials
            .iter()
            .map(|c| {
                let mut card = wallet_card(parse_credential(c)?, now);
                let refusal = verifier
                    .and_then(|v| v.verify_for_wallet(c, now).reason())
                    .filter(|reason| *reason != InvalidReason::NoTrustList);
                if let Some(reason) = refusal {
                    card.status = CardStatus::Refused { reason };
                }
                Ok(card)
            })
            .collect::<Result<Vec<_>>>()?;
        cards.sort_by(|a, b| {
            b.issued_at
                .cmp(&a.issued_at)
                .then(a.card_id.cmp(&b.card_id))
        });
        Ok(cards)
    }

    pub fn remove(&self, card_id: &str) -> Result<bool> {
        let id = parse_card_id(card_id)?;
        Ok(self
            .conn()
            .execute("DELETE FROM cards WHERE card_id = ?1", [id.as_slice()])?
            > 0)
    }

    fn credential(&self, card_id: &str) -> Result<Vec<u8>> {
        let id = parse_card_id(card_id)?;
        self.conn()
            .query_row(
                "SELECT credential FROM cards WHERE card_id = ?1",
                [id.as_slice()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(Error::CardNotFound)
    }

    /// The QR text to show now: a fresh device-signed presentation for a device-bound card
    /// (renew it every 30 seconds), the credential itself for a static one.
    pub fn present(&self, card_id: &str, now: i64) -> Result<String> {
        let credential = self.credential(card_id)?;
        let claims = parse_credential(&credential)?;
        self.record_time(now)?;
        match claims.device_key {
            None => Ok(QrPayload::Credential(credential).encode()),
            Some(bound) => {
                let key = self.device_key()?;
                if key.verifying_key().to_bytes() != bound {
                    return Err(Error::WrongDevice);
                }
                let bytes = presentation::create(&credential, &key, now)?;
                Ok(QrPayload::Presentation(bytes).encode())
            }
        }
    }

    fn record_time(&self, now: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO clock (id, latest_seen) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET latest_seen = max(latest_seen, excluded.latest_seen)",
            [now],
        )?;
        Ok(())
    }

    /// The latest issue time among the cards this wallet verified: only a signature the
    /// trust rule accepted proves that a date has passed.
    fn newest_checked_issue(&self) -> Result<Option<i64>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT credential FROM cards WHERE checked_at IS NOT NULL")?;
        let credentials = stmt
            .query_map([], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(credentials
            .iter()
            .filter_map(|c| parse_credential(c).ok())
            .map(|claims| claims.issued_at)
            .max())
    }

    /// Compares the phone's clock with what the wallet knows has happened, and records `now`.
    pub fn clock_check(&self, now: i64) -> Result<ClockStatus> {
        let latest_seen: Option<i64> = self
            .conn()
            .query_row("SELECT latest_seen FROM clock WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let newest_issue = self.newest_checked_issue()?;
        let floor = newest_issue
            .unwrap_or(i64::MIN)
            .max(EARLIEST_PLAUSIBLE_TIME);
        let status = if now < floor - CLOCK_TOLERANCE_SECS {
            ClockStatus::Behind {
                by_secs: floor - now,
            }
        } else if let Some(seen) = latest_seen.filter(|seen| now < seen - CLOCK_JUMP_BACK_SECS) {
            ClockStatus::JumpedBack {
                by_secs: seen - now,
            }
        } else {
            ClockStatus::Plausible
        };
        if status == ClockStatus::Plausible {
            self.record_time(now)?;
        }
        Ok(status)
    }
}

fn parse_credential(credential: &[u8]) -> Result<CardClaims> {
    let env =
        SignedEnvelope::parse(credential).map_err(|e| Error::malformed("card", e.to_string()))?;
    CardClaims::decode(env.unverified_payload()).map_err(|e| Error::malformed("card", e.0))
}

/// The claims of a credential `verifier` accepts for the wallet.
fn verified_claims(credential: &[u8], verifier: &Verifier, now: i64) -> Result<CardClaims> {
    match verifier.verify_for_wallet(credential, now) {
        Verification::Valid(_) => parse_credential(credential),
        Verification::Invalid(reason) => Err(Error::CardRefused(reason)),
    }
}

/// Whether the wallet keeps the `stored` credential rather than a verified `new` card with the
/// same id: the stored one still verifies, has not expired and was issued no earlier.
fn keeps_stored(stored: &[u8], new: &WalletCard, verifier: &Verifier, now: i64) -> bool {
    match verified_claims(stored, verifier, now) {
        Ok(claims) => {
            claims.issued_at >= new.issued_at
                && wallet_card(claims, now).status != CardStatus::Expired
        }
        Err(_) => false,
    }
}

fn parse_card_id(text: &str) -> Result<[u8; 8]> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::InvalidRequest("a card id is 16 hex digits".into()))
}

fn wallet_card(claims: CardClaims, now: i64) -> WalletCard {
    let status = match Day::in_berlin(now) {
        None => CardStatus::Expired,
        Some(today) if today < claims.valid_from => CardStatus::NotYetValid,
        Some(today) => match claims.valid_until {
            None => CardStatus::Valid,
            Some(until) if today > until => CardStatus::Expired,
            Some(until) if until.0 - today.0 <= EXPIRY_WARNING_DAYS => CardStatus::ExpiresSoon {
                days_left: until.0 - today.0,
            },
            Some(_) => CardStatus::Valid,
        },
    };
    WalletCard {
        card_id: claims.card_id_hex(),
        holder_name: claims.holder_name,
        birthday: claims.birthday,
        card_type: claims.card_type,
        project_id: claims.project_id,
        region_id: claims.region_id,
        valid_from: claims.valid_from,
        valid_until: claims.valid_until,
        issued_at: claims.issued_at,
        device_bound: claims.device_key.is_some(),
        status,
    }
}
