//! The verifier a partner shop runs offline: trust list and revocation lists in memory, one
//! call per scanned code, a typed answer with the reason when the card is not valid.

use crate::card::claims::{CardClaims, CardType};
use crate::card::presentation::Presentation;
use crate::card::qr::{QrPayload, QrTextError};
use crate::card::reason::{Flag, InvalidReason};
use crate::cose::SignedEnvelope;
use crate::day::Day;
use crate::error::{Error, Result};
use crate::keys::{KeyId, PublicKey};
use crate::trust::list::{Refusal, SignedObject, TrustList};
use crate::trust::revocation::RevocationList;
use crate::trust::versions::not_older;
use ed25519_dalek::VerifyingKey;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// How far a presentation's time step may lie from the verifier's clock, either way. A
/// screenshot is refused once its step started more than this long ago.
pub const DEFAULT_SKEW_SECS: i64 = 60;
pub const DEFAULT_REPLAY_CAPACITY: usize = 10_000;
/// How far a card's claimed issue time may lie ahead of the verifier's clock (clocks differ).
pub const ISSUE_TIME_SKEW_SECS: i64 = 3_600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresentationKind {
    /// The issuer's credential alone (paper, PDF, or a card without device key).
    Static,
    /// Live code from the holder's phone, signed by its device key.
    DeviceBound,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidCard {
    pub card_id: String,
    pub holder_name: String,
    pub birthday: Option<Day>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: Day,
    pub valid_until: Option<Day>,
    pub issued_at: i64,
    pub issuer_name: String,
    pub issuer_key_id: KeyId,
    pub kind: PresentationKind,
    /// Seconds since the presentation's time step began; `None` for static cards.
    pub presentation_age_secs: Option<i64>,
    pub trust_list_version: u64,
    /// Seconds since the trust list in use was issued.
    pub trust_list_age_secs: i64,
    pub flags: Vec<Flag>,
    /// When a repeat scan: when this verifier first saw the code.
    pub first_seen_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    Valid(ValidCard),
    Invalid(InvalidReason),
}

impl Verification {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verification::Valid(_))
    }

    pub fn reason(&self) -> Option<InvalidReason> {
        match self {
            Verification::Invalid(r) => Some(*r),
            Verification::Valid(_) => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    Updated,
    /// The same version with the same bytes: nothing to do.
    Unchanged,
}

struct TrustState {
    list: TrustList,
    bytes: Vec<u8>,
    keys: HashMap<KeyId, (usize, VerifyingKey)>,
}

struct RevocationState {
    list: RevocationList,
    bytes: Vec<u8>,
}

/// Remembers recently accepted codes by their last signature, first in first out.
struct ReplayCache {
    seen: HashMap<[u8; 16], i64>,
    order: VecDeque<[u8; 16]>,
    capacity: usize,
}

impl ReplayCache {
    /// Returns when the code was first seen, recording it now if it is new.
    fn check_and_record(&mut self, key: [u8; 16], now: i64) -> Option<i64> {
        if let Some(first) = self.seen.get(&key) {
            return Some(*first);
        }
        if self.capacity == 0 {
            return None;
        }
        if self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.seen.insert(key, now);
        self.order.push_back(key);
        None
    }
}

pub struct Verifier {
    root: VerifyingKey,
    trust: Option<TrustState>,
    revocations: HashMap<KeyId, RevocationState>,
    replay: Mutex<ReplayCache>,
    skew_secs: i64,
}

type Check<T> = std::result::Result<T, InvalidReason>;

/// What a credential is checked for.
#[derive(Clone, Copy)]
enum Purpose<'a> {
    /// A scanned code: a device-bound card must come as its live presentation, the card must be
    /// valid today, and the code is remembered to flag a repeat scan.
    Scan(Option<&'a Presentation<'a>>),
    /// A card for the holder's wallet; see [`Verifier::verify_for_wallet`].
    Keep,
}

impl Verifier {
    pub fn new(root: PublicKey) -> Verifier {
        Verifier::with_settings(root, DEFAULT_SKEW_SECS, DEFAULT_REPLAY_CAPACITY)
    }

    pub fn with_settings(root: PublicKey, skew_secs: i64, replay_capacity: usize) -> Verifier {
        Verifier {
            root,
            trust: None,
            revocations: HashMap::new(),
            replay: Mutex::new(ReplayCache {
                seen: HashMap::new(),
                order: VecDeque::new(),
                capacity: replay_capacity,
            }),
            skew_secs: skew_secs.max(0),
        }
    }

    /// Takes over `other`'s memory of codes already seen (a verifier rebuilt after a sync).
    pub fn adopt_replay_cache(&mut self, other: &Verifier) {
        let cache = other.replay.lock().unwrap_or_else(|p| p.into_inner());
        let mut mine = self.replay.lock().unwrap_or_else(|p| p.into_inner());
        mine.seen = cache.seen.clone();
        mine.order = cache.order.clone();
    }

    pub fn trust_list(&self) -> Option<&TrustList> {
        self.trust.as_ref().map(|t| &t.list)
    }

