//! Syncing a phone's store database from the feed: conditional GET of the manifest, the trust
//! list checked against the root key, the manifest's signer checked against the trust list,
//! versions never going back, every download bounded and hashed, and everything applied in one
//! transaction. A failure at any point leaves the database exactly as it was.

use crate::card::verify::Verifier;
use crate::error::{Error, Result};
use crate::feed::manifest::{
    decode_delta, read_snapshot, sha256_hex, Artifact, ArtifactKind, Manifest, MANIFEST_NAME,
};
use crate::keys::KeyId;
use crate::news::model::NewsBundle;
use crate::progress::Progress;
use crate::stores::db::{
    apply_delta, begin_snapshot, finish_snapshot, insert_store, put_signed_list,
    retain_signed_lists, set_feed_state, StoreDb, SyncCancel,
};
use crate::trust::list::{Scope, SignedObject, TrustList};
use crate::trust::pin::check_project;
use crate::trust::revocation::RevocationList;
use crate::trust::versions::not_older;
use ed25519_dalek::VerifyingKey;
use std::io::Read;
use std::time::{Duration, Instant};

pub const TRUST_LIST_NAME: &str = "trust-list";

#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// The project's root public key, shipped with the app.
    pub root: VerifyingKey,
    /// The project the app pins: a trust list of another project is refused, however well the
    /// root signed it.
    pub project_id: u32,
    /// For the whole sync: every request, connection and body together. A server that
    /// trickles bytes cannot hold a sync past it.
    pub timeout: Duration,
    /// Below this average rate (after the first seconds of a download) the sync gives up.
    pub min_bytes_per_sec: u64,
    /// No artifact larger than this is downloaded.
    pub max_download_bytes: u64,
    /// No snapshot or delta expands beyond this.
    pub max_expanded_bytes: u64,
}

impl SyncOptions {
    pub fn new(root: VerifyingKey, project_id: u32) -> SyncOptions {
        SyncOptions {
            root,
            project_id,
            timeout: Duration::from_secs(60),
            min_bytes_per_sec: 1024,
            max_download_bytes: 256 << 20,
            max_expanded_bytes: 2 << 30,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The server answered 304: the manifest has not changed.
    NotModified { version: u64 },
    /// The manifest is the version the database already has.
    UpToDate { version: u64 },
    Updated {
        from: Option<u64>,
        to: u64,
        via_delta: bool,
        downloaded_bytes: u64,
    },
}

const MANIFEST_LIMIT: u64 = 1 << 20;
/// A feed version counts publications; no real feed moves this far between two syncs, and a
/// manifest that claims it (a key misused to jump ahead) would lock the real feed out.
pub const MAX_VERSION_STEP: u64 = 1_000_000;
/// A manifest issued further in the future than this (by the phone's clock) is refused.
pub const MAX_CLOCK_SKEW_SECS: i64 = 86_400;
/// How long a download may run before its average rate is judged.
const RATE_GRACE: Duration = Duration::from_secs(5);

struct Fetcher<'a> {
    cancel: &'a SyncCancel,
    client: reqwest::blocking::Client,
    base: String,
    progress: &'a dyn Progress,
    /// Every byte downloaded in this sync.
    downloaded: u64,
    /// Progress covers the store data and the revocation lists, whose sizes are known once the
    /// manifest is verified; it only ever moves forward.
    reporting: bool,
    done: u64,
    total: u64,
    started: Instant,
    deadline: Instant,
    min_bytes_per_sec: u64,
}

impl Fetcher<'_> {
    fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    fn read_body(
        &mut self,
        response: reqwest::blocking::Response,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut reader = response.take(limit + 1);
        let mut chunk = [0u8; 64 * 1024];
        loop {
            self.cancel.check()?;
            self.check_time(what)?;
            let n = reader
                .read(&mut chunk)
                .map_err(|e| Error::Network(format!("{what}: connection lost: {e}")))?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
            self.downloaded += n as u64;
            if self.reporting {
                self.done = (self.done + n as u64).min(self.total);
                self.progress.progress(self.done, self.total);
            }
        }
        if body.len() as u64 > limit {
            return Err(Error::Network(format!("{what} is larger than allowed")));
        }
        Ok(body)
    }

