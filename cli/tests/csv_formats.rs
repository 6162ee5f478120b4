//! The files issuers bring from their own tools: card batches and store lists as Excel and
//! older tools write them, the LBE XML export, and dry runs that write nothing.

use std::path::Path;

mod common;
use common::*;

fn issue_batch<'a>(csv: &'a str, out_dir: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "issue",
        "--key",
        "issuer.key",
        "--project",
        "1",
        "--region",
        "9162",
        "--csv",
        csv,
        "--out-dir",
        out_dir,
    ];
    args.extend_from_slice(extra);
    args
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Semicolons, a byte order mark and CRLF, as Excel saves "CSV UTF-8" on German Windows.
const EXCEL_CARDS: &str =
    "\u{feff}Vorname;Nachname;Geburtsdatum;Kartentyp;Gültig ab;Gültig bis;Region\r\n\
    Erika;Mustermann;17.5.1980;Standard;1.1.2026;31.12.2028;9162\r\n\
    Max;Mustermann;;Gold;;;\r\n\
    Anna;Schmidt;;blau;1.3.2026;31.02.2027;\r\n";

#[test]
fn card_batch_dry_run_checks_everything_and_writes_nothing() {
    let dir = keys_and_trust("cards", "9162");
    let d = dir.path();
    std::fs::write(d.join("cards.csv"), EXCEL_CARDS).unwrap();
    std::fs::create_dir(d.join("empty")).unwrap();
    for out_dir in ["empty", "missing"] {
        let out = ehk(d, &issue_batch("cards.csv", out_dir, &["--dry-run"]));
        assert_eq!(out.status.code(), Some(3), "one bad row");
        let stdout = text(&out.stdout);
        let stderr = text(&out.stderr);
        assert!(
            stdout.contains("UTF-8 with byte order mark, ';'-separated"),
            "{stdout}"
        );
        assert!(
            stdout.contains(
                "line 2: would issue a standard card for Erika Mustermann, region 9162, valid 2026-01-01 to 2028-12-31"
            ),
            "{stdout}"
        );
        assert!(
            stdout.contains("line 3: would issue a gold card for Max Mustermann"),
            "{stdout}"
        );
        assert!(
            stdout.contains("would issue 2 card(s), would skip 1 bad row(s)"),
            "{stdout}"
        );
        assert!(
            stderr.contains(
                "line 4: would skip: column 'Gültig bis': '31.02.2027' is not a real date"
            ),
            "{stderr}"
        );
    }
    assert!(entries(&d.join("empty")).is_empty(), "nothing written");
    assert!(!d.join("missing").exists(), "not even the directory");

    // The same file for real: two cards, the bad row skipped with the same line.
    let out = ehk(d, &issue_batch("cards.csv", "batch", &[]));
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("line 4: skipped: column 'Gültig bis'"));
    let mut summary = csv::Reader::from_path(d.join("batch/issued.csv")).unwrap();
    let names: Vec<String> = summary
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    assert_eq!(names, vec!["Erika Mustermann", "Max Mustermann"]);
}

#[test]
fn single_card_dry_run_writes_nothing() {
    let dir = keys_and_trust("cards", "9162");
    let d = dir.path();
    let stdout = ok(
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
            "cards",
            "--name",
            "Erika Mustermann",
            "--birthday",
            "17.05.1980",
            "--dry-run",
        ],
    );
    assert!(
        stdout.contains("would issue a standard card for Erika Mustermann"),
        "{stdout}"
    );
    assert!(!d.join("cards").exists());
}