    /// The signed bytes of the current trust list, to persist and reload later.
    pub fn trust_list_bytes(&self) -> Option<&[u8]> {
        self.trust.as_ref().map(|t| t.bytes.as_slice())
    }

    pub fn revocation_list(&self, issuer: KeyId) -> Option<&RevocationList> {
        self.revocations.get(&issuer).map(|r| &r.list)
    }

    pub fn revocation_list_bytes(&self) -> Vec<&[u8]> {
        self.revocations
            .values()
            .map(|r| r.bytes.as_slice())
            .collect()
    }

    /// Accepts a trust list signed by the root key whose version is newer than the current one.
    pub fn load_trust_list(&mut self, bytes: &[u8]) -> Result<UpdateOutcome> {
        let list = TrustList::verify(bytes, &self.root)?;
        if let Some(current) = &self.trust {
            let outcome = not_older(
                "trust list",
                (list.version, bytes),
                (current.list.version, &current.bytes),
            )?;
            if outcome == UpdateOutcome::Unchanged {
                return Ok(outcome);
            }
        }
        let mut keys = HashMap::with_capacity(list.issuers.len());
        for (i, entry) in list.issuers.iter().enumerate() {
            let key = VerifyingKey::from_bytes(&entry.public_key).map_err(|_| {
                Error::malformed(
                    "trust list",
                    format!("key {} is not a valid point", entry.key_id),
                )
            })?;
            keys.insert(entry.key_id, (i, key));
        }
        log::info!(
            "trust list version {} loaded with {} issuer(s)",
            list.version,
            list.issuers.len()
        );
        self.trust = Some(TrustState {
            list,
            bytes: bytes.to_vec(),
            keys,
        });
        Ok(UpdateOutcome::Updated)
    }

    /// Accepts an issuer's revocation list, signed by an issuer with the cards role, whose
    /// version is newer than the one held for that issuer.
    pub fn load_revocation_list(&mut self, bytes: &[u8]) -> Result<UpdateOutcome> {
        let trust = self.trust.as_ref().ok_or(Error::NoTrustList)?;
        let signer = RevocationList::signer(bytes)?;
        let key = trust
            .list
            .authorized_key(signer, SignedObject::RevocationList)?;
        let list = RevocationList::verify(bytes, &key)?;
        if let Some(current) = self.revocations.get(&signer) {
            let outcome = not_older(
                "revocation list",
                (list.version, bytes),
                (current.list.version, &current.bytes),
            )?;
            if outcome == UpdateOutcome::Unchanged {
                return Ok(outcome);
            }
        }
        log::info!(
            "revocation list version {} of issuer {signer} loaded with {} card(s)",
            list.version,
            list.revoked().len()
        );
        self.revocations.insert(
            signer,
            RevocationState {
                list,
                bytes: bytes.to_vec(),
            },
        );
        Ok(UpdateOutcome::Updated)
    }

    /// Verifies the exact text a scanner read, at Unix time `now`.
    pub fn verify(&self, qr_text: &str, now: i64) -> Verification {
        match self.check(qr_text, now) {
            Ok(valid) => Verification::Valid(valid),
            Err(reason) => {
                // The reason code only: the log never carries a holder's data.
                log::debug!("code refused: {}", reason.code());
                Verification::Invalid(reason)
            }
        }
    }

    /// Checks a credential the holder is about to keep, or keeps, in a wallet: the issuer's
    /// signature, the trust rule, the issue time and the revocation list, exactly as for a scan.
    /// Not checked: a device-bound card's live presentation (the holder's own phone makes
    /// those) and the validity dates (the wallet shows them as the card's status); nothing is
    /// remembered as seen, so the holder's own card is no repeat scan in verify mode.
    pub fn verify_for_wallet(&self, credential: &[u8], now: i64) -> Verification {
        match self.check_credential(credential, Purpose::Keep, now) {
            Ok(valid) => Verification::Valid(valid),
            Err(reason) => {
                log::debug!("card refused for the wallet: {}", reason.code());
                Verification::Invalid(reason)
            }
        }
    }

    fn check(&self, qr_text: &str, now: i64) -> Check<ValidCard> {
        let payload = QrPayload::decode(qr_text).map_err(|e| match e {
            QrTextError::NotACard => InvalidReason::NotACard,
            QrTextError::Damaged => InvalidReason::DamagedEncoding,
        })?;
        let (credential, presentation) = match &payload {
            QrPayload::Credential(bytes) => (bytes.as_slice(), None),
            QrPayload::Presentation(bytes) => {
                let p = Presentation::parse(bytes).ok_or(InvalidReason::DamagedEncoding)?;
                (p.credential, Some(p))
            }
        };
        self.check_credential(credential, Purpose::Scan(presentation.as_ref()), now)
    }