    /// The whole sync's deadline, and a minimum average rate once a download has had time to
    /// start: a server sending one byte now and then holds nothing for long.
    fn check_time(&self, what: &str) -> Result<()> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(Error::Network(format!("{what}: timed out")));
        }
        let elapsed = now.duration_since(self.started);
        if elapsed > RATE_GRACE
            && (self.downloaded as f64) < self.min_bytes_per_sec as f64 * elapsed.as_secs_f64()
        {
            return Err(Error::Network(format!("{what}: the server is too slow")));
        }
        Ok(())
    }

    fn get(&self, name: &str, etag: Option<&str>) -> Result<reqwest::blocking::Response> {
        self.check_time(name)?;
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let mut request = self.client.get(self.url(name)).timeout(remaining);
        if let Some(tag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        request
            .send()
            .map_err(|e| Error::Network(format!("{name}: {}", without_url(&e))))
    }

    /// Downloads an artifact and checks its size and hash against the manifest.
    fn artifact(&mut self, a: &Artifact, max: u64) -> Result<Vec<u8>> {
        if a.size > max {
            return Err(Error::Network(format!("{} is larger than allowed", a.name)));
        }
        let response = self.get(&a.name, None)?;
        if !response.status().is_success() {
            return Err(Error::Network(format!(
                "{}: HTTP {}",
                a.name,
                response.status().as_u16()
            )));
        }
        let body = self.read_body(response, a.size, &a.name)?;
        if body.len() as u64 != a.size || sha256_hex(&body) != a.sha256 {
            return Err(Error::HashMismatch(a.name.clone()));
        }
        Ok(body)
    }
}

/// reqwest errors name the URL; the message keeps to the kind of failure.
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else if e.is_body() || e.is_decode() {
        "broken response body".into()
    } else {
        "request failed".into()
    }
}

fn stored_trust_list(db: &StoreDb, root: &VerifyingKey) -> Result<Option<TrustList>> {
    db.signed_list(TRUST_LIST_NAME)?
        .map(|bytes| TrustList::verify(&bytes, root))
        .transpose()
}

/// A trust list from outside (the feed, an activation response) checked as the phone must before
/// storing it: signed by the pinned root for the pinned project, not expired, and not older
/// than the stored one (the same version only with the same bytes).
pub(crate) fn checked_trust_list(
    db: &StoreDb,
    bytes: &[u8],
    root: VerifyingKey,
    project_id: u32,
    now: i64,
) -> Result<TrustList> {
    let trust = TrustList::verify(bytes, &root)?;
    check_project("trust list", &trust, project_id)?;
    if now > trust.expires_at {
        return Err(Error::Expired("trust list"));
    }
    if let Some(stored) = db.signed_list(TRUST_LIST_NAME)? {
        let current = TrustList::verify(&stored, &root)?;
        not_older(
            "trust list",
            (trust.version, bytes),
            (current.version, &stored),
        )?;
    }
    Ok(trust)
}

/// A revocation list from outside checked against `trust` before storing: its signer and
/// version, or `None` (logged) when the trust list does not let its signer publish one. A
/// broken signature, or a version older than the stored list's (or the same version with other
/// bytes), is an error.
pub(crate) fn checked_revocation_list(
    db: &StoreDb,
    trust: &TrustList,
    bytes: &[u8],
) -> Result<Option<(KeyId, u64)>> {
    let signer = RevocationList::signer(bytes)?;
    let key = match trust.authorized_key(signer, SignedObject::RevocationList) {
        Ok(key) => key,
        Err(e) => {
            log::warn!("revocation list skipped: {e}");
            return Ok(None);
        }
    };
    let list = RevocationList::verify(bytes, &key)?;
    if let Some(stored) = db.signed_list(&revocation_name(signer))? {
        if let Ok(current) = RevocationList::verify(&stored, &key) {
            not_older(
                "revocation list",
                (list.version, bytes),
                (current.version, &stored),
            )?;
        }
    }
    Ok(Some((signer, list.version)))
}

pub(crate) fn revocation_name(issuer: KeyId) -> String {
    format!("revocations-{issuer}")
}

