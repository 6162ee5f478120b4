//! The `ehk` command as issuers, verifiers and holders use it.

use std::path::{Path, PathBuf};

mod common;
use common::*;

/// Root and issuer keys and a trust list letting the issuer sign cards for region 9162.
fn setup() -> tempfile::TempDir {
    keys_and_trust("cards", "9162")
}

fn verify_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "verify",
        "--root",
        "root.key.pub",
        "--trust-list",
        "trust.cose",
    ];
    args.extend_from_slice(extra);
    args
}

fn issue_one(d: &Path, name: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec![
        "issue",
        "--key",
        "issuer.key",
        "--project",
        "1",
        "--region",
        "9162",
        "--out-dir",
        "cards",
        "--quiet",
        "--name",
        name,
    ];
    args.extend_from_slice(extra);
    let out = ok(d, &args);
    let card_id = out.split_whitespace().nth(1).unwrap().to_string();
    let text = std::fs::read_to_string(d.join("cards").join(format!("{card_id}.txt"))).unwrap();
    (card_id, text.trim_end().to_string())
}

#[test]
fn issue_verify_revoke() {
    let dir = setup();
    let d = dir.path();
    let shown = ok(
        d,
        &[
            "trust",
            "show",
            "--root",
            "root.key.pub",
            "--list",
            "trust.cose",
        ],
    );
    assert!(
        shown.contains("trust list version 2") && shown.contains("Landkreis Test"),
        "{shown}"
    );

    let (card_id, text) = issue_one(d, "Erika Mustermann", &["--birthday", "1980-05-17"]);
    assert!(text.starts_with("EK1:"));
    let out = ok(d, &verify_args(&[&text, "--lang", "en"]));
    assert!(out.starts_with("VALID  Erika Mustermann"), "{out}");

    let png = format!("cards/{card_id}.png");
    let out = ok(d, &verify_args(&["--png", &png, "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["holderName"], "Erika Mustermann");
    assert_eq!(json["birthday"], "1980-05-17");
    assert_eq!(json["regionId"], 9162);
    assert!(
        std::fs::read_to_string(d.join(format!("cards/{card_id}.svg")))
            .unwrap()
            .contains("<svg")
    );

    ok(
        d,
        &[
            "revoke",
            "--key",
            "issuer.key",
            "--list",
            "revoked.cose",
            &card_id,
        ],
    );
    let out = ehk(
        d,
        &verify_args(&[&text, "--revocations", "revoked.cose", "--json"]),
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], false);
    assert_eq!(json["reason"], "revoked");

    // Tampered text: exit 1 with the reason, in German by default.
    let tampered = text.replacen("EK1:", "EK1:A", 1);
    let out = ehk(d, &verify_args(&[&tampered]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("INVALID"));

    // A second revocation extends the list to version 2.
    let (other_id, _) = issue_one(d, "Max Mustermann", &["--gold"]);
    let out = ok(
        d,
        &[
            "revoke",
            "--key",
            "issuer.key",
            "--list",
            "revoked.cose",
            &other_id,
        ],
    );
    assert!(out.contains("version 2 with 2 card(s)"), "{out}");
}

#[test]
fn withdrawn_issuer_key_is_refused() {
    let dir = setup();
    let d = dir.path();
    let (_, text) = issue_one(d, "Erika Mustermann", &[]);
    let kid = ok(
        d,
        &[
            "trust",
            "show",
            "--root",
            "root.key.pub",
            "--list",
            "trust.cose",
        ],
    )
    .lines()
    .nth(1)
    .unwrap()
    .split_whitespace()
    .next()
    .unwrap()
    .to_string();
    ok(
        d,
        &[
            "trust",
            "withdraw",
            "--root-key",
            "root.key",
            "--list",
            "trust.cose",
            "--key-id",
            &kid,
        ],
    );
    let out = ehk(d, &verify_args(&[&text, "--json"]));
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reason"], "issuer_key_withdrawn");
}

#[test]
fn csv_batch_reports_bad_rows_and_issues_good_ones() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(
        d.join("cards.csv"),
        "name,birthday,cardType,regionId,validFrom,validUntil,deviceKey\n\
         Erika Mustermann,1980-05-17,standard,9162,2026-01-01,2028-12-31,\n\
         ,1980-05-17,standard,9162,,,\n\
         Max Mustermann,,gold,,,,\n\
         Anna Schmidt,31.02.1980,standard,9162,,,\n\
         Jürgen Weiß,,platinum,9162,,,\n\
         Olga Becker,,standard,9162,,,zz\n\
         Too,Many,Fields,9162,,,,,\n\
         Ali Yilmaz,,,9162,2026-03-01,2029-02-28,\n",
    )
    .unwrap();
    let out = ehk(
        d,
        &[
            "issue",
            "--key",
            "issuer.key",
            "--project",
            "1",
            "--region",
            "9162",
            "--csv",
            "cards.csv",
            "--out-dir",
            "batch",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "some rows were bad");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in ["line 3:", "line 5:", "line 6:", "line 7:", "line 8:"] {
        assert!(stderr.contains(line), "{line} missing in {stderr}");
    }
    assert!(
        !stderr.contains("line 2:") && !stderr.contains("line 4:") && !stderr.contains("line 9:")
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("issued 3 card(s), skipped 5 bad row(s)"),
        "{stdout}"
    );

    let mut summary = csv::Reader::from_path(d.join("batch/issued.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = summary.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][2], "Max Mustermann");
    // The issued codes are cards: only their owner may read the files.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&d.join("batch/issued.csv")), 0o600);
    for row in &rows {
        let png = PathBuf::from("batch").join(format!("{}.png", &row[1]));
        assert!(d.join(&png).exists());
        for ext in ["txt", "png", "svg"] {
            let file = d.join("batch").join(format!("{}.{ext}", &row[1]));
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
        let out = ok(d, &verify_args(&[&row[3], "--json"]));
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["holderName"], &row[2]);
    }
}

#[test]
fn refuses_private_keys_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = setup();
    let d = dir.path();
    let mode = std::fs::metadata(d.join("issuer.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(d.join("issuer.key"), std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = ehk(
        d,
        &[
            "issue",
            "--key",
            "issuer.key",
            "--project",
            "1",
            "--region",
            "9162",
            "--out-dir",
            "c",
            "--name",
            "X Y",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    // Generating over an existing key is refused too.
    assert_eq!(
        ehk(d, &["key", "generate", "--out", "issuer.key"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn holder_wallet_presents_a_device_bound_card() {
    let dir = setup();
    let d = dir.path();
    let device_key = ok(d, &["wallet", "--dir", "phone", "device-key"])
        .trim()
        .to_string();
    assert_eq!(device_key.len(), 64);
    let (card_id, text) = issue_one(d, "Erika Mustermann", &["--device-key", &device_key]);
    // The credential alone is not enough for a device-bound card.
    let out = ehk(d, &verify_args(&[&text, "--json"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("device_presentation_required"));

    let trust = ["--root", "root.key.pub", "--trust-list", "trust.cose"];
    // Without the trust list the wallet cannot check the card, so it takes none.
    let out = ehk(d, &["wallet", "--dir", "phone", "add", &text]);
    assert_eq!(out.status.code(), Some(2));
    // A forged copy (one byte of the name changed) is refused with the verifier's reason.
    let forged = {
        let mut credential = ehk_core::QrPayload::decode(&text).unwrap();
        let ehk_core::QrPayload::Credential(bytes) = &mut credential else {
            panic!("a credential")
        };
        let at = bytes.windows(4).position(|w| w == b"Erik").unwrap();
        bytes[at] = b'A';
        credential.encode()
    };
    let out = ehk(
        d,
        &[&["wallet", "--dir", "phone", "add", &forged][..], &trust].concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad_issuer_signature"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(
        d,
        &[&["wallet", "--dir", "phone", "add", &text][..], &trust].concat(),
    );
    let list = ok(d, &["wallet", "--dir", "phone", "list"]);
    assert!(
        list.contains(&card_id) && list.contains("device-bound"),
        "{list}"
    );
    let live = ok(
        d,
        &[
            "wallet",
            "--dir",
            "phone",
            "present",
            &card_id,
            "--text-only",
            "--png",
            "live.png",
        ],
    );
    let live = live.trim();
    assert!(live.starts_with("EP1:"));
    let out = ok(d, &verify_args(&[live, "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["presentation"], "device-bound");
    ok(d, &verify_args(&["--png", "live.png"]));

    // Another phone cannot add it.
    let out = ehk(
        d,
        &[
            &["wallet", "--dir", "other-phone", "add", &text][..],
            &trust,
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another device"));
}

#[test]
fn demo_runs_the_whole_story() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["demo", "--no-qr", "--dir", "demo"]);
    assert!(
        out.contains("demo finished: every check came out as expected"),
        "{out}"
    );
    assert!(
        out.contains("[bad_issuer_signature]")
            && out.contains("[revoked]")
            && out.contains("[stale_presentation]")
    );
    for f in [
        "root.key",
        "issuer.key",
        "trust-list.cose",
        "revocations.cose",
        "paper-card.png",
        "paper-card.svg",
        "service/ehk-server.db",
        "service/revocations.cose",
    ] {
        assert!(dir.path().join("demo").join(f).exists(), "{f}");
    }
    // The activation story: letter, activation, move, the old phone's code revoked.
    let story = &out[out.find("== 9.").expect("the service steps")..];
    assert!(story.contains("/activate#"), "{story}");
    assert!(
        story.contains("the card is active on another phone"),
        "{story}"
    );
    let refused = story.find("The old phone's code is refused").unwrap();
    assert!(story[refused..].contains("[revoked]"), "{story}");
}