    fn check_credential(
        &self,
        credential: &[u8],
        purpose: Purpose<'_>,
        now: i64,
    ) -> Check<ValidCard> {
        let envelope =
            SignedEnvelope::parse(credential).map_err(|_| InvalidReason::DamagedEncoding)?;
        let trust = self.trust.as_ref().ok_or(InvalidReason::NoTrustList)?;
        let (_, issuer_key) = trust
            .keys
            .get(&envelope.key_id)
            .ok_or(InvalidReason::UnknownIssuer)?;
        let claims_bytes = envelope
            .verify(issuer_key)
            .ok_or(InvalidReason::BadIssuerSignature)?;
        let claims =
            CardClaims::decode(claims_bytes).map_err(|_| InvalidReason::DamagedEncoding)?;
        let issuer = trust
            .list
            .authorize(
                envelope.key_id,
                SignedObject::Card {
                    project_id: claims.project_id,
                    region_id: claims.region_id,
                    card_type: claims.card_type,
                    issued_at: claims.issued_at,
                },
            )
            .map_err(|refusal| match refusal {
                Refusal::UnknownSigner => InvalidReason::UnknownIssuer,
                Refusal::Withdrawn => InvalidReason::IssuerKeyWithdrawn,
                Refusal::NotValidAtThatTime => InvalidReason::IssuerKeyNotValidAtIssuance,
                Refusal::MissingRole(_)
                | Refusal::WrongProject
                | Refusal::RegionNotAllowed
                | Refusal::CardTypeNotAllowed => InvalidReason::IssuerNotAllowed,
            })?;
        // The key's validity was checked against the time the card claims; that time must not
        // lie ahead of the clock, or a key valid only from next year signs cards today.
        if claims.issued_at > now.saturating_add(ISSUE_TIME_SKEW_SECS) {
            return Err(InvalidReason::IssuedInFuture);
        }

        let (kind, presentation_age_secs, replay_key) = match (&claims.device_key, purpose) {
            (Some(_), Purpose::Keep) => (PresentationKind::DeviceBound, None, None),
            (None, Purpose::Keep) => (PresentationKind::Static, None, None),
            (Some(_), Purpose::Scan(None)) => {
                return Err(InvalidReason::DevicePresentationRequired)
            }
            (None, Purpose::Scan(Some(_))) => return Err(InvalidReason::DamagedEncoding),
            (None, Purpose::Scan(None)) => (
                PresentationKind::Static,
                None,
                Some(replay_key(b"static", &envelope.signed_bytes())),
            ),
            (Some(device_key), Purpose::Scan(Some(p))) => {
                let key = VerifyingKey::from_bytes(device_key)
                    .map_err(|_| InvalidReason::BadDeviceSignature)?;
                if !p.verify_device_signature(&key) {
                    return Err(InvalidReason::BadDeviceSignature);
                }
                let age = p.age(now);
                if age > self.skew_secs || age < -self.skew_secs {
                    return Err(InvalidReason::StalePresentation);
                }
                (
                    PresentationKind::DeviceBound,
                    Some(age),
                    Some(replay_key(b"device", &p.signed_message())),
                )
            }
        };

        let mut flags = Vec::new();
        match self.revocations.get(&envelope.key_id) {
            Some(r) if r.list.is_revoked(&claims.card_id) => return Err(InvalidReason::Revoked),
            Some(r) if now > r.list.expires_at => flags.push(Flag::RevocationListExpired),
            Some(_) => {}
            None => flags.push(Flag::RevocationListMissing),
        }

        if let Purpose::Scan(_) = purpose {
            let today = Day::in_berlin(now).ok_or(if now < 0 {
                InvalidReason::NotYetValid
            } else {
                InvalidReason::Expired
            })?;
            if today < claims.valid_from {
                return Err(InvalidReason::NotYetValid);
            }
            if claims.valid_until.is_some_and(|until| today > until) {
                return Err(InvalidReason::Expired);
            }
        }

        if kind == PresentationKind::Static {
            flags.push(Flag::StaticCard);
        }
        if now > trust.list.expires_at {
            flags.push(Flag::TrustListExpired);
        }
        let first_seen_at = replay_key.and_then(|key| {
            self.replay
                .lock()
                .map(|mut cache| cache.check_and_record(key, now))
                .unwrap_or(None)
        });
        if first_seen_at.is_some() {
            flags.push(Flag::RepeatScan);
        }

        Ok(ValidCard {
            card_id: claims.card_id_hex(),
            holder_name: claims.holder_name,
            birthday: claims.birthday,
            card_type: claims.card_type,
            project_id: claims.project_id,
            region_id: claims.region_id,
            valid_from: claims.valid_from,
            valid_until: claims.valid_until,
            issued_at: claims.issued_at,
            issuer_name: issuer.name.clone(),
            issuer_key_id: issuer.key_id,
            kind,
            presentation_age_secs,
            trust_list_version: trust.list.version,
            trust_list_age_secs: now - trust.list.issued_at,
            flags,
            first_seen_at,
        })
    }
}

/// The replay cache's key: a hash of what the signature covers, so that no encoding of the
/// same signed content (should one ever pass the canonical check) counts as a new code. For
/// a device-bound code that is the credential and the time step the device signed.
fn replay_key(kind: &[u8], signed: &[u8]) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(b"EHK-REPLAY-V1\0")
        .chain_update(kind)
        .chain_update(signed)
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}
