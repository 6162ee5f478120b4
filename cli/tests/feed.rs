//! The issuer publishes a feed, `ehk serve` serves it, phones sync with `ehk sync`; a sync
//! killed at any moment leaves the database as it was, and the next one succeeds.

use ehk_core::stores::StoreDb;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

/// `ehk sync URL` into `db` for a phone pinned to `project` with the shipped `trust.cose`.
fn sync_args<'a>(url: &'a str, db: &'a str, project: &'a str) -> [&'a str; 10] {
    [
        "sync",
        url,
        "--db",
        db,
        "--root",
        "root.key.pub",
        "--project",
        project,
        "--trust-list",
        "trust.cose",
    ]
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, feed: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = ehk_cmd(dir, &["serve", feed, "--port", &port.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "ehk serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), format!("http://127.0.0.1:{port}"))
}

fn publisher() -> tempfile::TempDir {
    keys_and_trust("cards,stores,news", "all")
}

const PUBLISH: [&str; 10] = [
    "feed",
    "publish",
    "feed",
    "--key",
    "issuer.key",
    "--root",
    "root.key.pub",
    "--trust-list",
    "trust.cose",
    "--db",
];

#[test]
fn publish_serve_sync_search() {
    let dir = publisher();
    let d = dir.path();
    let csv = "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,discountDE,discountEN,categoryId\n\
               Bäckerei Müller,Hauptstraße,1,80331,München,48.137,11.575,,,,10 % auf Brezen,10% off pretzels,0\n\
               Ohne Namen fehlt,,,,,,,,,,,,\n\
               Buchhandlung Weiß,Marktplatz,2,80331,München,48.139,11.577,,,,5 % auf Bücher,5% off books,1\n";
    std::fs::write(d.join("stores.csv"), csv).unwrap();
    let out = ehk_cmd(d, &["stores", "--db", "pub.db", "import", "stores.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "one bad row");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3: skipped"));
    let mut publish = PUBLISH.to_vec();
    publish.push("pub.db");
    let published = ok(d, &publish);
    assert!(
        published.contains("feed version 1 with 2 stores"),
        "{published}"
    );

    let (_server, url) = serve(d, "feed");
    let first = ok(d, &sync_args(&url, "phone.db", "1"));
    assert!(first.contains("none -> 1 by snapshot"), "{first}");
    let second = ok(d, &sync_args(&url, "phone.db", "1"));
    assert!(second.contains("feed unchanged (version 1)"), "{second}");
    // A phone pinned to another project than its shipped trust list's is refused at once.
    let misconfigured = ehk_cmd(d, &sync_args(&url, "other.db", "2"))
        .output()
        .unwrap();
    assert!(!misconfigured.status.success());
    let stderr = String::from_utf8_lossy(&misconfigured.stderr);
    assert!(stderr.contains("not of project 2"), "{stderr}");

    let found = ok(
        d,
        &[
            "stores",
            "--db",
            "phone.db",
            "search",
            "mueller",
            "--near",
            "48.137,11.575",
        ],
    );
    assert!(found.contains("Bäckerei Müller"), "{found}");
    let near = ok(
        d,
        &[
            "stores",
            "--db",
            "phone.db",
            "near",
            "48.139,11.577",
            "--limit",
            "1",
        ],
    );
    assert!(
        near.contains("Buchhandlung Weiß") && !near.contains("Bäckerei"),
        "{near}"
    );

    // A second version arrives as a delta.
    ok(d, &["stores", "--db", "pub.db", "generate", "50"]);
    ok(d, &publish);
    let third = ok(d, &sync_args(&url, "phone.db", "1"));
    assert!(
        third.contains("1 -> 2 by delta") && third.contains("50 stores"),
        "{third}"
    );

    // The server refuses paths outside the feed directory and methods other than GET/HEAD.
    let raw = |request: &str| {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    };
    assert!(
        raw("GET /../pub.db HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 404")
    );
    assert!(
        raw("GET /manifest.cose HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        raw("DELETE /manifest.cose HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .starts_with("HTTP/1.1 405")
    );
}

fn phone_state(path: &Path) -> (Option<u64>, u64, String) {
    let db = StoreDb::open(path).unwrap();
    (
        db.feed_version().unwrap(),
        db.store_count().unwrap(),
        db.integrity_check().unwrap(),
    )
}

#[test]
fn a_sync_killed_at_any_moment_leaves_the_database_as_it_was() {
    let dir = publisher();
    let d = dir.path();
    let mut publish = PUBLISH.to_vec();
    publish.push("pub.db");
    ok(
        d,
        &[
            "stores", "--db", "pub.db", "generate", "2000", "--seed", "1",
        ],
    );
    ok(d, &publish);
    let (_server, url) = serve(d, "feed");
    ok(d, &sync_args(&url, "phone.db", "1"));
    assert_eq!(
        phone_state(&d.join("phone.db")),
        (Some(1), 2000, "ok".into())
    );

    ok(
        d,
        &[
            "stores", "--db", "pub.db", "generate", "60000", "--seed", "2",
        ],
    );
    ok(d, &publish);
    // How long a whole sync to version 2 takes, on a copy.
    std::fs::copy(d.join("phone.db"), d.join("probe.db")).unwrap();
    let started = Instant::now();
    ok(d, &sync_args(&url, "probe.db", "1"));
    let full = started.elapsed();
    assert_eq!(phone_state(&d.join("probe.db")).0, Some(2));

    let mut killed = 0;
    for fraction in [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] {
        let mut child = ehk_cmd(d, &sync_args(&url, "phone.db", "1"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(fraction));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let state = phone_state(&d.join("phone.db"));
        assert_eq!(state.2, "ok");
        assert!(
            state.0 == Some(1) && state.1 == 2000 || state.0 == Some(2) && state.1 == 60000,
            "after a kill at {fraction}: {state:?}"
        );
        if state.0 == Some(2) {
            break;
        }
    }
    assert!(
        killed > 0,
        "no sync was killed; the test did not test anything"
    );
    ok(d, &sync_args(&url, "phone.db", "1"));
    assert_eq!(
        phone_state(&d.join("phone.db")),
        (Some(2), 60000, "ok".into())
    );
}

#[test]
fn news_from_the_issuer_file_to_the_phone() {
    let dir = publisher();
    let d = dir.path();
    ok(d, &["stores", "--db", "pub.db", "generate", "100"]);
    ok(
        d,
        &[
            "news",
            "add",
            "--id",
            "markt",
            "--title-de",
            "Christkindlesmarkt",
            "--title-en",
            "Christmas market",
            "--category",
            "event",
            "--priority",
            "5",
            "--valid-from",
            "2026-11-27",
            "--valid-until",
            "2026-12-24",
            "--circle",
            "49.4539,11.0775,400",
        ],
    );
    std::fs::write(
        d.join("hole.geojson"),
        r#"{"type":"Polygon","coordinates":[[[11,49.4],[11.2,49.4],[11.2,49.5],[11,49.5],[11,49.4]],
            [[11.05,49.43],[11.1,49.43],[11.1,49.47],[11.05,49.47],[11.05,49.43]]]}"#,
    )
    .unwrap();
    ok(
        d,
        &[
            "news",
            "add",
            "--id",
            "ring",
            "--title-de",
            "Rund um die Altstadt",
            "--valid-from",
            "2026-11-01",
            "--valid-until",
            "2026-12-31",
            "--geojson",
            "hole.geojson",
        ],
    );
    std::fs::write(
        d.join("open.geojson"),
        r#"{"type":"Polygon","coordinates":[[[11,49],[12,49],[12,50],[11,50]]]}"#,
    )
    .unwrap();
    let bad = ehk_cmd(
        d,
        &[
            "news",
            "add",
            "--id",
            "x",
            "--title-de",
            "X",
            "--valid-from",
            "2026-11-01",
            "--valid-until",
            "2026-12-01",
            "--geojson",
            "open.geojson",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not closed"));
    assert!(ok(d, &["news", "list"]).contains("Christkindlesmarkt"));

    let mut publish = PUBLISH.to_vec();
    publish.extend(["pub.db", "--news", "news.json"]);
    assert!(ok(d, &publish).contains("news bundle version 1 with 2 item(s)"));
    let (_server, url) = serve(d, "feed");
    ok(d, &sync_args(&url, "phone.db", "1"));
    let at_market = ok(
        d,
        &[
            "news",
            "at",
            "49.4539,11.0775",
            "--db",
            "phone.db",
            "--root",
            "root.key.pub",
            "--project",
            "1",
            "--trust-list",
            "trust.cose",
        ],
    );
    assert!(at_market.contains("Christkindlesmarkt"), "{at_market}");
    let in_hole = ok(
        d,
        &[
            "news",
            "at",
            "49.45,11.075",
            "--db",
            "phone.db",
            "--root",
            "root.key.pub",
            "--project",
            "1",
            "--trust-list",
            "trust.cose",
        ],
    );
    assert!(in_hole.contains("no news here now"), "{in_hole}");
    let in_ring = ok(
        d,
        &[
            "news",
            "at",
            "49.41,11.01",
            "--db",
            "phone.db",
            "--root",
            "root.key.pub",
            "--project",
            "1",
            "--trust-list",
            "trust.cose",
        ],
    );
    assert!(
        in_ring.contains("Rund um die Altstadt") && !in_ring.contains("Christkindlesmarkt"),
        "{in_ring}"
    );
    // The next publication carries news version 2.
    ok(
        d,
        &["stores", "--db", "pub.db", "generate", "100", "--seed", "2"],
    );
    assert!(ok(d, &publish).contains("news bundle version 2"));
}
