//! The service's HTTP side (axum): the activation protocol for phones, the landing page and
//! the files phones' operating systems fetch for app links, the public revocation list, and
//! the admin API (bearer tokens). Every handler hands the work to [`Service`] on a blocking
//! thread; nothing here decides who may do what.

use crate::ratelimit::RateLimiter;
use crate::service::{Admin, NewCard, Refusal, Service, ServiceError};
use crate::store::{AuditEntry, CardQuery, CardRow, CardStatus, Database};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ehk_core::activation::protocol::{
    ActivationRequest, ErrorBody, ErrorCode, ACTIVATE_PATH, CHALLENGE_PATH,
};
use ehk_core::day::Day;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Request bodies are small JSON documents.
const BODY_LIMIT: usize = 64 * 1024;

pub struct AppState<D: Database> {
    pub service: Service<D>,
    pub limiter: RateLimiter,
    pub apps: crate::config::AppsConfig,
    /// For PDF letters; `None` when the fonts are missing (the JSON letter still works).
    pub fonts: Option<ehk_issuer::letter::LetterFonts>,
    /// Seconds added to the system clock: 0 in service; the demo replays its `--now`.
    pub clock_offset: i64,
}

impl<D: Database> AppState<D> {
    /// The service's clock.
    pub fn now(&self) -> i64 {
        now().saturating_add(self.clock_offset)
    }
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn router<D: Database>(state: Arc<AppState<D>>) -> Router {
    Router::new()
        .route("/activate", get(landing_page))
        .route("/.well-known/assetlinks.json", get(assetlinks::<D>))
        .route(
            "/.well-known/apple-app-site-association",
            get(apple_app_site_association::<D>),
        )
        .route(CHALLENGE_PATH, get(challenge::<D>))
        .route(ACTIVATE_PATH, post(activate::<D>))
        .route("/api/v1/revocation-list", get(revocation_list::<D>))
        .route(
            "/api/v1/admin/cards",
            post(create_card::<D>).get(find_cards::<D>),
        )
        .route("/api/v1/admin/cards/{id}", get(card::<D>))
        .route("/api/v1/admin/cards/{id}/letter", post(letter::<D>))
        .route("/api/v1/admin/letters", post(letters::<D>))
        .route("/api/v1/admin/cards/{id}/revoke", post(revoke::<D>))
        .route("/api/v1/admin/cards/{id}/renew", post(renew::<D>))
        .route("/api/v1/admin/publish", post(publish::<D>))
        .route("/api/v1/admin/audit", get(audit::<D>))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Runs blocking service work off the async threads.
async fn blocking<D: Database, T: Send + 'static>(
    state: &Arc<AppState<D>>,
    f: impl FnOnce(&AppState<D>) -> T + Send + 'static,
) -> Result<T, Response> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| {
            log::error!("a request's work failed: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        })
}

fn refusal_response(refusal: Refusal, now: i64, retry_after: Option<u64>) -> Response {
    let status = match refusal.code {
        ErrorCode::InvalidCode | ErrorCode::CardNotActive => StatusCode::FORBIDDEN,
        ErrorCode::UsedOnOtherPhone => StatusCode::CONFLICT,
        ErrorCode::ClockWrong | ErrorCode::ChallengeExpired | ErrorCode::BadProof => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut response = (
        status,
        Json(ErrorBody {
            error: refusal.code,
            message: refusal.message,
            server_time: now,
            retry_after_secs: retry_after,
        }),
    )
        .into_response();
    if let Some(secs) = retry_after {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

fn protocol_error(code: ErrorCode, message: &str, now: i64) -> Response {
    refusal_response(
        Refusal {
            code,
            message: message.into(),
        },
        now,
        None,
    )
}

fn limited<D: Database>(
    state: &AppState<D>,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Option<Response> {
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = state.limiter.client(peer.ip(), &forwarded);
    state.limiter.check(client).err().map(|retry_after| {
        refusal_response(
            Refusal {
                code: ErrorCode::RateLimited,
                message: "Zu viele Versuche. / Too many attempts.".into(),
            },
            state.now(),
            Some(retry_after),
        )
    })
}

async fn challenge<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = limited(&state, peer, &headers) {
        return r;
    }
    Json(state.service.challenge(state.now())).into_response()
}

async fn activate<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = limited(&state, peer, &headers) {
        return r;
    }
    let now = state.now();
    let request: ActivationRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return protocol_error(
                ErrorCode::BadRequest,
                "Die Anfrage ist ungültig. / The request is invalid.",
                now,
            )
        }
    };
    match blocking(&state, move |s| s.service.activate(&request, now)).await {
        Err(r) => r,
        Ok(Ok(Ok(answer))) => Json(answer).into_response(),
        Ok(Ok(Err(refusal))) => refusal_response(refusal, now, None),
        Ok(Err(e)) => {
            log::error!("activation failed: {e}");
            protocol_error(
                ErrorCode::Unavailable,
                "Der Dienst ist gerade nicht erreichbar. / The service is unavailable.",
                now,
            )
        }
    }
}

async fn revocation_list<D: Database>(State(state): State<Arc<AppState<D>>>) -> Response {
    match blocking(&state, |s| s.service.revocation_list()).await {
        Err(r) => r,
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "application/cose")], bytes).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no revocation list yet").into_response(),
    }
}

