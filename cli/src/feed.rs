//! `ehk feed publish`, `ehk serve` and `ehk sync`: the issuer's feed and the phone's side of it.

use crate::files::{read, CliResult, PinArgs};
use clap::{Args, Subcommand};
use ehk_core::feed::manifest::{safe_artifact_name, sha256_hex, MANIFEST_NAME};
use ehk_core::feed::{SyncCancel, SyncOutcome};
use ehk_core::keys::read_public_file;
use ehk_core::progress::Progress;
use ehk_core::stores::StoreDb;
use ehk_core::IssuerKey;
use ehk_core::{FeedStore, Platform};
use ehk_issuer::publish::PublishOptions;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum FeedCommand {
    /// Write the next feed version (manifest, snapshot, deltas, trust and revocation lists).
    Publish(PublishArgs),
}

#[derive(Args)]
pub struct PublishArgs {
    /// The feed directory, served as static files.
    dir: PathBuf,
    /// The store database to publish.
    #[arg(long, default_value = "stores.db")]
    db: PathBuf,
    /// The issuer key with the stores role.
    #[arg(long)]
    key: PathBuf,
    /// The root public key, to check the trust list before publishing it.
    #[arg(long)]
    root: PathBuf,
    #[arg(long)]
    trust_list: PathBuf,
    #[arg(long)]
    revocations: Vec<PathBuf>,
    /// The news file (`ehk news add`) to sign into the feed with --key (needs the news role).
    #[arg(long)]
    news: Option<PathBuf>,
    #[arg(long, default_value_t = 14)]
    expires_days: i64,
    /// Offer deltas from this many earlier versions.
    #[arg(long, default_value_t = 5)]
    keep_versions: u64,
}

#[derive(Args)]
pub struct ServeArgs {
    dir: PathBuf,
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Address to listen on; loopback unless you mean to serve others.
    #[arg(long, default_value = "127.0.0.1")]
    bind: String,
}

#[derive(Args)]
pub struct SyncArgs {
    /// The feed's base URL (the directory holding manifest.cose).
    url: String,
    /// The phone's store database.
    #[arg(long, default_value = "stores.db")]
    db: PathBuf,
    #[command(flatten)]
    pin: PinArgs,
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
}

pub fn run_publish(cmd: FeedCommand, now: i64) -> CliResult {
    let FeedCommand::Publish(a) = cmd;
    let key = IssuerKey::read_secret_file(&a.key)?;
    let root = read_public_file(&a.root)?;
    let db = StoreDb::open(&a.db)?;
    let snapshot = db.snapshot(0)?;
    let revocations = a
        .revocations
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut news_bundles = Vec::new();
    if let Some(file) = &a.news {
        let source = crate::news::NewsSource::load(file)?;
        let previous = std::fs::read(a.dir.join(MANIFEST_NAME))
            .ok()
            .and_then(|m| ehk_core::feed::Manifest::unverified(&m).ok())
            .and_then(|m| {
                m.artifacts.iter().find_map(|art| match &art.kind {
                    ehk_core::feed::ArtifactKind::NewsBundle { publisher, version }
                        if *publisher == key.key_id().to_hex() =>
                    {
                        Some(*version)
                    }
                    _ => None,
                })
            })
            .unwrap_or(0);
        let bundle = ehk_core::news::NewsBundle {
            version: previous + 1,
            issued_at: now,
            expires_at: now + a.expires_days * 86_400,
            items: source.items,
            regions: source.regions,
        };
        println!(
            "news bundle version {} with {} item(s)",
            bundle.version,
            bundle.items.len()
        );
        news_bundles.push(bundle.sign(&key)?);
    }
    let report = ehk_issuer::publish::publish_with_news(
        &a.dir,
        &key,
        &root,
        &snapshot,
        &read(&a.trust_list)?,
        &revocations,
        &news_bundles,
        now,
        &PublishOptions {
            expires_in_secs: a.expires_days * 86_400,
            keep_versions: a.keep_versions,
        },
    )?;
    println!(
        "feed version {} with {} stores in {}:",
        report.version,
        snapshot.stores.len(),
        a.dir.display()
    );
    for artifact in &report.artifacts {
        println!(
            "  {:<40} {:>10} bytes  sha256 {}",
            artifact.name,
            artifact.size,
            &artifact.sha256[..16]
        );
    }
    if !report.removed.is_empty() {
        println!("  removed: {}", report.removed.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn progress(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

pub fn run_sync(a: SyncArgs, now: i64) -> CliResult {
    let store = FeedStore::open(&a.db, a.pin.pin()?, Platform::Android, now)?;
    let db = store.stores();
    let mut options = store.sync_options();
    options.timeout = std::time::Duration::from_secs(a.timeout_secs.max(1));
    let bar = Bar(indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    ));
    let report = store.sync(&a.url, &options, now, &bar, &SyncCancel::new());
    bar.0.finish_and_clear();
    match report?.outcome {
        SyncOutcome::NotModified { version } => println!("feed unchanged (version {version})"),
        SyncOutcome::UpToDate { version } => println!("already at feed version {version}"),
        SyncOutcome::Updated {
            from,
            to,
            via_delta,
            downloaded_bytes,
        } => println!(
            "feed version {} -> {to} by {}, {downloaded_bytes} bytes; {} stores",
            from.map_or("none".to_string(), |v| v.to_string()),
            if via_delta { "delta" } else { "snapshot" },
            db.store_count()?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &sha256_hex(bytes)[..32])
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header names are valid")
}

fn answer(
    dir: &Path,
    request: &tiny_http::Request,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let empty = |code: u16| tiny_http::Response::from_data(Vec::new()).with_status_code(code);
    if !matches!(
        request.method(),
        tiny_http::Method::Get | tiny_http::Method::Head
    ) {
        return empty(405);
    }
    let name = request
        .url()
        .split('?')
        .next()
        .unwrap_or("")
        .trim_start_matches('/');
    if !safe_artifact_name(name) {
        return empty(404);
    }
    let Ok(bytes) = std::fs::read(dir.join(name)) else {
        return empty(404);
    };
    let tag = etag(&bytes);
    let cache = if name == MANIFEST_NAME {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    let matches = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == tag);
    if matches {
        return empty(304)
            .with_header(header("ETag", &tag))
            .with_header(header("Cache-Control", cache));
    }
    tiny_http::Response::from_data(bytes)
        .with_header(header("ETag", &tag))
        .with_header(header("Cache-Control", cache))
        .with_header(header("Content-Type", "application/octet-stream"))
}

fn serve_forever(server: tiny_http::Server, dir: &Path) {
    for request in server.incoming_requests() {
        let response = answer(dir, &request);
        let _ = request.respond(response);
    }
}

/// A static file server for development and tests. In production any static web host or CDN
/// serves the directory.
pub fn run_serve(a: ServeArgs) -> CliResult {
    let server = tiny_http::Server::http((a.bind.as_str(), a.port))
        .map_err(|e| format!("cannot listen: {e}"))?;
    println!(
        "serving {} on http://{}:{}/",
        a.dir.display(),
        a.bind,
        a.port
    );
    serve_forever(server, &a.dir);
    Ok(ExitCode::SUCCESS)
}

/// Serves `dir` on a free loopback port from a background thread; returns the base URL.
pub fn serve_in_background(dir: &Path) -> CliResult<String> {
    let server =
        tiny_http::Server::http("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or("no loopback port")?;
    let dir = dir.to_path_buf();
    std::thread::spawn(move || serve_forever(server, &dir));
    Ok(format!("http://127.0.0.1:{port}"))
}