#[test]
fn windows_1252_batch_keeps_umlauts() {
    let dir = keys_and_trust("cards", "9162");
    let d = dir.path();
    std::fs::write(
        d.join("cards.csv"),
        b"Name;Geburtsdatum\r\nJ\xfcrgen Wei\xdf;01.02.1970\r\nG\xf6khan \xd6zt\xfcrk;\r\n",
    )
    .unwrap();
    let out = ehk(d, &issue_batch("cards.csv", "batch", &[]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Windows-1252, ';'-separated"));
    let mut summary = csv::Reader::from_path(d.join("batch/issued.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = summary.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][2], "Jürgen Weiß");
    assert_eq!(&rows[1][2], "Gökhan Öztürk");
    let verified = ok(
        d,
        &[
            "verify",
            "--root",
            "root.key.pub",
            "--trust-list",
            "trust.cose",
            &rows[0][3],
            "--json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&verified).unwrap();
    assert_eq!(json["holderName"], "Jürgen Weiß");
}

#[test]
fn crlf_and_lf_files_report_the_lines_an_editor_shows() {
    let dir = keys_and_trust("cards", "9162");
    let d = dir.path();
    let lf = "Name,Kartentyp,Ablaufdatum\n\
              Erika Mustermann,standard,31.12.2028\n\
              \"Anna\nSchmidt\",standard,\n\
              Max Mustermann,platin,\n\
              Olga Becker,,31.02.2027\n";
    for (file, content) in [
        ("lf.csv", lf.to_string()),
        ("crlf.csv", lf.replace('\n', "\r\n")),
    ] {
        std::fs::write(d.join(file), content).unwrap();
        let out = ehk(d, &issue_batch(file, "unused", &["--dry-run"]));
        let stderr = text(&out.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(
            lines,
            vec!["line 3", "line 5", "line 6"],
            "{file}: {stderr}"
        );
        assert!(stderr.contains("column 'Kartentyp': unknown card type 'platin'"));
        assert!(stderr.contains("column 'Ablaufdatum': '31.02.2027'"));
    }
}

#[test]
fn header_problems_stop_the_batch_before_anything_is_issued() {
    let dir = keys_and_trust("cards", "9162");
    let d = dir.path();
    for (content, expected) in [
        (
            "Name;Kartentyp;Bemerkung\r\nErika Mustermann;Gold;VIP\r\n",
            "'Bemerkung'",
        ),
        ("Vorname;Geburtsdatum\nErika;1.1.1980\n", "'Nachname'"),
        ("", "empty"),
    ] {
        std::fs::write(d.join("cards.csv"), content).unwrap();
        let out = ehk(d, &issue_batch("cards.csv", "batch", &[]));
        assert_eq!(out.status.code(), Some(2), "{content}");
        assert!(
            text(&out.stderr).contains(expected),
            "{}",
            text(&out.stderr)
        );
        assert!(!d.join("batch/issued.csv").exists());
    }
    std::fs::write(d.join("cards.csv"), "Name;Geburtsdatum\r\n").unwrap();
    let out = ehk(d, &issue_batch("cards.csv", "batch", &[]));
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("issued 0 card(s), skipped 0 bad row(s)"));
}

/// Fourteen categories: the ten defaults and four of the project's own.
const CATEGORIES: &str = r#"[
  {"id":0,"name_de":"Essen & Trinken","name_en":"Food & drink","icon":"food"},
  {"id":1,"name_de":"Medien & Bücher","name_en":"Media & books","icon":"media"},
  {"id":2,"name_de":"Gesundheit & Wellness","name_en":"Health & wellness","icon":"health"},
  {"id":3,"name_de":"Sport & Freizeit","name_en":"Sports & leisure","icon":"sports"},
  {"id":4,"name_de":"Kultur & Museen","name_en":"Culture & museums","icon":"culture"},
  {"id":5,"name_de":"Mobilität","name_en":"Mobility","icon":"mobility"},
  {"id":6,"name_de":"Mode & Einkaufen","name_en":"Fashion & shopping","icon":"shopping"},
  {"id":7,"name_de":"Dienstleistungen","name_en":"Services","icon":"services"},
  {"id":8,"name_de":"Bildung","name_en":"Education","icon":"education"},
  {"id":9,"name_de":"Sonstiges","name_en":"Other","icon":"other"},
  {"id":10,"name_de":"Handwerk","name_en":"Crafts","icon":"other"},
  {"id":11,"name_de":"Tiere","name_en":"Animals","icon":"other"},
  {"id":12,"name_de":"Fahrräder","name_en":"Bicycles","icon":"other"},
  {"id":13,"name_de":"Optiker","name_en":"Opticians","icon":"other"}
]"#;

#[test]
fn store_csv_with_project_categories_dry_run_then_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("categories.json"), CATEGORIES).unwrap();
    std::fs::write(
        d.join("stores.csv"),
        b"Name;Stra\xdfe;Hausnummer;PLZ;Ort;Breitengrad;L\xe4ngengrad;Telefon;E-Mail;Homepage;Rabatt;Kategorie\r\n\
          Radhaus N\xfcrnberg;Hauptstra\xdfe;3;90402;N\xfcrnberg;49,45;11,08;;;;\"10 %; auf Schl\xe4uche\";12\r\n\
          Brillen Wei\xdf;Markt;1;90402;N\xfcrnberg;;;;;;5 %;optiker\r\n\
          Zoo Huber;Weg;2;90402;N\xfcrnberg;;;;;;;Zoo\r\n",
    )
    .unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "stores",
            "--db",
            "stores.db",
            "import",
            "stores.csv",
            "--categories",
            "categories.json",
        ];
        args.extend_from_slice(extra);
        ehk(d, &args)
    };
    let out = import(&["--dry-run"]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Windows-1252, ';'-separated"), "{stdout}");
    assert!(
        stdout.contains("would import Radhaus Nürnberg: Hauptstraße 3, 90402 Nürnberg [Fahrräder]"),
        "{stdout}"
    );
    assert!(stdout.contains("[Optiker] (no coordinates)"), "{stdout}");
    assert!(stdout.contains("would import 2 store(s), would skip 1 bad record(s)"));
    assert!(text(&out.stderr)
        .contains("line 4: would skip: column 'Kategorie': unknown category 'Zoo'"));
    assert!(
        entries(d).iter().all(|f| !f.starts_with("stores.db")),
        "{:?}",
        entries(d)
    );

    let out = import(&[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("imported 2 store(s), skipped 1 bad record(s)"));
    let found = ok(d, &["stores", "--db", "stores.db", "search", "radhaus"]);
    assert!(
        found.contains("Radhaus Nürnberg") && found.contains("10 %; auf Schläuche"),
        "{found}"
    );
    let db = ehk_core::stores::StoreDb::open(&d.join("stores.db")).unwrap();
    assert_eq!(
        db.categories().unwrap().len(),
        14,
        "the project's categories go with the stores"
    );
}

#[test]
fn store_csv_without_categories_file_knows_only_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("stores.csv"),
        "name,categoryId\nRad,12\nBuch,Medien & Bücher\n",
    )
    .unwrap();
    let out = ehk(d, &["stores", "import", "stores.csv", "--dry-run"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr)
        .contains("line 2: would skip: column 'categoryId': unknown category '12'"));
    assert!(text(&out.stdout).contains("would import 1 store(s)"));
}

const LBE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<export>
  <akzeptanzstelle>
    <name>Bäckerei Müller</name><strasse>Hauptstraße</strasse><hausnummer>1</hausnummer>
    <plz>80331</plz><ort>München</ort><breitengrad>48.137</breitengrad>
    <laengengrad>11.575</laengengrad><telefon>089 1</telefon><email>a@b.de</email>
    <homepage_url>https://b.de</homepage_url><rabatt>10 % auf Brezen</rabatt>
    <kategorie>0</kategorie>
  </akzeptanzstelle>
  <akzeptanzstelle>
    <name>Falsch</name><kategorie>42</kategorie>
  </akzeptanzstelle>
</export>
"#;

#[test]
fn lbe_xml_import_by_extension_or_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("lbe.xml"), LBE_XML).unwrap();
    std::fs::write(d.join("lbe.export"), LBE_XML).unwrap();
    let out = ehk(
        d,
        &["stores", "--db", "a.db", "import", "lbe.xml", "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stdout).contains("would import Bäckerei Müller: Hauptstraße 1, 80331 München")
    );
    assert!(text(&out.stderr)
        .contains("line 10: would skip: element <kategorie>: unknown category '42'"));
    assert!(!d.join("a.db").exists());

    let out = ehk(
        d,
        &[
            "stores",
            "--db",
            "b.db",
            "import",
            "lbe.export",
            "--format",
            "xml",
        ],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stdout).contains("imported 1 store(s)"));

    std::fs::write(
        d.join("bad.xml"),
        "<export>\n<s><name>X</name>\n<oeffnungszeiten>9-18</oeffnungszeiten></s>\n</export>",
    )
    .unwrap();
    let out = ehk(d, &["stores", "--db", "c.db", "import", "bad.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line 3: unknown element <oeffnungszeiten>"));
    assert!(
        !d.join("c.db").exists(),
        "a refused file does not create the database"
    );
}
