//! Publishing the feed and syncing from it, including every fault the network or a hostile
//! server can produce: each leaves the database exactly as it was, and the next sync succeeds.

mod common;
use common::*;
use ehk_core::feed::manifest::{encode_snapshot, expanded_size, sha256_hex};
use ehk_core::feed::sync::verifier_from_db;
use ehk_core::feed::*;
use ehk_core::progress::NoProgress;
use ehk_core::stores::{Snapshot, StoreDb};
use ehk_core::*;
use ehk_issuer::publish::{publish, publish_with_news, PublishOptions, PublishReport};
use ehk_issuer::stores::generate::{evolve, synthetic_snapshot};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, PartialEq)]
enum Fault {
    None,
    Status(&'static str, u16),
    /// Send the headers and half the body, then close.
    DropMidBody(&'static str),
    /// Promise the full length, send fewer bytes and keep the connection open until the
    /// client gives up.
    Stall(&'static str),
    /// Serve other bytes under this name.
    Replace(&'static str, Vec<u8>),
    /// Answer with a redirect to this URL.
    Redirect(&'static str, String),
    /// Send the body one byte every 100 ms.
    Trickle(&'static str),
}

/// A static file server on loopback whose answers can be broken on purpose.
struct TestServer {
    url: String,
    fault: Arc<Mutex<Fault>>,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

fn respond(stream: &mut TcpStream, dir: &Path, fault: &Fault) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("if-none-match:") {
            if_none_match = Some(v.trim().to_string());
        }
    }
    let name = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let status = |stream: &mut TcpStream, code: u16| {
        write!(
            stream,
            "HTTP/1.1 {code} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    };
    match fault {
        Fault::Status(n, code) if *n == name => return status(stream, *code),
        Fault::Redirect(n, to) if *n == name => {
            return write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        }
        _ => {}
    }
    let body = match fault {
        Fault::Replace(n, bytes) if *n == name => bytes.clone(),
        _ => match std::fs::read(dir.join(&name)) {
            Ok(b) if !name.contains("..") => b,
            _ => return status(stream, 404),
        },
    };
    let etag = format!("\"{}\"", &ehk_core::feed::manifest::sha256_hex(&body)[..16]);
    if if_none_match.as_deref() == Some(etag.to_ascii_lowercase().as_str()) {
        return write!(
            stream,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
        );
    }
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: {etag}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    match fault {
        Fault::DropMidBody(n) if *n == name => stream.write_all(&body[..body.len() / 2]),
        Fault::Stall(n) if *n == name => {
            stream.write_all(&body[..body.len() / 2])?;
            std::thread::sleep(std::time::Duration::from_secs(3));
            Ok(())
        }
        Fault::Trickle(n) if *n == name => {
            for byte in &body {
                stream.write_all(&[*byte])?;
                stream.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Ok(())
        }
        _ => stream.write_all(&body),
    }
}

impl TestServer {
    fn start(dir: PathBuf) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let fault = Arc::new(Mutex::new(Fault::None));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, s) = (fault.clone(), stop.clone());
        std::thread::spawn(move || {
            // Bounded: a test never makes more than a few hundred requests.
            for stream in listener.incoming().take(2_000) {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let fault = f.lock().unwrap().clone();
                let dir = dir.clone();
                std::thread::spawn(move || {
                    let _ = respond(&mut stream, &dir, &fault);
                });
            }
        });
        TestServer {
            url: format!("http://{addr}"),
            fault,
            stop,
            addr,
        }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

struct Feed {
    world: World,
    dir: tempfile::TempDir,
    store_key: IssuerKey,
    trust_bytes: Vec<u8>,
}

impl Feed {
    fn new() -> Feed {
        let mut world = World::new();
        let store_key = IssuerKey::generate().unwrap();
        let mut entry = issuer_entry(&store_key, "Landesamt Feed");
        entry.roles = Roles::of(&[Role::Stores]);
        // The store list is the whole project's: its signer has no region limit.
        entry.regions = None;
        world.change_trust(|t| t.upsert_issuer(entry).unwrap());
        let trust_bytes = world.trust.sign(&world.root).unwrap();
        Feed {
            world,
            dir: tempfile::tempdir().unwrap(),
            store_key,
            trust_bytes,
        }
    }

    /// A feed whose store key also has the news role.
    fn with_news_role() -> Feed {
        let mut feed = Feed::new();
        let kid = feed.store_key.key_id();
        feed.world.change_trust(|t| {
            t.issuers
                .iter_mut()
                .filter(|e| e.key_id == kid)
                .for_each(|e| e.roles = Roles::of(&[Role::Stores, Role::News]))
        });
        feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
        feed
    }

    fn publish(&self, snapshot: &Snapshot, revocations: &[Vec<u8>]) -> PublishReport {
        publish(
            self.dir.path(),
            &self.store_key,
            &self.world.root.public_key(),
            snapshot,
            &self.trust_bytes,
            revocations,
            NOW,
            &PublishOptions::default(),
        )
        .unwrap()
    }

    fn options(&self) -> SyncOptions {
        let mut o = SyncOptions::new(self.world.root.public_key(), PROJECT);
        o.timeout = std::time::Duration::from_secs(1);
        o
    }
}

fn phone_db() -> (tempfile::TempDir, StoreDb) {
    let dir = tempfile::tempdir().unwrap();
    let db = StoreDb::open(&dir.path().join("phone.db")).unwrap();
    (dir, db)
}

#[test]
fn first_sync_then_not_modified_then_delta_and_verifier_from_the_same_sync() {
    let feed = Feed::new();
    let v1 = synthetic_snapshot(2_000, 1, 0);
    let (card_text, claims) = feed.world.issue(&request("Erika Mustermann"));
    let revoked = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![claims.card_id])
        .sign(&feed.world.issuer);
    let report = feed.publish(&v1, &[revoked]);
    assert_eq!(report.version, 1);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();

    let outcome = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert!(
        matches!(
            outcome,
            SyncOutcome::Updated {
                from: None,
                to: 1,
                via_delta: false,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(db.store_count().unwrap(), 2_000);
    // The same sync brought the trust list and the revocation list.
    let verifier = verifier_from_db(&db, feed.world.root.public_key()).unwrap();
    assert_eq!(
        verifier.verify(&card_text, NOW).reason(),
        Some(InvalidReason::Revoked)
    );

    assert_eq!(
        sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap(),
        SyncOutcome::NotModified { version: 1 }
    );

    let mut v2 = evolve(&v1, 1_000, 2);
    v2.version = 2;
    feed.publish(&v2, &[]);
    let outcome = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert!(
        matches!(
            outcome,
            SyncOutcome::Updated {
                from: Some(1),
                to: 2,
                via_delta: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(db.snapshot(2).unwrap().stores, v2.stores);
}

/// Database content that must not change when a sync fails.
fn state(
    db: &StoreDb,
) -> (
    Option<u64>,
    Vec<ehk_core::stores::StoreRecord>,
    Vec<(String, Vec<u8>)>,
) {
    (
        db.feed_version().unwrap(),
        db.snapshot(0).unwrap().stores,
        db.signed_lists().unwrap(),
    )
}

#[test]
fn every_fault_leaves_the_database_as_it_was_and_the_next_sync_succeeds() {
    let feed = Feed::new();
    let v1 = synthetic_snapshot(1_500, 3, 0);
    feed.publish(&v1, &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let old_manifest = std::fs::read(feed.dir.path().join("manifest.cose")).unwrap();

    let v2 = evolve(&v1, 500, 4);
    feed.publish(&v2, &[]);
    let manifest = std::fs::read(feed.dir.path().join("manifest.cose")).unwrap();
    let mut tampered_manifest = manifest.clone();
    let n = tampered_manifest.len();
    tampered_manifest[n - 80] ^= 0x01;
    let stranger = IssuerKey::generate().unwrap();
    let foreign_manifest = Manifest::unverified(&manifest)
        .unwrap()
        .sign(&stranger)
        .unwrap();
    let mut not_stores_role = Manifest::unverified(&manifest).unwrap();
    not_stores_role.version = 3;
    let card_issuer_manifest = not_stores_role.sign(&feed.world.issuer).unwrap();

    let faults: Vec<(Fault, &str)> = vec![
        (Fault::Status("manifest.cose", 500), "HTTP 500"),
        (Fault::Status("delta-1-2.cbor.zst", 503), "HTTP 503"),
        (Fault::Status("delta-1-2.cbor.zst", 404), "HTTP 404"),
        (Fault::DropMidBody("delta-1-2.cbor.zst"), ""),
        (Fault::Stall("delta-1-2.cbor.zst"), ""),
        (Fault::DropMidBody("manifest.cose"), ""),
        (
            Fault::Replace("delta-1-2.cbor.zst", b"not the delta".to_vec()),
            "does not match",
        ),
        (Fault::Replace("manifest.cose", tampered_manifest), ""),
        (
            Fault::Replace("manifest.cose", foreign_manifest),
            "not in the trust list",
        ),
        (
            Fault::Replace("manifest.cose", card_issuer_manifest),
            "lacks the stores role",
        ),
        (
            Fault::Replace("manifest.cose", b"<html>garbage</html>".to_vec()),
            "malformed",
        ),
        (Fault::Replace("manifest.cose", vec![]), "malformed"),
        (
            Fault::Replace("trust-list-2.cose", b"x".to_vec()),
            "does not match",
        ),
    ];
    for (fault, expected) in faults {
        let before = state(&db);
        server.set(fault.clone());
        let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress)
            .err()
            .unwrap_or_else(|| panic!("{fault:?} did not fail"));
        assert!(err.to_string().contains(expected), "{fault:?}: {err}");
        assert_eq!(state(&db), before, "{fault:?} changed the database");
        assert_eq!(db.integrity_check().unwrap(), "ok");
    }

    server.set(Fault::None);
    let outcome = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert!(
        matches!(
            outcome,
            SyncOutcome::Updated {
                to: 2,
                via_delta: true,
                ..
            }
        ),
        "{outcome:?}"
    );

    // A replayed older manifest (a genuine one, correctly signed) is refused.
    server.set(Fault::Replace("manifest.cose", old_manifest));
    let before = state(&db);
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionNotNewer {
                offered: 1,
                current: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(state(&db), before);
}

#[test]
fn a_cancelled_sync_changes_nothing_and_the_next_one_succeeds() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(3_000, 9, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    struct CancelOnFirstProgress<'a>(&'a StoreDb);
    impl ehk_core::progress::Progress for CancelOnFirstProgress<'_> {
        fn progress(&self, _: u64, _: u64) {
            self.0.cancel_sync();
        }
    }
    let err = sync(
        &db,
        &server.url,
        &feed.options(),
        NOW,
        &CancelOnFirstProgress(&db),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Interrupted), "{err}");
    assert_eq!(db.feed_version().unwrap(), None);
    assert_eq!(db.store_count().unwrap(), 0);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(db.store_count().unwrap(), 3_000);
}

#[test]
fn expired_manifest_and_oversized_artifacts_are_refused() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(500, 5, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    let late = NOW + 15 * 86_400;
    assert!(matches!(
        sync(&db, &server.url, &feed.options(), late, &NoProgress),
        Err(Error::Expired(_))
    ));
    let mut small = feed.options();
    small.max_download_bytes = 1_000;
    assert!(sync(&db, &server.url, &small, NOW, &NoProgress)
        .unwrap_err()
        .to_string()
        .contains("larger"));
    let mut tight = feed.options();
    tight.max_expanded_bytes = 10_000;
    assert!(sync(&db, &server.url, &tight, NOW, &NoProgress)
        .unwrap_err()
        .to_string()
        .contains("size limit"));
    assert_eq!(db.feed_version().unwrap(), None);
    assert!(sync(&db, "http://127.0.0.1:9", &feed.options(), NOW, &NoProgress).is_err());
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(db.store_count().unwrap(), 500);
}

#[test]
fn an_older_trust_list_in_a_newer_manifest_is_refused() {
    let mut feed = Feed::new();
    let old_trust = feed.trust_bytes.clone();
    feed.world.change_trust(|_| {});
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    feed.publish(&synthetic_snapshot(100, 6, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    feed.trust_bytes = old_trust;
    feed.publish(&synthetic_snapshot(100, 7, 0), &[]);
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionNotNewer {
                what: "trust list",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(db.feed_version().unwrap(), Some(1));
}

#[test]
fn publishing_keeps_recent_snapshots_for_deltas_and_prunes_the_rest() {
    let feed = Feed::new();
    let mut snap = synthetic_snapshot(300, 8, 0);
    for v in 1..=8u64 {
        let report = feed.publish(&snap, &[]);
        assert_eq!(report.version, v);
        snap = evolve(&snap, 20, v);
    }
    let names: Vec<String> = std::fs::read_dir(feed.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    for v in 3..=8 {
        assert!(
            names.contains(&format!("snapshot-{v}.cbor.zst")),
            "{names:?}"
        );
    }
    assert!(!names.contains(&"snapshot-2.cbor.zst".to_string()));
    for v in 3..8 {
        assert!(
            names.contains(&format!("delta-{v}-8.cbor.zst")),
            "{names:?}"
        );
    }
    assert!(!names
        .iter()
        .any(|n| n.starts_with("delta-") && !n.ends_with("-8.cbor.zst")));
    // A key without the stores role cannot publish.
    let err = publish(
        feed.dir.path(),
        &feed.world.issuer,
        &feed.world.root.public_key(),
        &snap,
        &feed.trust_bytes,
        &[],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAllowed {
                refusal: Refusal::MissingRole(Role::Stores),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn progress_only_moves_forward_and_a_cancel_reaches_only_its_own_sync() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(3_000, 10, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    struct Record(Mutex<Vec<(u64, u64)>>);
    impl ehk_core::progress::Progress for Record {
        fn progress(&self, done: u64, total: u64) {
            self.0.lock().unwrap().push((done, total));
        }
    }
    // A sync's own cancel token stops it even when cancelled before it starts.
    let token = SyncCancel::new();
    token.cancel();
    assert!(matches!(
        sync_cancellable(&db, &server.url, &feed.options(), NOW, &NoProgress, &token),
        Err(Error::Interrupted)
    ));
    // A cancel while no sync runs (the previous one has ended) never reaches the next one.
    db.cancel_sync();
    let record = Record(Mutex::new(Vec::new()));
    sync(&db, &server.url, &feed.options(), NOW, &record).unwrap();
    let calls = record.0.into_inner().unwrap();
    let total = calls[0].1;
    assert!(total > 0 && calls[0].0 == 0, "{calls:?}");
    assert!(
        calls.iter().all(|c| c.1 == total),
        "the total never changes"
    );
    assert!(
        calls.windows(2).all(|w| w[0].0 <= w[1].0),
        "never backwards: {calls:?}"
    );
    assert_eq!(calls.last().unwrap().0, total);
}

#[test]
fn news_bundles_travel_in_the_feed_checked_and_never_going_back() {
    use ehk_core::feed::sync::news_from_db;
    use ehk_core::news::{geometry::Area, NewsBundle, NewsCategory, NewsIndex, NewsItem};
    let feed = Feed::with_news_role();
    let news = |version: u64, title: &str| {
        NewsBundle {
            version,
            issued_at: NOW,
            expires_at: NOW + 7 * 86_400,
            items: vec![NewsItem {
                id: "christkindlmarkt".into(),
                title_de: title.into(),
                title_en: "Christmas market".into(),
                body_de: String::new(),
                body_en: String::new(),
                category: NewsCategory::Event,
                priority: 5,
                valid_from: NOW - 3_600,
                valid_until: NOW + 86_400,
                store_id: None,
                area: Area::Circle {
                    latitude: 49.4539,
                    longitude: 11.0775,
                    radius_m: 400.0,
                },
            }],
            regions: vec![],
        }
        .sign(&feed.store_key)
        .unwrap()
    };
    let publish = |bundles: &[Vec<u8>]| {
        publish_with_news(
            feed.dir.path(),
            &feed.store_key,
            &feed.world.root.public_key(),
            &synthetic_snapshot(50, 1, 0),
            &feed.trust_bytes,
            &[],
            bundles,
            NOW,
            &PublishOptions::default(),
        )
    };
    publish(&[news(2, "Christkindlesmarkt")]).unwrap();
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let bundles = news_from_db(&db, feed.world.root.public_key(), NOW).unwrap();
    let index = NewsIndex::new(&bundles);
    let hits = index.news_at((49.4539, 11.0775), NOW);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].item.title_de, "Christkindlesmarkt");

    // A newer manifest carrying an older news bundle is refused as a whole.
    publish(&[news(1, "alt")]).unwrap();
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionNotNewer {
                what: "news bundle",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        news_from_db(&db, feed.world.root.public_key(), NOW)
            .unwrap()
            .len(),
        1
    );

    // A key without the news role cannot get a bundle into the feed.
    let stranger_news = NewsBundle {
        version: 9,
        issued_at: NOW,
        expires_at: NOW + 86_400,
        items: vec![],
        regions: vec![],
    }
    .sign(&feed.world.issuer)
    .unwrap();
    assert!(matches!(
        publish(&[stranger_news]),
        Err(Error::NotAllowed {
            refusal: Refusal::MissingRole(Role::News),
            ..
        })
    ));
}

/// A news bundle with one item at `at`, signed by `key`.
fn news_bundle(key: &IssuerKey, id: &str, at: (f64, f64)) -> Vec<u8> {
    let area = ehk_core::news::geometry::Area::Circle {
        latitude: at.0,
        longitude: at.1,
        radius_m: 500.0,
    };
    news_for(key, id, area, &[])
}

#[test]
fn a_withdrawn_issuer_is_shut_out_and_everyone_else_keeps_working() {
    use ehk_core::feed::sync::news_from_db;
    use ehk_core::news::NewsIndex;
    let mut feed = Feed::new();
    // Issuer A (the world's issuer) and issuer B both sign cards, revocation lists and news.
    let b = IssuerKey::generate().unwrap();
    let a_id = feed.world.issuer.key_id();
    feed.world.change_trust(|t| {
        let mut entry = issuer_entry(&b, "Stadt B");
        entry.roles = Roles::of(&[Role::Cards, Role::News]);
        // Its news are drawn as circles, which only a project-wide publisher may do.
        entry.regions = None;
        t.upsert_issuer(entry).unwrap();
        t.issuers
            .iter_mut()
            .filter(|e| e.key_id == a_id)
            .for_each(|e| e.roles = Roles::of(&[Role::Cards, Role::News]));
    });
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    let (a_card, a_claims) = feed.world.issue(&request("Anna A"));
    let (b_card, b_claims) = {
        let (credential, claims) =
            ehk_issuer::issue_card(&b, &request("Bernd B"), NOW - 3_600).unwrap();
        (QrPayload::Credential(credential).encode(), claims)
    };
    let (b_revoked, b_revoked_claims) = {
        let (credential, claims) =
            ehk_issuer::issue_card(&b, &request("Berta B"), NOW - 3_600).unwrap();
        (QrPayload::Credential(credential).encode(), claims)
    };
    let a_list =
        RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![[7; 8]]).sign(&feed.world.issuer);
    let b_list =
        RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![b_revoked_claims.card_id]).sign(&b);
    // A is limited to its region: its news target that region.
    let a_news = news_for(
        &feed.world.issuer,
        "a-news",
        ehk_core::news::geometry::Area::Regions(vec![REGION]),
        &[REGION],
    );
    let b_news = news_bundle(&b, "b-news", (49.45, 11.07));
    let (dir, store_key, root_key) = (
        feed.dir.path().to_path_buf(),
        feed.store_key.seed(),
        feed.world.root.public_key(),
    );
    let publish_all = |trust_bytes: &[u8]| {
        publish_with_news(
            &dir,
            &IssuerKey::from_seed(&store_key).unwrap(),
            &root_key,
            &synthetic_snapshot(50, 1, 0),
            trust_bytes,
            &[a_list.clone(), b_list.clone()],
            &[a_news.clone(), b_news.clone()],
            NOW,
            &PublishOptions::default(),
        )
        .unwrap()
    };
    assert!(publish_all(&feed.trust_bytes).skipped.is_empty());
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    let root = feed.world.root.public_key();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(news_from_db(&db, root, NOW).unwrap().len(), 2);
    let names = |db: &StoreDb| -> Vec<String> {
        db.signed_lists()
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    };
    assert!(names(&db).contains(&format!("revocations-{a_id}")));

    // The root withdraws A. Publishing leaves A's lists out and says so.
    feed.world.change_trust(|t| {
        t.issuers
            .iter_mut()
            .filter(|e| e.key_id == a_id)
            .for_each(|e| e.withdrawn = true)
    });
    let withdrawn_trust = feed.world.trust.sign(&feed.world.root).unwrap();
    let report = publish_all(&withdrawn_trust);
    assert_eq!(report.skipped.len(), 2, "{:?}", report.skipped);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    // The sync removed the lists the new manifest no longer names.
    assert!(
        !names(&db).iter().any(|n| n.contains(&a_id.to_hex())),
        "{:?}",
        names(&db)
    );

    // The phone still builds its verifier: B's cards verify, B's revocations hold, A's cards
    // are refused with their own reason.
    let verifier = verifier_from_db(&db, root).unwrap();
    assert!(verifier.verify(&b_card, NOW).is_valid());
    assert_eq!(
        verifier.verify(&b_revoked, NOW).reason(),
        Some(InvalidReason::Revoked)
    );
    assert_eq!(
        verifier.verify(&a_card, NOW).reason(),
        Some(InvalidReason::IssuerKeyWithdrawn)
    );
    assert!(b_claims.card_id != a_claims.card_id);
    // And the news of everyone else stays readable.
    let bundles = news_from_db(&db, root, NOW).unwrap();
    let hits = NewsIndex::new(&bundles).news_at((49.45, 11.07), NOW);
    let ids: Vec<&str> = hits.iter().map(|h| h.item.id.as_str()).collect();
    assert_eq!(ids, ["b-news"]);
}

#[test]
fn a_lapsed_news_key_hides_only_its_own_news() {
    use ehk_core::feed::sync::news_from_db;
    let mut feed = Feed::new();
    let b = IssuerKey::generate().unwrap();
    let c = IssuerKey::generate().unwrap();
    feed.world.change_trust(|t| {
        let mut eb = issuer_entry(&b, "Stadt B");
        eb.roles = Roles::of(&[Role::News]);
        eb.regions = None;
        // B's key lapses two days from now; C's stays valid.
        eb.valid_until = NOW + 2 * 86_400;
        t.upsert_issuer(eb).unwrap();
        let mut ec = issuer_entry(&c, "Stadt C");
        ec.roles = Roles::of(&[Role::News]);
        ec.regions = None;
        t.upsert_issuer(ec).unwrap();
    });
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    publish_with_news(
        feed.dir.path(),
        &feed.store_key,
        &feed.world.root.public_key(),
        &synthetic_snapshot(20, 1, 0),
        &feed.trust_bytes,
        &[],
        &[
            news_bundle(&b, "b-news", (49.45, 11.07)),
            news_bundle(&c, "c-news", (49.45, 11.07)),
        ],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap();
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let root = feed.world.root.public_key();
    assert_eq!(news_from_db(&db, root, NOW).unwrap().len(), 2);
    // Three days later, offline: B's bundle is skipped, C's still loads.
    let later = news_from_db(&db, root, NOW + 3 * 86_400).unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].items[0].id, "c-news");
}

#[test]
fn the_feed_store_refreshes_its_verifier_news_and_regions_after_a_sync() {
    use ehk_core::news::geofence::Fix;
    let feed = Feed::with_news_role();
    let (card, _) = feed.world.issue(&request("Erika Mustermann"));
    let (revoked, revoked_claims) = feed.world.issue(&request("Max Mustermann"));
    let list = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![revoked_claims.card_id])
        .sign(&feed.world.issuer);
    let market = (49.4539, 11.0775);
    publish_with_news(
        feed.dir.path(),
        &feed.store_key,
        &feed.world.root.public_key(),
        &synthetic_snapshot(100, 1, 0),
        &feed.trust_bytes,
        &[list],
        &[news_bundle(&feed.store_key, "markt", market)],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap();
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.db");
    let store = FeedStore::open(&path, feed.world.pin(), Platform::Android, NOW).unwrap();
    // Before the first sync the shipped trust list verifies; the revocation comes with the sync.
    assert!(store.verify(&card, NOW).is_valid());
    assert!(store.verify(&revoked, NOW).is_valid());
    // Before any news, a fix asks for the refresh circle alone.
    let first = store
        .on_location(Fix::new(market.0, market.1, 10.0), NOW)
        .unwrap();
    let regions = first.register.expect("the first fix registers");
    assert_eq!(regions.len(), 1);
    let ids: Vec<String> = regions.iter().map(|r| r.id.clone()).collect();
    assert!(store.regions_registered(&ids).unwrap());

    let report = store
        .sync(
            &server.url,
            &feed.options(),
            NOW,
            &NoProgress,
            &SyncCancel::new(),
        )
        .unwrap();
    assert!(matches!(report.outcome, SyncOutcome::Updated { .. }));
    // The sync refreshed everything: the verifier, the news and the regions to watch.
    assert!(store.verify(&card, NOW).is_valid());
    assert_eq!(
        store.verify(&revoked, NOW).reason(),
        Some(InvalidReason::Revoked)
    );
    assert_eq!(store.news_at(market.into(), NOW).unwrap().len(), 1);
    let regions = report.geofence.register.expect("new news: register again");
    assert!(regions.iter().any(|r| r.id == "markt"), "{regions:?}");
    let ids: Vec<String> = regions.iter().map(|r| r.id.clone()).collect();
    assert!(store.regions_registered(&ids).unwrap());
    assert!(store.news_at((f64::NAN, 0.0).into(), NOW).is_err());
    // A sync with another root key is refused before anything happens.
    let stranger = SyncOptions::new(IssuerKey::generate().unwrap().public_key(), PROJECT);
    let other_project = SyncOptions::new(feed.world.root.public_key(), PROJECT + 1);
    for options in [stranger, other_project] {
        assert!(store
            .sync(&server.url, &options, NOW, &NoProgress, &SyncCancel::new())
            .is_err());
    }
    drop(store);

    // Reopened (the app restarted): the same answers without a sync, the regions remembered.
    let store = FeedStore::open(&path, feed.world.pin(), Platform::Android, NOW).unwrap();
    assert!(store.verify(&card, NOW).is_valid());
    assert_eq!(store.registered_regions().len(), regions.len());
    let nothing_new = store
        .sync(
            &server.url,
            &feed.options(),
            NOW,
            &NoProgress,
            &SyncCancel::new(),
        )
        .unwrap();
    assert!(nothing_new.geofence.register.is_none());
}

#[test]
fn a_fresh_phone_refuses_an_expired_trust_list() {
    let mut feed = Feed::new();
    feed.world.trust.expires_at = NOW - 60;
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    feed.publish(&synthetic_snapshot(20, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(matches!(err, Error::Expired("trust list")), "{err}");
    assert_eq!(db.feed_version().unwrap(), None);
    assert!(db.signed_lists().unwrap().is_empty());
}

#[test]
fn a_manifest_from_the_future_or_far_ahead_is_refused_and_a_poisoned_phone_can_reset() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(50, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let store = FeedStore::open(
        &dir.path().join("feed.db"),
        feed.world.pin(),
        Platform::Android,
        NOW,
    )
    .unwrap();
    let run = |store: &FeedStore| {
        store.sync(
            &server.url,
            &feed.options(),
            NOW,
            &NoProgress,
            &SyncCancel::new(),
        )
    };
    run(&store).unwrap();
    feed.publish(&synthetic_snapshot(50, 2, 0), &[]);
    let manifest =
        Manifest::unverified(&std::fs::read(feed.dir.path().join("manifest.cose")).unwrap())
            .unwrap();
    // The stores key misused: a version far ahead, or a manifest issued next year.
    let mut far = manifest.clone();
    far.version = u64::MAX;
    let mut future = manifest.clone();
    future.issued_at = NOW + 365 * 86_400;
    for (bad, expected) in [
        (far, "jumps too far ahead"),
        (future, "issued in the future"),
    ] {
        server.set(Fault::Replace(
            "manifest.cose",
            bad.sign(&feed.store_key).unwrap(),
        ));
        let err = run(&store).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
        assert_eq!(store.stores().feed_version().unwrap(), Some(1));
    }
    // A jump that stays within the bound still poisons the phone: with a snapshot of its own
    // at version 900 000, the phone then refuses the real feed (version 2) as older.
    let mut poison = synthetic_snapshot(5, 9, 0);
    poison.version = 900_000;
    let poison_bytes = encode_snapshot(&poison).unwrap();
    std::fs::write(
        feed.dir.path().join("snapshot-900000.cbor.zst"),
        &poison_bytes,
    )
    .unwrap();
    let mut ahead = manifest.clone();
    ahead.version = 900_000;
    ahead
        .artifacts
        .retain(|a| matches!(a.kind, ArtifactKind::TrustList { .. }));
    ahead.artifacts.push(Artifact {
        name: "snapshot-900000.cbor.zst".into(),
        kind: ArtifactKind::Snapshot { version: 900_000 },
        sha256: sha256_hex(&poison_bytes),
        size: poison_bytes.len() as u64,
        expanded_size: Some(expanded_size(&poison_bytes).unwrap()),
    });
    server.set(Fault::Replace(
        "manifest.cose",
        ahead.sign(&feed.store_key).unwrap(),
    ));
    run(&store).unwrap();
    server.set(Fault::None);
    assert!(matches!(
        run(&store).unwrap_err(),
        Error::VersionNotNewer { .. }
    ));
    // The way back from a poisoned state: forget the feed and go back to the shipped trust
    // list; favorites stay, cards still verify, the next sync takes a full snapshot.
    assert_eq!(store.stores().store_count().unwrap(), 5);
    store.reset_feed(NOW).unwrap();
    assert_eq!(store.stores().feed_version().unwrap(), None);
    assert_eq!(store.stores().store_count().unwrap(), 0);
    let (card, _) = feed.world.issue(&request("Erika Mustermann"));
    assert!(store.verify(&card, NOW).is_valid());
    assert_eq!(
        store.trust_list().unwrap().version,
        feed.world.pin().floor().version
    );
    assert!(matches!(
        run(&store).unwrap().outcome,
        SyncOutcome::Updated {
            from: None,
            to: 2,
            ..
        }
    ));
    assert_eq!(store.stores().store_count().unwrap(), 50);
}

#[test]
fn a_revocation_list_rewritten_under_the_same_version_is_refused() {
    let feed = Feed::new();
    let first =
        RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![[1; 8]]).sign(&feed.world.issuer);
    let rewritten =
        RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![[2; 8]]).sign(&feed.world.issuer);
    feed.publish(&synthetic_snapshot(20, 1, 0), &[first.clone()]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    // The same list again is fine; other content under version 1 is not.
    feed.publish(&synthetic_snapshot(20, 2, 0), &[first]);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    feed.publish(&synthetic_snapshot(20, 3, 0), &[rewritten]);
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionNotNewer {
                what: "revocation list",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(db.feed_version().unwrap(), Some(2));
}

#[test]
fn redirects_are_refused_and_a_trickling_server_meets_the_deadline() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(200, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let elsewhere = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    server.set(Fault::Redirect(
        "manifest.cose",
        format!("{}/manifest.cose", elsewhere.url),
    ));
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("HTTP 302"), "{err}");

    // One byte every 100 ms: a snapshot of 200 stores would take minutes; the sync's deadline
    // (one second here) ends it.
    server.set(Fault::Trickle("snapshot-1.cbor.zst"));
    let started = std::time::Instant::now();
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(matches!(err, Error::Network(_)), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "held for {:?}",
        started.elapsed()
    );
    assert_eq!(db.feed_version().unwrap(), None);
    server.set(Fault::None);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
}

#[cfg(unix)]
#[test]
fn published_files_are_readable_by_the_web_server() {
    use std::os::unix::fs::PermissionsExt;
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(20, 1, 0), &[]);
    feed.publish(&synthetic_snapshot(20, 2, 0), &[]);
    for entry in std::fs::read_dir(feed.dir.path()).unwrap() {
        let entry = entry.unwrap();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{:?}", entry.file_name());
    }
}

/// The feed's manifest re-signed by `key`, as a key holder who controls the feed host serves it.
fn manifest_signed_by(feed: &Feed, key: &IssuerKey) -> Vec<u8> {
    let bytes = std::fs::read(feed.dir.path().join("manifest.cose")).unwrap();
    Manifest::unverified(&bytes).unwrap().sign(key).unwrap()
}

#[test]
fn a_region_limited_stores_key_changes_only_its_own_regions_stores() {
    let mut feed = Feed::new();
    // A stores key of the Landkreis, limited to region 9162 (München in the synthetic list).
    let limited = IssuerKey::generate().unwrap();
    feed.world.change_trust(|t| {
        let mut entry = issuer_entry(&limited, "Landkreis Feed");
        entry.roles = Roles::of(&[Role::Stores]);
        entry.regions = Some(vec![REGION]);
        t.upsert_issuer(entry).unwrap();
    });
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    let v1 = synthetic_snapshot(300, 1, 0);
    feed.publish(&v1, &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());

    // A snapshot replaces the whole project's list: a fresh phone refuses one signed by the
    // limited key, and the publisher does not sign one with it either.
    server.set(Fault::Replace(
        "manifest.cose",
        manifest_signed_by(&feed, &limited),
    ));
    let (_f, fresh) = phone_db();
    let err = sync(&fresh, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAllowed {
                refusal: Refusal::RegionNotAllowed,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(fresh.store_count().unwrap(), 0);
    assert_eq!(fresh.feed_version().unwrap(), None);
    let other_dir = tempfile::tempdir().unwrap();
    let refused = publish(
        other_dir.path(),
        &limited,
        &feed.world.root.public_key(),
        &v1,
        &feed.trust_bytes,
        &[],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            refused,
            Error::NotAllowed {
                refusal: Refusal::RegionNotAllowed,
                ..
            }
        ),
        "{refused}"
    );

    // A phone at version 1 from the project's own key.
    server.set(Fault::None);
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let renamed = |snapshot: &Snapshot, region: u32, version: u64| {
        let mut next = snapshot.clone();
        next.version = version;
        let store = next
            .stores
            .iter_mut()
            .find(|s| s.region_id == Some(region))
            .unwrap();
        store.name = format!("Geändert {version}");
        let id = store.id;
        (next, id)
    };
    // Version 2 changes one München store: the limited key may sign that delta.
    let (v2, munich_store) = renamed(&v1, REGION, 2);
    feed.publish(&v2, &[]);
    server.set(Fault::Replace(
        "manifest.cose",
        manifest_signed_by(&feed, &limited),
    ));
    let outcome = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert!(
        matches!(
            outcome,
            SyncOutcome::Updated {
                to: 2,
                via_delta: true,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(db.store(munich_store).unwrap().unwrap().name, "Geändert 2");
    // Version 3 changes a Berlin store (region 11000): refused, the phone stays at 2.
    let (v3, berlin_store) = renamed(&v2, 11000, 3);
    feed.publish(&v3, &[]);
    server.set(Fault::Replace(
        "manifest.cose",
        manifest_signed_by(&feed, &limited),
    ));
    let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAllowed {
                refusal: Refusal::RegionNotAllowed,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(db.feed_version().unwrap(), Some(2));
    assert_ne!(db.store(berlin_store).unwrap().unwrap().name, "Geändert 3");
    // The project's own key brings version 3.
    server.set(Fault::None);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(db.store(berlin_store).unwrap().unwrap().name, "Geändert 3");
}

/// A bundle of one item for `area`, with shapes for `shapes`, signed by `key`.
fn news_for(
    key: &IssuerKey,
    id: &str,
    area: ehk_core::news::geometry::Area,
    shapes: &[u32],
) -> Vec<u8> {
    use ehk_core::news::model::RegionShape;
    use ehk_core::news::{NewsBundle, NewsCategory, NewsItem};
    let square = |lat: f64, lon: f64| {
        geo::MultiPolygon(vec![geo::Polygon::new(
            geo::LineString::from(vec![
                (lon, lat),
                (lon + 0.1, lat),
                (lon + 0.1, lat + 0.1),
                (lon, lat + 0.1),
                (lon, lat),
            ]),
            vec![],
        )])
    };
    NewsBundle {
        version: 1,
        issued_at: NOW,
        expires_at: NOW + 30 * 86_400,
        items: vec![NewsItem {
            id: id.into(),
            title_de: id.into(),
            title_en: id.into(),
            body_de: String::new(),
            body_en: String::new(),
            category: NewsCategory::Notice,
            priority: 1,
            valid_from: NOW - 3_600,
            valid_until: NOW + 20 * 86_400,
            store_id: None,
            area,
        }],
        regions: shapes
            .iter()
            .map(|id| RegionShape {
                id: *id,
                name: format!("Region {id}"),
                shape: square(48.1, 11.5),
            })
            .collect(),
    }
    .sign(key)
    .unwrap()
}

#[test]
fn a_region_limited_news_key_publishes_only_for_its_regions() {
    use ehk_core::feed::sync::news_from_db;
    use ehk_core::news::geometry::Area;
    let mut feed = Feed::new();
    let keys: Vec<IssuerKey> = (0..3).map(|_| IssuerKey::generate().unwrap()).collect();
    feed.world.change_trust(|t| {
        for (i, key) in keys.iter().enumerate() {
            let mut entry = issuer_entry(key, &format!("Stadt {i}"));
            entry.roles = Roles::of(&[Role::News]);
            entry.regions = Some(vec![REGION]);
            t.upsert_issuer(entry).unwrap();
        }
    });
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    let own = news_for(
        &keys[0],
        "own-region",
        Area::Regions(vec![REGION]),
        &[REGION],
    );
    let other = news_for(
        &keys[1],
        "other-region",
        Area::Regions(vec![11000]),
        &[11000],
    );
    let circle = news_for(
        &keys[2],
        "circle",
        Area::Circle {
            latitude: 52.52,
            longitude: 13.40,
            radius_m: 50_000.0,
        },
        &[],
    );
    // The publisher refuses each bundle that speaks for a region its signer may not.
    for bundle in [&other, &circle] {
        let err = publish_with_news(
            feed.dir.path(),
            &feed.store_key,
            &feed.world.root.public_key(),
            &synthetic_snapshot(20, 1, 0),
            &feed.trust_bytes,
            &[],
            &[own.clone(), bundle.clone()],
            NOW,
            &PublishOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotAllowed {
                    refusal: Refusal::RegionNotAllowed,
                    ..
                }
            ),
            "{err}"
        );
    }
    // A hostile feed host serves all three anyway (a manifest by the project's stores key
    // naming them, as a careless publisher of an older version would): the phone keeps only
    // the bundle for the signer's own region.
    let report = publish_with_news(
        feed.dir.path(),
        &feed.store_key,
        &feed.world.root.public_key(),
        &synthetic_snapshot(20, 1, 0),
        &feed.trust_bytes,
        &[],
        &[own.clone()],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap();
    assert_eq!(report.version, 1);
    let manifest_bytes = std::fs::read(feed.dir.path().join("manifest.cose")).unwrap();
    let mut manifest = Manifest::unverified(&manifest_bytes).unwrap();
    for (i, bytes) in [(1, &other), (2, &circle)] {
        let name = format!("news-extra-{i}.cose");
        std::fs::write(feed.dir.path().join(&name), bytes).unwrap();
        manifest.artifacts.push(Artifact {
            name,
            kind: ArtifactKind::NewsBundle {
                publisher: keys[i].key_id().to_hex(),
                version: 1,
            },
            sha256: sha256_hex(bytes),
            size: bytes.len() as u64,
            expanded_size: None,
        });
    }
    std::fs::write(
        feed.dir.path().join("manifest.cose"),
        manifest.sign(&feed.store_key).unwrap(),
    )
    .unwrap();
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let news = news_from_db(&db, feed.world.root.public_key(), NOW).unwrap();
    let ids: Vec<&str> = news.iter().map(|b| b.items[0].id.as_str()).collect();
    assert_eq!(ids, vec!["own-region"]);
}

#[test]
fn a_feed_that_leaves_out_a_revocation_list_does_not_bring_revoked_cards_back() {
    let feed = Feed::new();
    let (card_text, claims) = feed.world.issue(&request("Erika Mustermann"));
    let revoked = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![claims.card_id])
        .sign(&feed.world.issuer);
    feed.publish(&synthetic_snapshot(20, 1, 0), &[revoked]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    let root = feed.world.root.public_key();
    let reason = |db: &StoreDb| {
        verifier_from_db(db, root)
            .unwrap()
            .verify(&card_text, NOW)
            .reason()
    };
    assert_eq!(reason(&db), Some(InvalidReason::Revoked));
    // The stores key (or a careless publisher) leaves the issuer's list out of version 2.
    feed.publish(&synthetic_snapshot(20, 2, 0), &[]);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(db.feed_version().unwrap(), Some(2));
    assert_eq!(reason(&db), Some(InvalidReason::Revoked));
}

#[test]
fn store_data_expands_exactly_to_the_size_the_signed_manifest_declares() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(400, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let manifest =
        Manifest::unverified(&std::fs::read(feed.dir.path().join("manifest.cose")).unwrap())
            .unwrap();
    let snapshot = manifest
        .artifacts
        .iter()
        .position(|a| matches!(a.kind, ArtifactKind::Snapshot { .. }))
        .unwrap();
    let real = manifest.artifacts[snapshot].expanded_size.unwrap();
    let bytes = std::fs::read(feed.dir.path().join(&manifest.artifacts[snapshot].name)).unwrap();
    assert_eq!(expanded_size(&bytes).unwrap(), real);
    let (_d, db) = phone_db();
    for (declared, expected) in [
        (None, "has no expanded size"),
        (Some(real - 1), "expands beyond the size limit"),
        (Some(real / 10), "expands beyond the size limit"),
        (Some(real + 1), "expands to another size than declared"),
        (Some(u64::MAX), "expands beyond the size limit"),
    ] {
        let mut lying = manifest.clone();
        lying.artifacts[snapshot].expanded_size = declared;
        server.set(Fault::Replace(
            "manifest.cose",
            lying.sign(&feed.store_key).unwrap(),
        ));
        let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
        assert!(err.to_string().contains(expected), "{declared:?}: {err}");
        assert_eq!(db.store_count().unwrap(), 0);
        assert_eq!(db.feed_version().unwrap(), None);
    }
    server.set(Fault::None);
    sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap();
    assert_eq!(db.store_count().unwrap(), 400);
}

#[test]
fn a_snapshot_is_read_store_by_store_and_a_damaged_stream_is_refused() {
    use ehk_core::feed::manifest::{decode_snapshot, read_snapshot};
    let snapshot = synthetic_snapshot(50, 3, 7);
    let bytes = encode_snapshot(&snapshot).unwrap();
    let size = expanded_size(&bytes).unwrap();
    assert_eq!(decode_snapshot(&bytes, size).unwrap(), snapshot);
    let mut seen = 0;
    read_snapshot(
        &bytes,
        size,
        true,
        |h| {
            assert_eq!((h.version, h.stores), (7, 50));
            Ok(())
        },
        |_| {
            seen += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(seen, 50);
    // A callback's refusal stops the read.
    let mut read = 0;
    let err = read_snapshot(
        &bytes,
        size,
        true,
        |_| Ok(()),
        |_| {
            read += 1;
            if read == 7 {
                Err(Error::malformed("snapshot", "refused by the caller"))
            } else {
                Ok(())
            }
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("refused by the caller"), "{err}");
    assert_eq!(read, 7);
    // Truncated compressed data, and a header that promises more stores than follow.
    assert!(decode_snapshot(&bytes[..bytes.len() / 2], size).is_err());
    let mut short = snapshot.clone();
    short.stores.truncate(10);
    let mut cbor = Vec::new();
    ciborium::ser::into_writer(
        &ehk_core::feed::manifest::SnapshotHeader {
            version: 3,
            categories: short.categories.clone(),
            regions: short.regions.clone(),
            stores: 1 << 40,
        },
        &mut cbor,
    )
    .unwrap();
    for s in &short.stores {
        ciborium::ser::into_writer(s, &mut cbor).unwrap();
    }
    let promised = zstd::bulk::compress(&cbor, 3).unwrap();
    assert!(decode_snapshot(&promised, 1 << 30).is_err());
}

#[test]
fn a_server_below_the_minimum_rate_is_given_up_long_before_the_deadline() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(200, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let (_d, db) = phone_db();
    // One byte every 100 ms stays under a 30 s deadline's per-read timeouts forever; the
    // minimum average rate (1 KiB/s, judged after the first 5 s) ends it.
    let mut options = feed.options();
    options.timeout = std::time::Duration::from_secs(30);
    options.min_bytes_per_sec = 1024;
    server.set(Fault::Trickle("snapshot-1.cbor.zst"));
    let err = sync(&db, &server.url, &options, NOW, &NoProgress).unwrap_err();
    assert!(err.to_string().contains("too slow"), "{err}");
    assert_eq!(db.feed_version().unwrap(), None);
}

#[test]
fn artifact_names_with_paths_are_refused() {
    let feed = Feed::new();
    feed.publish(&synthetic_snapshot(20, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let manifest =
        Manifest::unverified(&std::fs::read(feed.dir.path().join("manifest.cose")).unwrap())
            .unwrap();
    let (_d, db) = phone_db();
    for name in [
        "../snapshot-1.cbor.zst",
        "/etc/passwd",
        ".hidden",
        "a/b",
        "",
    ] {
        let mut bad = manifest.clone();
        for a in &mut bad.artifacts {
            if matches!(a.kind, ArtifactKind::Snapshot { .. }) {
                a.name = name.into();
            }
        }
        server.set(Fault::Replace(
            "manifest.cose",
            bad.sign(&feed.store_key).unwrap(),
        ));
        let err = sync(&db, &server.url, &feed.options(), NOW, &NoProgress).unwrap_err();
        assert!(err.to_string().contains("is not allowed"), "{name}: {err}");
        assert_eq!(db.feed_version().unwrap(), None);
    }
}

/// Publishes, into a directory of its own, the feed of another project of the same Land: a
/// trust list of `project` signed by `feed`'s root (a higher version than project 1's), with
/// `feed`'s stores key.
fn other_project_feed(feed: &Feed, project: u32) -> tempfile::TempDir {
    let mut trust = feed.world.trust.clone();
    trust.project_id = project;
    trust.version = 10;
    let trust_bytes = trust.sign(&feed.world.root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    publish(
        dir.path(),
        &feed.store_key,
        &feed.world.root.public_key(),
        &synthetic_snapshot(7, 5, 0),
        &trust_bytes,
        &[],
        NOW,
        &PublishOptions::default(),
    )
    .unwrap();
    dir
}

fn open_phone(dir: &Path, pin: ProjectPin) -> FeedStore {
    FeedStore::open(&dir.join("feed.db"), pin, Platform::Android, NOW).unwrap()
}

fn sync_store(store: &FeedStore, url: &str) -> Result<FeedSyncReport, Error> {
    let mut options = store.sync_options();
    options.timeout = std::time::Duration::from_secs(1);
    store.sync(url, &options, NOW, &NoProgress, &SyncCancel::new())
}

#[test]
fn a_feed_of_another_project_signed_by_the_same_root_is_refused_and_the_phone_keeps_its_data() {
    let feed = Feed::new();
    let (card, _) = feed.world.issue(&request("Erika Mustermann"));
    feed.publish(&synthetic_snapshot(30, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let store = open_phone(dir.path(), feed.world.pin());
    sync_store(&store, &server.url).unwrap();

    // The host now serves project 2's feed: same root, newer trust list, newer feed version.
    let project_2 = other_project_feed(&feed, PROJECT + 1);
    let hostile = TestServer::start(project_2.path().to_path_buf());
    let err = sync_store(&store, &hostile.url).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WrongProject {
                what: "trust list",
                offered: 2,
                pinned: 1
            }
        ),
        "{err}"
    );
    assert_eq!(store.stores().feed_version().unwrap(), Some(1));
    assert_eq!(store.stores().store_count().unwrap(), 30);
    assert_eq!(store.trust_list().unwrap().project_id, PROJECT);
    assert!(store.verify(&card, NOW).is_valid());
    // The low-level sync refuses it as well, and so does a reopened store.
    let err = sync(
        store.stores(),
        &hostile.url,
        &feed.options(),
        NOW,
        &NoProgress,
    )
    .unwrap_err();
    assert!(matches!(err, Error::WrongProject { .. }), "{err}");
    drop(store);
    let store = open_phone(dir.path(), feed.world.pin());
    assert_eq!(store.stores().store_count().unwrap(), 30);
    assert!(store.verify(&card, NOW).is_valid());
}

#[test]
fn a_fresh_phone_verifies_cards_with_the_shipped_trust_list_before_any_sync() {
    let world = World::new();
    let (card, _) = world.issue(&request("Erika Mustermann"));
    let dir = tempfile::tempdir().unwrap();
    let store = open_phone(dir.path(), world.pin());
    assert_eq!(store.stores().feed_version().unwrap(), None);
    let Verification::Valid(valid) = store.verify(&card, NOW) else {
        panic!("the shipped trust list verifies offline");
    };
    assert_eq!(valid.trust_list_version, world.trust.version);
    assert!(!valid.flags.contains(&Flag::TrustListExpired));
    // Long after the shipped list expired (no sync in between) it still verifies, and says so.
    let later = world.trust.expires_at + 86_400;
    let Verification::Valid(valid) = store.verify(&card, later) else {
        panic!("an expired shipped list verifies as an expired synced one does");
    };
    assert!(valid.flags.contains(&Flag::TrustListExpired));
}

#[test]
fn a_fresh_phone_refuses_a_feed_with_an_older_trust_list_than_the_shipped_one() {
    let mut feed = Feed::new();
    feed.publish(&synthetic_snapshot(20, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    // The app was built with the next trust list, the feed host still serves the one before.
    feed.world.change_trust(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let store = open_phone(dir.path(), feed.world.pin());
    let err = sync_store(&store, &server.url).unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionNotNewer {
                what: "trust list",
                offered: 2,
                current: 3
            }
        ),
        "{err}"
    );
    assert_eq!(store.stores().feed_version().unwrap(), None);
    assert_eq!(store.stores().store_count().unwrap(), 0);
    assert_eq!(store.trust_list().unwrap().version, 3);
}

#[test]
fn reset_feed_goes_back_to_the_shipped_trust_list() {
    let mut feed = Feed::new();
    let pin = feed.world.pin();
    let (card, _) = feed.world.issue(&request("Erika Mustermann"));
    // The feed has moved on to a newer trust list since the app was built.
    feed.world.change_trust(|_| {});
    feed.trust_bytes = feed.world.trust.sign(&feed.world.root).unwrap();
    feed.publish(&synthetic_snapshot(20, 1, 0), &[]);
    let server = TestServer::start(feed.dir.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    let store = open_phone(dir.path(), pin.clone());
    sync_store(&store, &server.url).unwrap();
    assert_eq!(store.trust_list().unwrap().version, 3);

    store.reset_feed(NOW).unwrap();
    assert_eq!(store.trust_list().unwrap().version, pin.floor().version);
    assert_eq!(
        store.stores().signed_list("trust-list").unwrap().as_deref(),
        Some(pin.trust_list_bytes())
    );
    assert_eq!(store.stores().feed_version().unwrap(), None);
    assert!(store.verify(&card, NOW).is_valid());
    // Reopened, it stays at the floor; the next sync brings the feed's list again.
    drop(store);
    let store = open_phone(dir.path(), pin);
    assert_eq!(store.trust_list().unwrap().version, 2);
    sync_store(&store, &server.url).unwrap();
    assert_eq!(store.trust_list().unwrap().version, 3);
}

#[test]
fn a_database_of_another_project_is_emptied_at_open() {
    let feed = Feed::new();
    let project_2 = other_project_feed(&feed, PROJECT + 1);
    let server = TestServer::start(project_2.path().to_path_buf());
    let dir = tempfile::tempdir().unwrap();
    // A phone from before the pin took project 2's feed.
    {
        let db = StoreDb::open(&dir.path().join("feed.db")).unwrap();
        let mut options = feed.options();
        options.project_id = PROJECT + 1;
        sync(&db, &server.url, &options, NOW, &NoProgress).unwrap();
        assert_eq!(db.store_count().unwrap(), 7);
    }
    let store = open_phone(dir.path(), feed.world.pin());
    assert_eq!(store.stores().store_count().unwrap(), 0);
    assert_eq!(store.stores().feed_version().unwrap(), None);
    let trust = store.trust_list().unwrap();
    assert_eq!((trust.project_id, trust.version), (PROJECT, 2));
    // A database of another root entirely is emptied the same way.
    drop(store);
    let stranger = World::new();
    let store = open_phone(dir.path(), stranger.pin());
    assert_eq!(store.trust_list().unwrap().version, stranger.trust.version);
    let (card, _) = stranger.issue(&request("Erika Mustermann"));
    assert!(store.verify(&card, NOW).is_valid());
}
