//! The phone's side of the activation protocol: one blocking exchange with the issuer's
//! service (the shells call it off the main thread, as they call the sync).

use super::code::{split_origin, ActivationCode, CodeError};
use super::protocol::{
    proof_message, ActivationRequest, ActivationResponse, Challenge, ErrorBody, ErrorCode,
    ACTIVATE_PATH, CHALLENGE_PATH, MAX_CLOCK_DIFFERENCE_SECS,
};
use ed25519_dalek::{Signer, SigningKey};
use std::io::Read;
use std::time::Duration;

/// The most a service answer may hold: a credential and the project's lists.
const RESPONSE_LIMIT: u64 = 4 << 20;

/// Why an activation did not happen, as the app tells the holder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    /// The code or link as typed or scanned is not a code (a typing error, a foreign link).
    #[error("{0}")]
    Code(#[from] CodeError),
    /// The link names another service than the app's.
    #[error("Der Link gehört zu einem anderen Dienst ({origin}) / the link belongs to another service ({origin})")]
    ForeignLink { origin: String },
    /// Unknown, expired, replaced by a newer letter or locked after too many tries.
    #[error("Der Code ist ungültig oder abgelaufen / the code is invalid or has expired")]
    InvalidCode,
    /// The card is active on another phone; activating again with `confirm_move` moves it
    /// here and the other phone's card stops working.
    #[error("Die Karte ist auf einem anderen Telefon aktiv / the card is active on another phone")]
    UsedOnOtherPhone,
    /// The phone's clock is off; the holder must set it first.
    #[error("Die Uhr des Telefons geht falsch ({phone_time} statt {server_time}) / the phone's clock is wrong")]
    ClockWrong { server_time: i64, phone_time: i64 },
    #[error("Zu viele Versuche, bitte in {retry_after_secs} s erneut / too many attempts, retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The service refused for another reason (the card was revoked, ...); its message.
    #[error("{message}")]
    Refused { code: String, message: String },
    #[error("Netzwerk / network: {0}")]
    Network(String),
}

/// The issuer's activation service, as the app is configured with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationService {
    origin: String,
    timeout: Duration,
}

/// What the service sent back, not yet checked by the phone.
#[derive(Debug, Clone)]
pub struct Activated {
    pub credential: Vec<u8>,
    pub trust_list: Option<Vec<u8>>,
    pub revocation_lists: Vec<Vec<u8>>,
    pub moved: bool,
}

impl ActivationService {
    /// `base_url`: the service's https origin (`https://karte.example.org`); plain http only
    /// to this machine, for development and tests.
    pub fn new(base_url: &str) -> Result<ActivationService, ActivationError> {
        let (origin, path) = split_origin(base_url.trim())
            .map_err(|e| CodeError::Link(format!("service address: {e}")))?;
        if !path.trim_matches('/').is_empty() {
            return Err(CodeError::Link("the service address has a path".into()).into());
        }
        Ok(ActivationService {
            origin,
            timeout: Duration::from_secs(30),
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> ActivationService {
        self.timeout = timeout;
        self
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Reads the holder's link or code and refuses a link to another service.
    pub fn code_from(&self, link_or_code: &str) -> Result<ActivationCode, ActivationError> {
        let (code, origin) = ActivationCode::from_link_or_code(link_or_code)?;
        match origin {
            Some(origin) if origin != self.origin => Err(ActivationError::ForeignLink { origin }),
            _ => Ok(code),
        }
    }

    /// Fetches a challenge, proves possession of `device` with it and asks for the card.
    /// Before the code is sent, a phone clock further than [`MAX_CLOCK_DIFFERENCE_SECS`] from
    /// the service's is refused, so a wrong clock costs no attempt.
    pub fn activate(
        &self,
        code: &ActivationCode,
        device: &SigningKey,
        confirm_move: bool,
        now: i64,
    ) -> Result<Activated, ActivationError> {
        let client = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ActivationError::Network(e.to_string()))?;
        let challenge: Challenge = self.exchange(client.get(self.url(CHALLENGE_PATH)))?;
        check_clock(challenge.server_time, now)?;
        let challenge_bytes = hex::decode(&challenge.challenge)
            .map_err(|_| ActivationError::Network("the service sent a broken challenge".into()))?;
        let public = device.verifying_key().to_bytes();
        let signature = device.sign(&proof_message(&challenge_bytes, code, &public));
        let request = ActivationRequest {
            code: code.compact(),
            device_public_key: hex::encode(public),
            challenge: challenge.challenge,
            signature: hex::encode(signature.to_bytes()),
            device_time: now,
            confirm_move,
        };
        let body = serde_json::to_vec(&request).expect("a request serialises");
        let answer: ActivationResponse = self
            .exchange(
                client
                    .post(self.url(ACTIVATE_PATH))
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .map_err(|e| match e {
                ActivationError::ClockWrong { server_time, .. } => ActivationError::ClockWrong {
                    server_time,
                    phone_time: now,
                },
                e => e,
            })?;
        let bytes = |hex_text: &str| {
            hex::decode(hex_text)
                .map_err(|_| ActivationError::Network("the service sent broken data".into()))
        };
        Ok(Activated {
            credential: bytes(&answer.credential)?,
            trust_list: answer.trust_list.as_deref().map(bytes).transpose()?,
            revocation_lists: answer
                .revocation_lists
                .iter()
                .map(|l| bytes(l))
                .collect::<Result<_, _>>()?,
            moved: answer.moved,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    fn exchange<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<T, ActivationError> {
        let response = request.send().map_err(|e| {
            ActivationError::Network(if e.is_timeout() {
                "no answer in time".into()
            } else if e.is_connect() {
                "the service cannot be reached".into()
            } else {
                "the request failed".into()
            })
        })?;
        let status = response.status();
        let mut body = Vec::new();
        response
            .take(RESPONSE_LIMIT + 1)
            .read_to_end(&mut body)
            .map_err(|_| ActivationError::Network("the answer broke off".into()))?;
        if body.len() as u64 > RESPONSE_LIMIT {
            return Err(ActivationError::Network("the answer is too large".into()));
        }
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|_| {
                ActivationError::Network(format!(
                    "the service's answer is unreadable (HTTP {status})"
                ))
            });
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => Err(refusal(e)),
            Err(_) => Err(ActivationError::Network(format!(
                "HTTP {}",
                status.as_u16()
            ))),
        }
    }
}

fn check_clock(server_time: i64, now: i64) -> Result<(), ActivationError> {
    if server_time.abs_diff(now) > MAX_CLOCK_DIFFERENCE_SECS as u64 {
        return Err(ActivationError::ClockWrong {
            server_time,
            phone_time: now,
        });
    }
    Ok(())
}

fn refusal(e: ErrorBody) -> ActivationError {
    match e.error {
        ErrorCode::InvalidCode => ActivationError::InvalidCode,
        ErrorCode::UsedOnOtherPhone => ActivationError::UsedOnOtherPhone,
        ErrorCode::ClockWrong => ActivationError::ClockWrong {
            server_time: e.server_time,
            phone_time: 0,
        },
        ErrorCode::RateLimited => ActivationError::RateLimited {
            retry_after_secs: e.retry_after_secs.unwrap_or(60),
        },
        other => ActivationError::Refused {
            code: serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            message: e.message,
        },
    }
}
