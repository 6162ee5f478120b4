//! The issuer service's rules, written once over [`Database`]: who may act on which card,
//! how a card is created, gets a letter, is activated, moves, is renewed and revoked, and how
//! revocations become a signed list. The HTTP layer and the command line only call these.

use crate::secret::ServiceSecret;
use crate::store::{
    AuditEntry, CardQuery, CardRow, CardStatus, CodeRow, CredentialRow, Database, StoreError,
    TokenRow, Totals, Tx,
};
use ed25519_dalek::{Signature, VerifyingKey};
use ehk_core::activation::protocol::{
    proof_message, ActivationRequest, ActivationResponse, Challenge, ErrorCode,
    MAX_CLOCK_DIFFERENCE_SECS,
};
use ehk_core::activation::ActivationCode;
use ehk_core::card::claims::{CardClaims, CardType};
use ehk_core::cose::CoseSigner;
use ehk_core::day::Day;
use ehk_core::trust::list::{SignedObject, TrustList};
use ehk_core::trust::pin::check_project;
use ehk_core::trust::revocation::RevocationList;
use ehk_issuer::issue::{check_request, issue_card, CardRequest};
use ehk_issuer::letter::{letters_pdf, Letter, LetterFonts};
use std::path::PathBuf;
use std::sync::Arc;

/// How long a challenge may be used.
pub const CHALLENGE_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The caller may not do this (another region's card, a region admin's project action).
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("no such card")]
    NotFound,
    /// The input does not make a valid card or request; the reason for the caller.
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("signing failed: {0}")]
    Signer(String),
    /// The configured trust list is unreadable, does not verify, or refuses the service's key.
    #[error("{0}")]
    Trust(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// An activation the service refused: the protocol's code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

fn refuse(code: ErrorCode) -> Refusal {
    let message = match code {
        ErrorCode::InvalidCode => {
            "Der Code ist ungültig oder abgelaufen. / The code is invalid or has expired."
        }
        ErrorCode::UsedOnOtherPhone => {
            "Die Karte ist auf einem anderen Telefon aktiv. Umziehen? / The card is active on another phone. Move it here?"
        }
        ErrorCode::ClockWrong => {
            "Die Uhr des Telefons geht falsch. / The phone's clock is wrong."
        }
        ErrorCode::RateLimited => "Zu viele Versuche. / Too many attempts.",
        ErrorCode::CardNotActive => {
            "Diese Karte wurde widerrufen oder ist abgelaufen. / This card was revoked or has expired."
        }
        ErrorCode::ChallengeExpired => {
            "Bitte erneut versuchen. / Please try again (the request was too old)."
        }
        ErrorCode::BadProof => "Die Anfrage ist ungültig. / The request is invalid.",
        ErrorCode::BadRequest => "Die Anfrage ist ungültig. / The request is invalid.",
        ErrorCode::Unavailable => {
            "Der Dienst ist gerade nicht erreichbar. / The service is unavailable."
        }
    };
    Refusal {
        code,
        message: message.into(),
    }
}

/// Who acts: an admin token's holder (with their reach), or the system itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admin {
    pub name: String,
    /// `None`: the whole project; otherwise only these regions.
    pub regions: Option<Vec<u32>>,
}

impl Admin {
    pub fn project(name: &str) -> Admin {
        Admin {
            name: name.into(),
            regions: None,
        }
    }

    fn may_act_on(&self, region_id: u32) -> bool {
        self.regions
            .as_ref()
            .is_none_or(|regions| regions.contains(&region_id))
    }

    fn check_project(&self, what: &str) -> ServiceResult<()> {
        match self.regions {
            None => Ok(()),
            Some(_) => Err(ServiceError::Forbidden(format!(
                "{what} needs a project admin"
            ))),
        }
    }
}