fn news_name(publisher: KeyId) -> String {
    format!("news-{publisher}")
}

/// The news bundles the last sync brought, each checked again against the stored trust list.
/// A bundle whose publisher the trust list no longer allows, or that no longer verifies, is
/// skipped and logged: one publisher's lapsed key never hides everyone else's news.
pub fn news_from_db(db: &StoreDb, root: VerifyingKey, now: i64) -> Result<Vec<NewsBundle>> {
    match stored_trust_list(db, &root)? {
        Some(trust) => news_checked_by(db, &trust, now),
        None => Ok(Vec::new()),
    }
}

/// As [`news_from_db`], with the stored trust list already checked (a verifier holds it).
pub fn news_checked_by(db: &StoreDb, trust: &TrustList, now: i64) -> Result<Vec<NewsBundle>> {
    let mut bundles = Vec::new();
    for (name, bytes) in db.signed_lists()? {
        if name.starts_with("news-") {
            match NewsBundle::verify_trusted(&bytes, trust, now) {
                Ok((_, bundle)) => bundles.push(bundle),
                Err(e) => log::warn!("stored {name} skipped: {e}"),
            }
        }
    }
    Ok(bundles)
}

/// One sync against the feed at `base_url` (the directory holding `manifest.cose`).
/// `StoreDb::cancel_sync` stops it.
pub fn sync(
    db: &StoreDb,
    base_url: &str,
    options: &SyncOptions,
    now: i64,
    progress: &dyn Progress,
) -> Result<SyncOutcome> {
    sync_cancellable(db, base_url, options, now, progress, &SyncCancel::new())
}

/// As [`sync`]; `cancel` (or `StoreDb::cancel_sync` while it runs) stops this sync only.
pub fn sync_cancellable(
    db: &StoreDb,
    base_url: &str,
    options: &SyncOptions,
    now: i64,
    progress: &dyn Progress,
    cancel: &SyncCancel,
) -> Result<SyncOutcome> {
    let _running = db.begin_sync(cancel);
    run(db, base_url, options, now, progress, cancel)
}

