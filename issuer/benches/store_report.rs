//! Prints the store database table of the README: snapshot sync from a loopback server,
//! database size, nearest-20 and text-search latencies, a 1 000-store delta, and the peak
//! memory of a sync, at 10 000, 100 000 and 1 000 000 stores.
//!
//! `cargo bench -p ehk-issuer --bench store_report` (all three sizes, several minutes) or
//! `cargo bench -p ehk-issuer --bench store_report -- 10000 100000`.

use ehk_core::feed::{sync, SyncOptions};
use ehk_core::progress::NoProgress;
use ehk_core::stores::{NearbyQuery, Position, SearchQuery, StoreDb};
use ehk_core::{IssuerEntry, IssuerKey, Role, Roles, TrustList};
use ehk_issuer::publish::{publish, PublishOptions};
use ehk_issuer::stores::generate::{evolve, synthetic_snapshot};
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::{Duration, Instant};

const NOW: i64 = 1_795_953_600;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn serve(dir: &Path) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("listen on loopback");
    let port = server.server_addr().to_ip().expect("ip address").port();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            let name = request.url().trim_start_matches('/').to_string();
            let response = match std::fs::read(dir.join(&name)) {
                Ok(bytes) if !name.contains('/') => tiny_http::Response::from_data(bytes),
                _ => tiny_http::Response::from_data(Vec::new()).with_status_code(404),
            };
            let _ = request.respond(response);
        }
    });
    format!("http://127.0.0.1:{port}")
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn db_size_mb(path: &Path) -> f64 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
}

struct Keys {
    root: IssuerKey,
    issuer: IssuerKey,
    trust: Vec<u8>,
}

fn keys() -> Keys {
    let root = IssuerKey::from_seed(&[1; 32]).expect("seed");
    let issuer = IssuerKey::from_seed(&[2; 32]).expect("seed");
    let mut trust = TrustList::new(1);
    trust.version = 1;
    trust.issued_at = NOW;
    trust.expires_at = NOW + 86_400 * 90;
    trust
        .upsert_issuer(IssuerEntry {
            key_id: issuer.key_id(),
            public_key: issuer.public_key().to_bytes(),
            name: "Bench".into(),
            roles: Roles::of(&[Role::Cards, Role::Stores]),
            regions: None,
            card_types: 3,
            valid_from: 0,
            valid_until: NOW + 86_400 * 365,
            withdrawn: false,
        })
        .expect("entry");
    let trust_bytes = trust.sign(&root).expect("sign");
    Keys {
        root,
        issuer,
        trust: trust_bytes,
    }
}

/// Runs in a child process so that its peak memory is the sync's alone.
fn sync_child(url: &str, db_path: &str) {
    let k = keys();
    let db = StoreDb::open(Path::new(db_path)).expect("open");
    sync(
        &db,
        url,
        &SyncOptions::new(k.root.public_key(), 1),
        NOW,
        &NoProgress,
    )
    .expect("sync");
    println!("{}", peak_rss_kib());
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--sync-child") {
        return sync_child(&args[1], &args[2]);
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    let k = keys();
    println!("| stores | snapshot download | snapshot sync from loopback | database size | nearest 20 + category p50 / p95 | text search top 20 p50 / p95 | delta of 1 000 changed stores | peak memory of a sync |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let work = tempfile::tempdir().expect("tempdir");
        let feed = work.path().join("feed");
        let snapshot = synthetic_snapshot(n, 42, 0);
        let options = PublishOptions::default();
        publish(
            &feed,
            &k.issuer,
            &k.root.public_key(),
            &snapshot,
            &k.trust,
            &[],
            NOW,
            &options,
        )
        .expect("publish");
        let snapshot_bytes = std::fs::metadata(feed.join("snapshot-1.cbor.zst"))
            .map(|m| m.len())
            .unwrap_or(0);
        let url = serve(&feed);

        // Peak memory: the same snapshot sync in a child process.
        let child_db = work.path().join("child.db");
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .args(["--sync-child", &url, child_db.to_str().expect("utf-8 path")])
            .output()
            .expect("child sync");
        let peak_mib = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<f64>()
            .unwrap_or(0.0)
            / 1024.0;

        let db_path = work.path().join("phone.db");
        let db = StoreDb::open(&db_path).expect("open");
        let started = Instant::now();
        sync(
            &db,
            &url,
            &SyncOptions::new(k.root.public_key(), 1),
            NOW,
            &NoProgress,
        )
        .expect("sync");
        let sync_time = started.elapsed();
        let size = db_size_mb(&db_path);

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let positions: Vec<Position> = snapshot
            .stores
            .iter()
            .filter_map(|s| s.position)
            .step_by((n / 300).max(1))
            .take(300)
            .map(|p| {
                Position::new(
                    p.latitude + rng.gen_range(-0.02..0.02),
                    p.longitude + rng.gen_range(-0.02..0.02),
                )
            })
            .collect();
        let mut nearby: Vec<Duration> = positions
            .iter()
            .map(|p| {
                let category = Some(rng.gen_range(0..10));
                let t = Instant::now();
                let found = db
                    .nearby(&NearbyQuery {
                        position: *p,
                        limit: 20,
                        radius_m: None,
                        category,
                    })
                    .expect("nearby");
                let e = t.elapsed();
                assert_eq!(found.len(), 20);
                e
            })
            .collect();
        nearby.sort();

        let queries = [
            "bäck",
            "Müller",
            "mueller",
            "buchhandlung",
            "café am markt",
            "apotheke",
            "museum eintritt",
            "Schmidt",
            "kletter",
            "hauptstr",
            "Leipzig",
            "rabatt backwaren",
            "Weiß",
            "fahrrad reparatur",
            "Nürnberg kino",
            "zoo",
            "tanzschule",
            "hofladen",
            "strasse",
            "Öztürk",
        ];
        let mut search: Vec<Duration> = Vec::new();
        for _ in 0..10 {
            for q in queries {
                let t = Instant::now();
                let found = db
                    .search(&SearchQuery {
                        text: q.into(),
                        limit: 20,
                        ..Default::default()
                    })
                    .expect("search");
                search.push(t.elapsed());
                std::hint::black_box(found);
            }
        }
        search.sort();

        let mut next = evolve(&snapshot, 1_000, 9);
        next.version = 2;
        publish(
            &feed,
            &k.issuer,
            &k.root.public_key(),
            &next,
            &k.trust,
            &[],
            NOW,
            &options,
        )
        .expect("publish 2");
        let started = Instant::now();
        let outcome = sync(
            &db,
            &url,
            &SyncOptions::new(k.root.public_key(), 1),
            NOW,
            &NoProgress,
        )
        .expect("delta sync");
        let delta_time = started.elapsed();
        assert!(matches!(
            outcome,
            ehk_core::feed::SyncOutcome::Updated {
                via_delta: true,
                ..
            }
        ));

        println!(
            "| {n} | {:.1} MiB | {:.2} s | {size:.1} MB | {:.3} / {:.3} ms | {:.3} / {:.3} ms | {:.0} ms | {peak_mib:.0} MiB |",
            snapshot_bytes as f64 / (1 << 20) as f64,
            sync_time.as_secs_f64(),
            percentile(&nearby, 0.5),
            percentile(&nearby, 0.95),
            percentile(&search, 0.5),
            percentile(&search, 0.95),
            delta_time.as_secs_f64() * 1e3,
        );
    }
}