/// A card to create, as an admin enters it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    pub holder_name: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub birthday: Option<String>,
    /// `standard` or `gold`.
    pub card_type: String,
    pub region_id: u32,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    /// `YYYY-MM-DD`; none exactly for gold cards.
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A fresh letter: the code exists only here and on the letter.
#[derive(Debug, Clone)]
pub struct NewLetter {
    pub card: CardRow,
    pub code: ActivationCode,
    pub link: String,
    pub expires_at: i64,
}

pub struct Settings {
    pub project_id: u32,
    /// The issuer key's regions (from its trust list entry); `None`: the whole project.
    pub regions: Option<Vec<u32>>,
    /// The service's https origin, for the letters' links.
    pub public_url: String,
    pub code_validity_days: u32,
    pub max_attempts: u32,
    pub revocation_validity_days: u32,
    /// The project's current trust list, checked against the root key, handed to phones with
    /// their card; the service signs a card only if this list lets its key sign it.
    pub trust_list: Option<TrustListFile>,
    /// Where the latest signed revocation list is written for the feed publisher.
    pub revocation_list_out: Option<PathBuf>,
    /// Who sends the letters (printed at the top).
    pub issuer_name: String,
    /// Region names for the letters; a region without one prints as "Region N".
    pub region_names: std::collections::BTreeMap<u32, String>,
}

/// Where the project's trust list lies and the root key that must have signed it. The file is
/// read again for every use, so a new list published next to a running service takes effect.
#[derive(Debug, Clone)]
pub struct TrustListFile {
    pub path: PathBuf,
    pub root: VerifyingKey,
}

pub struct Service<D: Database> {
    db: D,
    signer: Arc<dyn CoseSigner>,
    secret: ServiceSecret,
    settings: Settings,
    /// The trust list file's bytes as last verified, and the list they hold.
    checked_trust_list: std::sync::Mutex<Option<(Vec<u8>, TrustList)>>,
}

fn day(text: &str, what: &str) -> ServiceResult<Day> {
    Day::parse(text).ok_or_else(|| ServiceError::Invalid(format!("{what}: not a YYYY-MM-DD date")))
}

fn card_type(text: &str) -> ServiceResult<CardType> {
    CardType::parse(text)
        .ok_or_else(|| ServiceError::Invalid(format!("card type {text:?}: standard or gold")))
}

fn today(now: i64) -> ServiceResult<Day> {
    Day::in_berlin(now).ok_or_else(|| ServiceError::Invalid("time out of range".into()))
}

impl<D: Database> Service<D> {
    pub fn new(
        db: D,
        signer: Arc<dyn CoseSigner>,
        secret: ServiceSecret,
        settings: Settings,
    ) -> Service<D> {
        Service {
            db,
            signer,
            secret,
            settings,
            checked_trust_list: Default::default(),
        }
    }

    /// New letters for several cards (each replacing the card's earlier codes), in order.
    pub fn new_letters(
        &self,
        admin: &Admin,
        ids: &[i64],
        now: i64,
    ) -> ServiceResult<Vec<NewLetter>> {
        ids.iter()
            .map(|&id| self.new_letter(admin, id, now))
            .collect()
    }

    /// The letters as one PDF, a page each.
    pub fn letters_pdf(
        &self,
        letters: &[NewLetter],
        fonts: &LetterFonts,
    ) -> ServiceResult<Vec<u8>> {
        let printed = letters
            .iter()
            .map(|l| {
                Ok(Letter {
                    holder_name: l.card.holder_name.clone(),
                    card_type: card_type(&l.card.card_type)?,
                    region: self
                        .settings
                        .region_names
                        .get(&l.card.region_id)
                        .cloned()
                        .unwrap_or_else(|| format!("Region {}", l.card.region_id)),
                    valid_from: Day(l.card.valid_from),
                    valid_until: l.card.valid_until.map(Day),
                    code: l.code.clone(),
                    service_base: self.settings.public_url.clone(),
                    issuer_name: self.settings.issuer_name.clone(),
                    code_expires: today(l.expires_at)?,
                })
            })
            .collect::<ServiceResult<Vec<_>>>()?;
        letters_pdf(&printed, fonts).map_err(|e| ServiceError::Invalid(e.to_string()))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn backend(&self) -> &'static str {
        self.db.kind()
    }

