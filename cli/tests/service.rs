//! `ehk service` against a real issuer service running in this process on loopback.

use ehk_core::keys::IssuerKey;
use ehk_server::http::AppState;
use ehk_server::ratelimit::RateLimiter;
use ehk_server::secret::ServiceSecret;
use ehk_server::service::{Service, Settings};
use ehk_server::sqlite::Sqlite;
use std::path::Path;
use std::sync::Arc;

mod common;
use common::*;

struct Running {
    url: String,
    _server: ehk_server::Background,
}

fn service(dir: &Path) -> Running {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let service = Service::new(
        Sqlite::open(&dir.join("service.db")).unwrap(),
        Arc::new(IssuerKey::generate().unwrap()),
        ServiceSecret::generate(),
        Settings {
            project_id: 1,
            regions: Some(vec![9162, 9163]),
            public_url: url.clone(),
            code_validity_days: 90,
            max_attempts: 5,
            revocation_validity_days: 7,
            trust_list: None,
            revocation_list_out: None,
            issuer_name: "Landratsamt Test".into(),
            region_names: Default::default(),
        },
    );
    let token = service.add_token("CLI test", None, 1_800_000_000).unwrap();
    std::fs::write(dir.join("admin.token"), token).unwrap();
    let state = Arc::new(AppState {
        service,
        limiter: RateLimiter::new(1000, 10_000),
        apps: Default::default(),
        fonts: None,
        clock_offset: 0,
    });
    Running {
        url,
        _server: ehk_server::Background::start(state, listener).unwrap(),
    }
}

fn svc<'a>(url: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["service", "--url", url, "--token-file", "admin.token"];
    args.extend_from_slice(rest);
    args
}

const EXCEL: &[u8] =
    b"\xef\xbb\xbfVorname;Nachname;Geburtsdatum;Kartentyp;Region;Startdatum;Ablaufdatum\r\n\
Erika;Mustermann;1.2.1980;Standard;9162;1.1.2026;31.12.2028\r\n\
J\xc3\xbcrgen;Wei\xc3\x9f;;Gold;9163;1.1.2026;\r\n";

#[test]
fn a_table_is_checked_then_imported_through_the_admin_api() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let running = service(d);
    std::fs::write(d.join("karten.csv"), EXCEL).unwrap();
    let dry = ok(
        d,
        &svc(&running.url, &["import", "karten.csv", "--dry-run"]),
    );
    assert!(
        dry.contains("line 2: would create Erika Mustermann (standard, region 9162"),
        "{dry}"
    );
    assert!(
        dry.contains("line 3: would create Jürgen Weiß (gold, region 9163"),
        "{dry}"
    );
    assert!(dry.contains("2 cards would be created"), "{dry}");
    assert_eq!(
        ok(d, &svc(&running.url, &["list"])).trim(),
        "",
        "a dry run creates nothing"
    );

    let created = ok(d, &svc(&running.url, &["import", "karten.csv"]));
    assert!(
        created.contains("line 2: card 1") && created.contains("line 3: card 2"),
        "{created}"
    );
    let list = ok(d, &svc(&running.url, &["list"]));
    assert!(
        list.contains("Erika Mustermann") && list.contains("Jürgen Weiß"),
        "{list}"
    );
    assert!(
        list.contains("unbefristet"),
        "the gold card has no end: {list}"
    );
    let letter = ok(d, &svc(&running.url, &["letter", "1", "--link-only"]));
    assert!(
        letter
            .trim()
            .starts_with(&format!("{}/activate#", running.url)),
        "{letter}"
    );
}

#[test]
fn one_bad_row_creates_nothing_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let running = service(d);
    std::fs::write(
        d.join("karten.csv"),
        "Name;Region;Startdatum;Ablaufdatum\r\nErika Mustermann;9162;1.1.2026;31.12.2028\r\nMax Muster;9162;31.2.2026;31.12.2028\r\n",
    )
    .unwrap();
    let out = ehk(d, &svc(&running.url, &["import", "karten.csv"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("nothing created"), "{stderr}");
    assert_eq!(ok(d, &svc(&running.url, &["list"])).trim(), "");
    // A device key column is refused: the service binds cards at activation.
    std::fs::write(
        d.join("bound.csv"),
        format!(
            "name,region,deviceKey\nErika Mustermann,9162,{}\n",
            hex::encode(IssuerKey::generate().unwrap().public_key().to_bytes())
        ),
    )
    .unwrap();
    let out = ehk(d, &svc(&running.url, &["import", "bound.csv"]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("device key"), "{stderr}");
}

#[test]
fn a_wrong_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let running = service(d);
    std::fs::write(d.join("admin.token"), "ehk_wrong").unwrap();
    let out = ehk(d, &svc(&running.url, &["list"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 401"));
}