fn run(
    db: &StoreDb,
    base_url: &str,
    options: &SyncOptions,
    now: i64,
    progress: &dyn Progress,
    cancel: &SyncCancel,
) -> Result<SyncOutcome> {
    cancel.check()?;
    let client = reqwest::blocking::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout.min(Duration::from_secs(15)))
        // The feed is static files on one host: a redirect elsewhere is refused, not followed.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ehk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Network(without_url(&e)))?;
    let mut fetch = Fetcher {
        cancel,
        client,
        base: base_url.trim_end_matches('/').to_string(),
        progress,
        downloaded: 0,
        reporting: false,
        done: 0,
        total: 0,
        started: Instant::now(),
        deadline: Instant::now() + options.timeout,
        min_bytes_per_sec: options.min_bytes_per_sec,
    };
    let local_version = db.feed_version()?;
    let etag = local_version.and(db.manifest_etag()?);

    let response = fetch.get(MANIFEST_NAME, etag.as_deref())?;
    if response.status() == reqwest::StatusCode::NOT_MODIFIED {
        if let Some(version) = local_version {
            return Ok(SyncOutcome::NotModified { version });
        }
    }
    if !response.status().is_success() {
        return Err(Error::Network(format!(
            "manifest: HTTP {}",
            response.status().as_u16()
        )));
    }
    let new_etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let manifest_bytes = fetch.read_body(response, MANIFEST_LIMIT, "manifest")?;

    // The trust list comes first: it is checked against the root key and then vouches for the
    // manifest's signer. Nothing else in the manifest is used before its signature holds.
    let unverified = Manifest::unverified(&manifest_bytes)?;
    let trust_artifact = unverified
        .artifacts
        .iter()
        .find(|a| matches!(a.kind, ArtifactKind::TrustList { .. }))
        .ok_or_else(|| Error::malformed("manifest", "no trust list"))?;
    let trust_bytes = fetch.artifact(trust_artifact, MANIFEST_LIMIT)?;
    let trust = checked_trust_list(db, &trust_bytes, options.root, options.project_id, now)?;
    let signer = Manifest::signer(&manifest_bytes)?;
    let signer_key = trust.authorized_key(
        signer,
        SignedObject::StoreFeed {
            now,
            scope: Scope::Signature,
        },
    )?;
    let manifest = Manifest::verify(&manifest_bytes, &signer_key)?;
    if manifest.issued_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(Error::malformed("feed manifest", "issued in the future"));
    }
    if let Some(local) = local_version {
        if manifest.version > local.saturating_add(MAX_VERSION_STEP) {
            return Err(Error::malformed(
                "feed manifest",
                format!(
                    "version {} jumps too far ahead of {local}",
                    manifest.version
                ),
            ));
        }
    }

    if let Some(local) = local_version {
        if manifest.version < local {
            return Err(Error::VersionNotNewer {
                what: "feed manifest",
                offered: manifest.version,
                current: local,
            });
        }
        if manifest.version == local {
            db.write(|tx| set_feed_state(tx, local, new_etag.as_deref(), now))?;
            return Ok(SyncOutcome::UpToDate { version: local });
        }
    }
    if now > manifest.expires_at {
        return Err(Error::Expired("feed manifest"));
    }

    let delta = local_version.and_then(|local| {
        manifest.artifacts.iter().find(|a| {
            a.kind
                == ArtifactKind::Delta {
                    from: local,
                    to: manifest.version,
                }
        })
    });
    let data = match delta {
        Some(a) => a,
        None => manifest
            .artifacts
            .iter()
            .find(|a| {
                a.kind
                    == ArtifactKind::Snapshot {
                        version: manifest.version,
                    }
            })
            .ok_or_else(|| Error::malformed("manifest", "no snapshot of its own version"))?,
    };
    let revocation_artifacts: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| matches!(a.kind, ArtifactKind::RevocationList { .. }))
        .collect();
    let news_artifacts: Vec<&Artifact> = manifest
        .artifacts
        .iter()
        .filter(|a| matches!(a.kind, ArtifactKind::NewsBundle { .. }))
        .collect();
    fetch.total = data.size
        + revocation_artifacts.iter().map(|a| a.size).sum::<u64>()
        + news_artifacts.iter().map(|a| a.size).sum::<u64>();
    fetch.reporting = true;
    progress.progress(0, fetch.total);

    let data_bytes = fetch.artifact(data, options.max_download_bytes)?;
    // A list whose signer the trust list does not allow is not stored; the rest of the feed
    // still applies.
    let mut revocations = Vec::new();
    for a in revocation_artifacts {
        let bytes = fetch.artifact(a, MANIFEST_LIMIT)?;
        if let Some((signer, version)) = checked_revocation_list(db, &trust, &bytes)? {
            revocations.push((signer, version, bytes));
        }
    }

    let mut news = Vec::new();
    for a in news_artifacts {
        let bytes = fetch.artifact(a, options.max_download_bytes)?;
        let (signer, bundle) = match NewsBundle::verify_trusted(&bytes, &trust, now) {
            Ok(checked) => checked,
            Err(e @ (Error::NotAllowed { .. } | Error::UnknownIssuer(_))) => {
                log::warn!("news bundle in the feed skipped: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        if now > bundle.expires_at {
            return Err(Error::Expired("news bundle"));
        }
        if let Some(stored) = db.signed_list(&news_name(signer))? {
            if let Ok((_, current)) = NewsBundle::verify_trusted(&stored, &trust, now) {
                not_older(
                    "news bundle",
                    (bundle.version, &bytes),
                    (current.version, &stored),
                )?;
            }
        }
        news.push((signer, bundle.version, bytes));
    }

    let via_delta = delta.is_some();
    // The signed manifest declares how far the store data expands; it expands that far and no
    // further.
    let expanded = data.expanded_size.ok_or_else(|| {
        Error::malformed("manifest", format!("{} has no expanded size", data.name))
    })?;
    if expanded > options.max_expanded_bytes {
        return Err(Error::malformed(
            "manifest",
            format!("{} expands beyond the size limit", data.name),
        ));
    }
    let delta_data = match via_delta {
        true => Some(decode_delta(&data_bytes, expanded)?),
        false => None,
    };
    if let Some(d) = &delta_data {
        if d.to_version != manifest.version || Some(d.from_version) != local_version {
            return Err(Error::malformed(
                "delta",
                "versions do not match the manifest",
            ));
        }
    }

    // Every region the store data touches must be the signer's (the one trust rule); a
    // snapshot replaces the project's whole list, so only a project-wide signer may sign one.
    let may = |scope: Scope| -> Result<()> {
        trust
            .authorized_key(signer, SignedObject::StoreFeed { now, scope })
            .map(|_| ())
    };
    if !via_delta {
        may(Scope::Project)?;
    }
    let mut still_allowed_revocations = Vec::new();
    for (name, bytes) in db.signed_lists()? {
        if !name.starts_with("revocations-") {
            continue;
        }
        let allowed = RevocationList::signer(&bytes)
            .and_then(|signer| trust.authorized_key(signer, SignedObject::RevocationList))
            .and_then(|key| RevocationList::verify(&bytes, &key));
        match allowed {
            Ok(_) => still_allowed_revocations.push(name),
            Err(e) => log::info!("stored {name} removed: {e}"),
        }
    }
    db.apply_sync(cancel, |tx| {
        match &delta_data {
            Some(d) => apply_delta(tx, d, &may)?,
            // The snapshot goes into the database store by store as it expands; it is checked
            // as it goes (its version, each record), and any problem rolls the whole
            // transaction back.
            None => {
                read_snapshot(
                    &data_bytes,
                    expanded,
                    true,
                    |header| {
                        if header.version != manifest.version {
                            return Err(Error::malformed(
                                "snapshot",
                                "version does not match the manifest",
                            ));
                        }
                        begin_snapshot(tx, &header.categories, &header.regions)
                    },
                    |store| insert_store(tx, &store),
                )?;
                finish_snapshot(tx)?;
            }
        }
        put_signed_list(tx, TRUST_LIST_NAME, trust.version, &trust_bytes)?;
        for (signer, version, bytes) in &revocations {
            put_signed_list(tx, &revocation_name(*signer), *version, bytes)?;
        }
        for (signer, version, bytes) in &news {
            put_signed_list(tx, &news_name(*signer), *version, bytes)?;
        }
        // Lists the new manifest no longer names go, so that nothing stale is loaded later;
        // but a revocation list whose issuer the new trust list still allows stays: it only
        // takes rights away, and a feed that leaves it out must not bring revoked cards back.
        let mut kept = vec![TRUST_LIST_NAME.to_string()];
        kept.extend(revocations.iter().map(|(s, _, _)| revocation_name(*s)));
        kept.extend(news.iter().map(|(s, _, _)| news_name(*s)));
        kept.extend(still_allowed_revocations.iter().cloned());
        retain_signed_lists(tx, &kept)?;
        set_feed_state(tx, manifest.version, new_etag.as_deref(), now)
    })?;
    log::info!(
        "feed version {} applied ({})",
        manifest.version,
        if via_delta { "delta" } else { "snapshot" }
    );
    Ok(SyncOutcome::Updated {
        from: local_version,
        to: manifest.version,
        via_delta,
        downloaded_bytes: fetch.downloaded,
    })
}

/// A verifier loaded with the trust list and revocation lists the last sync brought. A stored
/// revocation list that no longer loads (its issuer was withdrawn or lost the cards role) is
/// skipped and logged, so every other issuer's cards still verify; the withdrawn issuer's cards
/// are refused with their own reason.
pub fn verifier_from_db(db: &StoreDb, root: VerifyingKey) -> Result<Verifier> {
    let mut verifier = Verifier::new(root);
    let Some(trust) = db.signed_list(TRUST_LIST_NAME)? else {
        return Ok(verifier);
    };
    verifier.load_trust_list(&trust)?;
    for (name, bytes) in db.signed_lists()? {
        if name.starts_with("revocations-") {
            if let Err(e) = verifier.load_revocation_list(&bytes) {
                log::warn!("stored {name} skipped: {e}");
            }
        }
    }
    Ok(verifier)
}