    fn request_for(&self, card: &CardRow, device_key: Option<[u8; 32]>) -> CardRequest {
        CardRequest {
            holder_name: card.holder_name.clone(),
            birthday: card.birthday.map(Day),
            card_type: CardType::parse(&card.card_type).unwrap_or(CardType::Standard),
            project_id: self.settings.project_id,
            region_id: card.region_id,
            valid_from: Day(card.valid_from),
            valid_until: card.valid_until.map(Day),
            device_key,
        }
    }

    fn check_region(&self, admin: &Admin, region_id: u32) -> ServiceResult<()> {
        if !admin.may_act_on(region_id) {
            return Err(ServiceError::Forbidden(format!(
                "region {region_id} is not yours"
            )));
        }
        if let Some(regions) = &self.settings.regions {
            if !regions.contains(&region_id) {
                return Err(ServiceError::Forbidden(format!(
                    "this issuer may not issue cards for region {region_id}"
                )));
            }
        }
        Ok(())
    }

    /// The card `id` if `admin` may see it; another region's card is `NotFound` for a region
    /// admin, so ids cannot be probed.
    fn visible_card(tx: &mut D::Tx<'_>, admin: &Admin, id: i64) -> ServiceResult<CardRow> {
        match tx.card(id)? {
            Some(card) if admin.may_act_on(card.region_id) => Ok(card),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Checks `new` as issuing will (name, dates, card type) and stores the card, waiting for
    /// activation.
    pub fn create_card(&self, admin: &Admin, new: &NewCard, now: i64) -> ServiceResult<CardRow> {
        self.check_region(admin, new.region_id)?;
        let card_type = card_type(&new.card_type)?;
        let valid_until = new
            .valid_until
            .as_deref()
            .map(|d| day(d, "valid_until"))
            .transpose()?;
        if card_type == CardType::Gold && valid_until.is_some() {
            return Err(ServiceError::Invalid(
                "a gold card has no valid_until".into(),
            ));
        }
        let request = CardRequest {
            holder_name: new.holder_name.clone(),
            birthday: new
                .birthday
                .as_deref()
                .map(|d| day(d, "birthday"))
                .transpose()?,
            card_type,
            project_id: self.settings.project_id,
            region_id: new.region_id,
            valid_from: day(&new.valid_from, "valid_from")?,
            valid_until,
            device_key: None,
        };
        let claims =
            check_request(&request, now).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let trust = self.trust_list()?;
        self.may_sign_card(
            trust.as_ref().map(|(_, list)| list),
            claims.region_id,
            card_type,
            now,
        )?;
        let mut card = CardRow {
            id: 0,
            holder_name: claims.holder_name,
            birthday: claims.birthday.map(|d| d.0),
            card_type: card_type.as_str().into(),
            region_id: claims.region_id,
            valid_from: claims.valid_from.0,
            valid_until: claims.valid_until.map(|d| d.0),
            status: CardStatus::Waiting,
            created_at: now,
            updated_at: now,
        };
        self.db.transaction(&mut |tx| -> ServiceResult<CardRow> {
            card.id = tx.insert_card(&card)?;
            audit(tx, now, &admin.name, "create", Some(card.id), "")?;
            Ok(card.clone())
        })
    }

    /// A new activation letter for card `id`: a fresh code, valid for the configured days;
    /// every earlier code of the card stops working.
    pub fn new_letter(&self, admin: &Admin, id: i64, now: i64) -> ServiceResult<NewLetter> {
        let expires_at = now + i64::from(self.settings.code_validity_days) * 86_400;
        self.db.transaction(&mut |tx| -> ServiceResult<NewLetter> {
            let card = Self::visible_card(tx, admin, id)?;
            if card.status == CardStatus::Revoked {
                return Err(ServiceError::Invalid("the card is revoked".into()));
            }
            let replaced = tx.replace_codes(id, now)?;
            // A lookup part that is taken is drawn again.
            let code = loop {
                let code = ActivationCode::generate();
                let row = CodeRow {
                    lookup: code.lookup().into(),
                    card_id: id,
                    secret_hash: self.secret.code_hash(&code),
                    created_at: now,
                    expires_at,
                    attempts: 0,
                    used_at: None,
                    replaced_at: None,
                };
                match tx.insert_code(&row) {
                    Ok(()) => break code,
                    Err(StoreError::Taken) => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            let detail = if replaced > 0 {
                format!(
                    "code {}, {replaced} earlier code(s) replaced",
                    code.lookup()
                )
            } else {
                format!("code {}", code.lookup())
            };
            audit(tx, now, &admin.name, "letter", Some(id), &detail)?;
            Ok(NewLetter {
                link: code.link(&self.settings.public_url),
                code,
                card,
                expires_at,
            })
        })
    }

    /// Revokes card `id`: its credentials go onto the next revocation list (signed now), its
    /// codes stop working.
    pub fn revoke(&self, admin: &Admin, id: i64, reason: &str, now: i64) -> ServiceResult<CardRow> {
        let card = self.db.transaction(&mut |tx| -> ServiceResult<CardRow> {
            let mut card = Self::visible_card(tx, admin, id)?;
            card.status = CardStatus::Revoked;
            card.updated_at = now;
            tx.update_card(&card)?;
            tx.replace_codes(id, now)?;
            let revoked = tx.revoke_credentials(id, "revoked", now)?;
            audit(tx, now, &admin.name, "revoke", Some(id), reason)?;
            if !revoked.is_empty() {
                self.sign_revocations(tx, now)?;
            }
            Ok(card)
        })?;
        self.write_revocation_list();
        Ok(card)
    }

    /// Gives card `id` a new end of validity. A phone holding it gets the renewed card on its
    /// next activation with the same code and device (its old credential is then revoked).
    pub fn renew(
        &self,
        admin: &Admin,
        id: i64,
        valid_until: Option<&str>,
        now: i64,
    ) -> ServiceResult<CardRow> {
        let until = valid_until.map(|d| day(d, "valid_until")).transpose()?;
        self.db.transaction(&mut |tx| -> ServiceResult<CardRow> {
            let mut card = Self::visible_card(tx, admin, id)?;
            if card.status == CardStatus::Revoked {
                return Err(ServiceError::Invalid("the card is revoked".into()));
            }
            card.valid_until = until.map(|d| d.0);
            check_request(&self.request_for(&card, None), now)
                .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            card.updated_at = now;
            tx.update_card(&card)?;
            audit(
                tx,
                now,
                &admin.name,
                "renew",
                Some(id),
                &format!("valid_until {}", valid_until.unwrap_or("none")),
            )?;
            Ok(card)
        })
    }

    pub fn find_cards(&self, admin: &Admin, mut query: CardQuery) -> ServiceResult<Vec<CardRow>> {
        if let Some(mine) = &admin.regions {
            query.regions = Some(match query.regions {
                Some(asked) => asked.into_iter().filter(|r| mine.contains(r)).collect(),
                None => mine.clone(),
            });
        }
        query.limit = query.limit.clamp(1, 1000);
        self.db
            .transaction(&mut |tx| -> ServiceResult<_> { Ok(tx.find_cards(&query)?) })
    }

    pub fn card(&self, admin: &Admin, id: i64) -> ServiceResult<(CardRow, Vec<AuditEntry>)> {
        self.db.transaction(&mut |tx| -> ServiceResult<_> {
            let card = Self::visible_card(tx, admin, id)?;
            Ok((card, tx.audit_log(Some(id), 100)?))
        })
    }

    /// The audit log (a project admin's view).
    pub fn audit_log(&self, admin: &Admin, limit: u32) -> ServiceResult<Vec<AuditEntry>> {
        admin.check_project("the whole audit log")?;
        self.db.transaction(&mut |tx| -> ServiceResult<_> {
            Ok(tx.audit_log(None, limit.clamp(1, 10_000))?)
        })
    }

    pub fn totals(&self) -> ServiceResult<Totals> {
        self.db
            .transaction(&mut |tx| -> ServiceResult<_> { Ok(tx.totals()?) })
    }

    /// Adds an admin token (stored hashed); `regions` `None` makes a project admin.
    pub fn add_token(
        &self,
        name: &str,
        regions: Option<Vec<u32>>,
        now: i64,
    ) -> ServiceResult<String> {
        let (token, hash) = self.secret.new_token();
        let row = TokenRow {
            token_hash: hash,
            name: name.into(),
            role: if regions.is_some() {
                "region"
            } else {
                "project"
            }
            .into(),
            regions: regions.clone().unwrap_or_default(),
            created_at: now,
            revoked_at: None,
        };
        self.db.transaction(&mut |tx| -> ServiceResult<()> {
            tx.insert_token(&row)?;
            audit(tx, now, "system", "token", None, name)?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Revokes every live admin token held by `name` (someone left, a token leaked); the API
    /// refuses them from the next request on. Returns how many were revoked.
    pub fn revoke_tokens(&self, name: &str, now: i64) -> ServiceResult<u64> {
        self.db.transaction(&mut |tx| -> ServiceResult<u64> {
            let n = tx.revoke_tokens(name, now)?;
            audit(
                tx,
                now,
                "system",
                "token revoked",
                None,
                &format!("{name}: {n}"),
            )?;
            Ok(n)
        })
    }

    /// The admin a bearer token stands for, if it is a live token.
    pub fn admin_for_token(&self, token: &str) -> ServiceResult<Option<Admin>> {
        let hash = self.secret.token_hash(token);
        let row = self
            .db
            .transaction(&mut |tx| -> ServiceResult<_> { Ok(tx.token(&hash)?) })?;
        Ok(row.filter(|t| t.revoked_at.is_none()).map(|t| Admin {
            name: t.name,
            regions: (t.role == "region").then_some(t.regions),
        }))
    }

    pub fn challenge(&self, now: i64) -> Challenge {
        Challenge {
            challenge: hex::encode(self.secret.challenge(now)),
            server_time: now,
        }
    }

    /// The activation protocol's one step: see `ehk_core::activation::protocol`. Wrong codes
    /// count against the code (its attempts are stored even though the answer is a refusal);
    /// using the code and storing the credential happen in one transaction.
    pub fn activate(
        &self,
        request: &ActivationRequest,
        now: i64,
    ) -> ServiceResult<Result<ActivationResponse, Refusal>> {
        let checked = match self.check_request(request, now) {
            Ok(checked) => checked,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let (code, device) = checked;
        // Read and checked before the code is touched: a broken trust list spends no code.
        let (trust_bytes, trust) = self.trust_list()?.unzip();
        let outcome = self.db.transaction(&mut |tx| -> ServiceResult<_> {
            self.activate_in(tx, &code, device, trust.as_ref(), request.confirm_move, now)
        })?;
        if let Ok((_, true)) = &outcome {
            self.write_revocation_list();
        }
        Ok(match outcome {
            Ok((credential, moved)) => Ok(ActivationResponse {
                credential: hex::encode(credential),
                trust_list: trust_bytes.as_deref().map(hex::encode),
                revocation_lists: self
                    .revocation_list()
                    .into_iter()
                    .map(hex::encode)
                    .collect(),
                moved,
                server_time: now,
            }),
            Err(refusal) => Err(refusal),
        })
    }

    /// Everything that can be checked before the database: the code's form, the challenge,
    /// the clock, the device key's proof.
    fn check_request(
        &self,
        request: &ActivationRequest,
        now: i64,
    ) -> Result<(ActivationCode, [u8; 32]), Refusal> {
        // A code that is not even well-formed looks like any unknown code.
        let code =
            ActivationCode::parse(&request.code).map_err(|_| refuse(ErrorCode::InvalidCode))?;
        let challenge =
            hex::decode(&request.challenge).map_err(|_| refuse(ErrorCode::ChallengeExpired))?;
        if !self.secret.challenge_valid(&challenge, now, CHALLENGE_SECS) {
            return Err(refuse(ErrorCode::ChallengeExpired));
        }
        if request.device_time.abs_diff(now) > MAX_CLOCK_DIFFERENCE_SECS as u64 {
            return Err(refuse(ErrorCode::ClockWrong));
        }
        let device: [u8; 32] = hex::decode(&request.device_public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| refuse(ErrorCode::BadRequest))?;
        let key = VerifyingKey::from_bytes(&device).map_err(|_| refuse(ErrorCode::BadRequest))?;
        let signature: [u8; 64] = hex::decode(&request.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| refuse(ErrorCode::BadProof))?;
        key.verify_strict(
            &proof_message(&challenge, &code, &device),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| refuse(ErrorCode::BadProof))?;
        Ok((code, device))
    }

    /// The transaction of an activation: the credential and whether old ones were revoked,
    /// or the refusal (after storing a wrong attempt).
    #[allow(clippy::type_complexity)]
    fn activate_in(
        &self,
        tx: &mut D::Tx<'_>,
        code: &ActivationCode,
        device: [u8; 32],
        trust: Option<&TrustList>,
        confirm_move: bool,
        now: i64,
    ) -> ServiceResult<Result<(Vec<u8>, bool), Refusal>> {
        let Some(mut row) = tx.code(code.lookup())? else {
            return Ok(Err(refuse(ErrorCode::InvalidCode)));
        };
        if row.replaced_at.is_some()
            || now > row.expires_at
            || row.attempts >= self.settings.max_attempts
        {
            return Ok(Err(refuse(ErrorCode::InvalidCode)));
        }
        if !self.secret.code_matches(code, &row.secret_hash) {
            row.attempts += 1;
            tx.update_code(&row)?;
            audit(
                tx,
                now,
                &holder(&device),
                "wrong code",
                Some(row.card_id),
                &format!("attempt {}", row.attempts),
            )?;
            return Ok(Err(refuse(ErrorCode::InvalidCode)));
        }
        let mut card = tx.card(row.card_id)?.ok_or(ServiceError::NotFound)?;
        let expired = card
            .valid_until
            .is_some_and(|d| d < today(now).map(|t| t.0).unwrap_or(d));
        if card.status == CardStatus::Revoked || expired {
            return Ok(Err(refuse(ErrorCode::CardNotActive)));
        }
        let live = tx.live_credentials(card.id)?;
        if let Some(same) = live
            .iter()
            .find(|c| c.device_key == device && c.issued_at >= card.updated_at)
        {
            // A retry (its answer was lost) or a second look: the same credential again.
            return Ok(Ok((same.credential.clone(), false)));
        }
        let moved = live.iter().any(|c| c.device_key != device);
        if moved && !confirm_move {
            return Ok(Err(refuse(ErrorCode::UsedOnOtherPhone)));
        }
        // The key may still sign this card now (not withdrawn, region, type): otherwise the
        // transaction ends here and the code stays as it was.
        let request = self.request_for(&card, Some(device));
        self.may_sign_card(trust, card.region_id, request.card_type, now)?;
        let revoked =
            tx.revoke_credentials(card.id, if moved { "moved" } else { "replaced" }, now)?;
        let (credential, claims): (Vec<u8>, CardClaims) =
            issue_card(self.signer.as_ref(), &request, now)
                .map_err(|e| ServiceError::Signer(e.to_string()))?;
        tx.insert_credential(&CredentialRow {
            credential_id: claims.card_id,
            card_id: card.id,
            device_key: device,
            credential: credential.clone(),
            issued_at: now,
            code_lookup: row.lookup.clone(),
            valid_until: card.valid_until,
            revoked_at: None,
            revoke_reason: None,
        })?;
        if row.used_at.is_none() {
            row.used_at = Some(now);
            tx.update_code(&row)?;
        }
        if card.status != CardStatus::Active {
            card.status = CardStatus::Active;
            tx.update_card(&card)?;
        }
        audit(
            tx,
            now,
            &holder(&device),
            if moved { "move" } else { "activate" },
            Some(card.id),
            &format!("credential {}", hex::encode(claims.card_id)),
        )?;
        if !revoked.is_empty() {
            self.sign_revocations(tx, now)?;
        }
        Ok(Ok((credential, !revoked.is_empty())))
    }

    /// Signs a new revocation list (next version) of every revoked credential still valid, in
    /// the caller's transaction.
    fn sign_revocations(&self, tx: &mut D::Tx<'_>, now: i64) -> ServiceResult<u64> {
        let ids = tx.revoked_ids(today(now)?.0)?;
        let version = tx.latest_revocation_list()?.map_or(1, |(v, _)| v + 1);
        let expires_at = now + i64::from(self.settings.revocation_validity_days) * 86_400;
        let bytes = RevocationList::new(version, now, expires_at, ids)
            .sign_with(self.signer.as_ref())
            .map_err(|e| ServiceError::Signer(e.to_string()))?;
        tx.insert_revocation_list(version, now, expires_at, &bytes)?;
        Ok(version)
    }

    /// Signs the revocation list afresh (a new version with a new expiry) and writes it out
    /// for the feed; run daily, and by `ehk-server publish`.
    pub fn publish_revocations(&self, admin: &Admin, now: i64) -> ServiceResult<u64> {
        admin.check_project("publishing")?;
        let version = self.db.transaction(&mut |tx| -> ServiceResult<u64> {
            let version = self.sign_revocations(tx, now)?;
            audit(
                tx,
                now,
                &admin.name,
                "publish",
                None,
                &format!("revocation list {version}"),
            )?;
            Ok(version)
        })?;
        self.write_revocation_list();
        Ok(version)
    }

    /// The latest signed revocation list.
    pub fn revocation_list(&self) -> Option<Vec<u8>> {
        match self
            .db
            .transaction(&mut |tx| -> ServiceResult<_> { Ok(tx.latest_revocation_list()?) })
        {
            Ok(list) => list.map(|(_, bytes)| bytes),
            Err(e) => {
                log::error!("revocation list unreadable: {e}");
                None
            }
        }
    }

    /// The trust list as configured, verified with the root key and checked for this project;
    /// `None` when none is configured. A list that does not verify is an error: it is neither
    /// handed to phones nor used to decide what the service may sign.
    fn trust_list(&self) -> ServiceResult<Option<(Vec<u8>, TrustList)>> {
        let Some(file) = &self.settings.trust_list else {
            return Ok(None);
        };
        let failed = |e: &dyn std::fmt::Display| {
            ServiceError::Trust(format!("trust list {}: {e}", file.path.display()))
        };
        let bytes = std::fs::read(&file.path).map_err(|e| failed(&e))?;
        // Every activation reads the file; the signature is checked again only when it changed.
        let mut last = self
            .checked_trust_list
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((seen, list)) = last.as_ref().filter(|(seen, _)| *seen == bytes) {
            return Ok(Some((seen.clone(), list.clone())));
        }
        let list = TrustList::verify(&bytes, &file.root).map_err(|e| failed(&e))?;
        check_project("trust list", &list, self.settings.project_id).map_err(|e| failed(&e))?;
        *last = Some((bytes.clone(), list.clone()));
        Ok(Some((bytes, list)))
    }

    /// Whether the service's key may sign a card of `card_type` for `region_id` at `now`: the
    /// core's one trust rule ([`TrustList::authorize`]) on the configured trust list, so the
    /// service never signs a card that phones and shops would refuse.
    fn may_sign_card(
        &self,
        trust: Option<&TrustList>,
        region_id: u32,
        card_type: CardType,
        now: i64,
    ) -> ServiceResult<()> {
        let Some(list) = trust else { return Ok(()) };
        let what = SignedObject::Card {
            project_id: self.settings.project_id,
            region_id,
            card_type,
            issued_at: now,
        };
        list.authorize(self.signer.key_id(), what)
            .map(|_| ())
            .map_err(|refusal| {
                ServiceError::Forbidden(format!(
                    "the trust list (version {}) does not let this issuer key ({}) sign a {} card for region {region_id}: {refusal}",
                    list.version,
                    self.signer.key_id().to_hex(),
                    card_type.as_str(),
                ))
            })
    }

    /// The start-up check: the trust list verifies, and lets the service's key sign cards for
    /// every region of the configuration (for the whole project when it names none). Returns
    /// a line for the log.
    pub fn check_trust(&self, now: i64) -> ServiceResult<String> {
        let Some((_, list)) = self.trust_list()? else {
            return Ok("no trust list configured: phones get none with their card, and the service cannot check its own rights".into());
        };
        let key_id = self.signer.key_id();
        let entry = list
            .authorize(key_id, SignedObject::RevocationList)
            .map_err(|refusal| {
                ServiceError::Trust(format!(
                    "the trust list (version {}) refuses this issuer key ({}): {refusal}",
                    list.version,
                    key_id.to_hex()
                ))
            })?;
        match (&self.settings.regions, &entry.regions) {
            (Some(regions), _) => {
                for &region in regions {
                    self.may_sign_card(Some(&list), region, CardType::Standard, now)
                        .map_err(|e| match e {
                            ServiceError::Forbidden(why) => ServiceError::Trust(why),
                            other => other,
                        })?;
                }
            }
            (None, Some(allowed)) => {
                return Err(ServiceError::Trust(format!(
                    "the trust list limits this issuer key to the regions {allowed:?}; name them in `regions`"
                )))
            }
            (None, None) => {}
        }
        if list.expires_at < now {
            log::warn!(
                "the trust list (version {}) has expired: phones refuse it; publish a new one",
                list.version
            );
        }
        Ok(format!(
            "trust list version {} lets key {} ({}) sign cards",
            list.version,
            key_id.to_hex(),
            entry.name
        ))
    }

    /// Writes the latest revocation list where the feed publisher takes it from (0644: it is
    /// public). A failure is logged; the list stays in the database for the next try.
    fn write_revocation_list(&self) {
        let Some(path) = &self.settings.revocation_list_out else {
            return;
        };
        let Some(bytes) = self.revocation_list() else {
            return;
        };
        if let Err(e) = ehk_core::atomic_file::write_public_atomic(path, &bytes) {
            log::error!("revocation list not written to {}: {e}", path.display());
        }
    }
}

fn holder(device: &[u8; 32]) -> String {
    format!("holder device {}", hex::encode(&device[..4]))
}

fn audit<T: Tx + ?Sized>(
    tx: &mut T,
    at: i64,
    actor: &str,
    action: &str,
    card_id: Option<i64>,
    detail: &str,
) -> Result<(), StoreError> {
    tx.audit(&AuditEntry {
        at,
        actor: actor.into(),
        action: action.into(),
        card_id,
        detail: detail.into(),
    })
}