async fn landing_page() -> Html<&'static str> {
    Html(include_str!("activate.html"))
}

async fn assetlinks<D: Database>(State(state): State<Arc<AppState<D>>>) -> Response {
    let Some(package) = &state.apps.android_package else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Json(serde_json::json!([{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": package,
            "sha256_cert_fingerprints": state.apps.android_cert_sha256,
        }
    }]))
    .into_response()
}

async fn apple_app_site_association<D: Database>(
    State(state): State<Arc<AppState<D>>>,
) -> Response {
    if state.apps.apple_app_ids.is_empty() {
        return StatusCode::NOT_FOUND.into_response();
    }
    Json(serde_json::json!({
        "applinks": {
            "details": [{
                "appIDs": state.apps.apple_app_ids,
                "components": [{ "/": "/activate", "comment": "activation letters" }]
            }]
        }
    }))
    .into_response()
}

// ---- admin API ----

/// A card as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardJson {
    pub id: i64,
    pub holder_name: String,
    pub birthday: Option<String>,
    pub card_type: String,
    pub region_id: u32,
    pub valid_from: String,
    pub valid_until: Option<String>,
    /// `waiting`, `active`, `revoked` or `expired`.
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CardJson {
    pub fn of(card: &CardRow, now: i64) -> CardJson {
        let expired = card
            .valid_until
            .is_some_and(|d| Day::in_berlin(now).is_some_and(|t| d < t.0));
        CardJson {
            id: card.id,
            holder_name: card.holder_name.clone(),
            birthday: card.birthday.map(|d| Day(d).to_string()),
            card_type: card.card_type.clone(),
            region_id: card.region_id,
            valid_from: Day(card.valid_from).to_string(),
            valid_until: card.valid_until.map(|d| Day(d).to_string()),
            status: if expired && card.status != CardStatus::Revoked {
                "expired".into()
            } else {
                card.status.as_str().into()
            },
            created_at: card.created_at,
            updated_at: card.updated_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AuditJson {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub card_id: Option<i64>,
    pub detail: String,
}

impl From<AuditEntry> for AuditJson {
    fn from(e: AuditEntry) -> Self {
        AuditJson {
            at: e.at,
            actor: e.actor,
            action: e.action,
            card_id: e.card_id,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct LetterJson {
    pub card: CardJson,
    /// Grouped for printing; shown once, stored only hashed.
    pub code: String,
    pub link: String,
    pub expires_at: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewBody {
    pub valid_until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardsQuery {
    pub name: Option<String>,
    pub status: Option<String>,
    pub region: Option<u32>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub limit: Option<u32>,
}

fn api_error(e: ServiceError) -> Response {
    let (status, message) = match &e {
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, "no such card".to_string()),
        ServiceError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
        // The issuer's own set-up (its trust list) is wrong: tell the admin what.
        ServiceError::Trust(m) => {
            log::error!("admin request refused by the trust list: {m}");
            (StatusCode::SERVICE_UNAVAILABLE, m.clone())
        }
        ServiceError::Store(_) | ServiceError::Signer(_) => {
            log::error!("admin request failed: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".to_string(),
            )
        }
    };
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// The admin behind the request's bearer token, or the response refusing it.
async fn admin<D: Database>(
    state: &Arc<AppState<D>>,
    headers: &HeaderMap,
) -> Result<Admin, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
        .map(str::to_string);
    let unauthorized = || {
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            Json(serde_json::json!({ "error": "a valid admin token is needed" })),
        )
            .into_response()
    };
    let Some(token) = token else {
        return Err(unauthorized());
    };
    match blocking(state, move |s| s.service.admin_for_token(&token)).await? {
        Ok(Some(admin)) => Ok(admin),
        Ok(None) => Err(unauthorized()),
        Err(e) => Err(api_error(e)),
    }
}

fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Response> {
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|e| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response()
    })
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

async fn create_card<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let new: NewCard = try_response!(json_body(&body));
    let now = state.now();
    match try_response!(blocking(&state, move |s| s.service.create_card(&admin, &new, now)).await) {
        Ok(card) => (StatusCode::CREATED, Json(CardJson::of(&card, now))).into_response(),
        Err(e) => api_error(e),
    }
}

async fn find_cards<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Query(q): Query<CardsQuery>,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => match CardStatus::parse(s) {
            Ok(s) => Some(s),
            Err(_) => {
                return api_error(ServiceError::Invalid(format!(
                    "status {s:?}: waiting, active or revoked"
                )))
            }
        },
    };
    let query = CardQuery {
        regions: q.region.map(|r| vec![r]),
        name: q.name,
        status,
        limit: q.limit.unwrap_or(100),
        offset: q.offset.unwrap_or(0),
    };
    let now = state.now();
    match try_response!(blocking(&state, move |s| s.service.find_cards(&admin, query)).await) {
        Ok(cards) => Json(
            cards
                .iter()
                .map(|c| CardJson::of(c, now))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => api_error(e),
    }
}

async fn card<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let now = state.now();
    match try_response!(blocking(&state, move |s| s.service.card(&admin, id)).await) {
        Ok((card, log)) => Json(serde_json::json!({
            "card": CardJson::of(&card, now),
            "audit": log.into_iter().map(AuditJson::from).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => api_error(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterQuery {
    /// `json` (default: code and link) or `pdf` (the letter to print).
    pub format: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersBody {
    pub card_ids: Vec<i64>,
}

/// The most letters one request makes.
const MAX_LETTERS: usize = 1000;

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The letters as the caller asked: JSON (codes and links) or one PDF.
async fn letters_response<D: Database>(
    state: &Arc<AppState<D>>,
    letters: Vec<crate::service::NewLetter>,
    pdf: bool,
    now: i64,
) -> Response {
    if !pdf {
        let json: Vec<LetterJson> = letters
            .into_iter()
            .map(|l| LetterJson {
                card: CardJson::of(&l.card, now),
                code: l.code.grouped(),
                link: l.link,
                expires_at: l.expires_at,
            })
            .collect();
        return no_store(Json(json).into_response());
    }
    if state.fonts.is_none() {
        return api_error(ServiceError::Invalid(
            "PDF letters need the DejaVu fonts (Debian's fonts-dejavu-core) on the service".into(),
        ));
    }
    match blocking(state, move |s| {
        let Some(fonts) = &s.fonts else {
            return Err(ServiceError::Invalid("no fonts".into()));
        };
        s.service.letters_pdf(&letters, fonts)
    })
    .await
    {
        Err(r) => r,
        Ok(Ok(pdf)) => no_store(
            (
                [
                    (header::CONTENT_TYPE, "application/pdf"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"letters.pdf\"",
                    ),
                ],
                pdf,
            )
                .into_response(),
        ),
        Ok(Err(e)) => api_error(e),
    }
}

fn wants_pdf(q: &LetterQuery) -> Result<bool, Response> {
    match q.format.as_deref() {
        None | Some("json") => Ok(false),
        Some("pdf") => Ok(true),
        Some(other) => Err(api_error(ServiceError::Invalid(format!(
            "format {other:?}: json or pdf"
        )))),
    }
}

async fn letter<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let pdf = try_response!(wants_pdf(&q));
    let now = state.now();
    match try_response!(blocking(&state, move |s| s.service.new_letter(&admin, id, now)).await) {
        Ok(letter) if pdf => letters_response(&state, vec![letter], true, now).await,
        Ok(letter) => no_store(
            Json(LetterJson {
                card: CardJson::of(&letter.card, now),
                code: letter.code.grouped(),
                link: letter.link,
                expires_at: letter.expires_at,
            })
            .into_response(),
        ),
        Err(e) => api_error(e),
    }
}

/// New letters for many cards: `{"card_ids": [...]}`; JSON or one PDF.
async fn letters<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Query(q): Query<LetterQuery>,
    body: Bytes,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let pdf = try_response!(wants_pdf(&q));
    let body: LettersBody = try_response!(json_body(&body));
    if body.card_ids.is_empty() || body.card_ids.len() > MAX_LETTERS {
        return api_error(ServiceError::Invalid(format!(
            "between 1 and {MAX_LETTERS} card ids"
        )));
    }
    let now = state.now();
    match try_response!(
        blocking(&state, move |s| s.service.new_letters(
            &admin,
            &body.card_ids,
            now
        ))
        .await
    ) {
        Ok(letters) => letters_response(&state, letters, pdf, now).await,
        Err(e) => api_error(e),
    }
}

/// An admin action on one card with a JSON body: the changed card, or the refusal.
async fn card_action<D: Database, B: serde::de::DeserializeOwned + Send + 'static>(
    state: Arc<AppState<D>>,
    headers: HeaderMap,
    body: Bytes,
    action: impl FnOnce(&Service<D>, &Admin, B, i64) -> Result<CardRow, ServiceError> + Send + 'static,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let body: B = try_response!(json_body(&body));
    let now = state.now();
    match try_response!(blocking(&state, move |s| action(&s.service, &admin, body, now)).await) {
        Ok(card) => Json(CardJson::of(&card, now)).into_response(),
        Err(e) => api_error(e),
    }
}

async fn revoke<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    card_action(state, headers, body, move |s, admin, b: RevokeBody, now| {
        s.revoke(admin, id, &b.reason, now)
    })
    .await
}

async fn renew<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    card_action(state, headers, body, move |s, admin, b: RenewBody, now| {
        s.renew(admin, id, b.valid_until.as_deref(), now)
    })
    .await
}

async fn publish<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let now = state.now();
    match try_response!(blocking(&state, move |s| s.service.publish_revocations(&admin, now)).await)
    {
        Ok(version) => {
            Json(serde_json::json!({ "revocation_list_version": version })).into_response()
        }
        Err(e) => api_error(e),
    }
}

async fn audit<D: Database>(
    State(state): State<Arc<AppState<D>>>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    let admin = try_response!(admin(&state, &headers).await);
    let limit = q.limit.unwrap_or(100);
    match try_response!(blocking(&state, move |s| s.service.audit_log(&admin, limit)).await) {
        Ok(log) => Json(log.into_iter().map(AuditJson::from).collect::<Vec<_>>()).into_response(),
        Err(e) => api_error(e),
    }
}
