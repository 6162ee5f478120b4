//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`: valid samples made
//! with the project's own issuing and publishing code and the fixed keys of `ehk_fuzz::world`,
//! plus a few edge cases. Run from `fuzz/`: `cargo run --example gen-corpus`.
//!
//! The outputs are deterministic except where the issuer draws fresh card ids.

use ehk_core::card::claims::CardType;
use ehk_core::card::presentation;
use ehk_core::card::qr::QrPayload;
use ehk_core::cose::SignedEnvelope;
use ehk_core::day::Day;
use ehk_core::feed::manifest::MANIFEST_NAME;
use ehk_core::news::geometry::Area;
use ehk_core::news::model::{NewsBundle, NewsCategory, NewsItem};
use ehk_fuzz::{world, NOW, PROJECT, REGION};
use ehk_issuer::stores::generate::{evolve, synthetic_snapshot};
use ehk_issuer::{issue_card, publish_with_news, CardRequest, PublishOptions};
use std::fs;
use std::path::{Path, PathBuf};

struct Corpus {
    dir: PathBuf,
}

impl Corpus {
    fn put(&self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.dir.join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), bytes).unwrap();
    }

    /// A seed behind a mode byte (see `ehk_fuzz::split_mode`).
    fn put_mode(&self, target: &str, name: &str, mode: u8, bytes: &[u8]) {
        let mut seed = vec![mode];
        seed.extend_from_slice(bytes);
        self.put(target, name, &seed);
    }
}

fn payload(signed: &[u8]) -> Vec<u8> {
    SignedEnvelope::parse(signed)
        .unwrap()
        .unverified_payload()
        .to_vec()
}

fn request(name: &str, card_type: CardType, device_key: Option<[u8; 32]>) -> CardRequest {
    CardRequest {
        holder_name: name.into(),
        birthday: Day::from_ymd(1970, 5, 17),
        card_type,
        project_id: PROJECT,
        region_id: REGION,
        valid_from: Day::from_ymd(2026, 1, 1).unwrap(),
        valid_until: if card_type == CardType::Gold {
            None
        } else {
            Day::from_ymd(2029, 12, 31)
        },
        device_key,
    }
}

fn news_bundle(version: u64) -> NewsBundle {
    let item = |id: &str, area: Area| NewsItem {
        id: id.into(),
        title_de: "Christkindlesmarkt".into(),
        title_en: "Christmas market".into(),
        body_de: "Heute mit Rabatt".into(),
        body_en: "Discount today".into(),
        category: NewsCategory::Event,
        priority: 5,
        valid_from: NOW - 3_600,
        valid_until: NOW + 86_400,
        store_id: Some(3),
        area,
    };
    let square = geo::MultiPolygon(vec![geo::Polygon::new(
        geo::LineString::from(vec![
            (11.0, 49.4),
            (11.1, 49.4),
            (11.1, 49.5),
            (11.0, 49.5),
            (11.0, 49.4),
        ]),
        vec![],
    )]);
    NewsBundle {
        version,
        issued_at: NOW - 60,
        expires_at: NOW + 7 * 86_400,
        items: vec![
            item(
                "circle",
                Area::Circle {
                    latitude: 49.4539,
                    longitude: 11.0775,
                    radius_m: 400.0,
                },
            ),
            item("square", Area::Polygons(square.clone())),
            item("region", Area::Regions(vec![REGION])),
        ],
        regions: vec![ehk_core::news::model::RegionShape {
            id: REGION,
            name: "Nürnberg".into(),
            shape: square,
        }],
    }
}

fn main() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let c = Corpus { dir: out.clone() };
    let w = world();

    // Cards: static, gold, device-bound (as a credential and as a presentation), revoked-looking.
    let device_public = w.device.verifying_key().to_bytes();
    let cards = [
        (
            "standard",
            request("Erika Mustermann", CardType::Standard, None),
        ),
        ("gold", request("Max Müller", CardType::Gold, None)),
        (
            "device",
            request("Zoë Łukasiewicz", CardType::Standard, Some(device_public)),
        ),
    ];
    for (name, req) in &cards {
        let (credential, _) = issue_card(&w.issuer, req, NOW - 3600).unwrap();
        let qr = QrPayload::Credential(credential.clone()).encode();
        c.put("qr_text", &format!("credential-{name}"), qr.as_bytes());
        c.put_mode("card", &format!("credential-{name}"), 0, &credential);
        c.put_mode("card", &format!("claims-{name}"), 2, &payload(&credential));
        let shown = presentation::create(&credential, &w.device, NOW).unwrap();
        c.put_mode("card", &format!("presentation-{name}"), 1, &shown);
        c.put_mode(
            "card",
            &format!("presented-claims-{name}"),
            3,
            &payload(&credential),
        );
        let qr = QrPayload::Presentation(shown).encode();
        c.put("qr_text", &format!("presentation-{name}"), qr.as_bytes());
    }
    for (name, text) in [
        ("empty-credential", "EK1:"),
        ("empty-presentation", "EP1:"),
        ("not-base45", "EK1:abc$%"),
        ("non-canonical", "EK1:GGW"),
        ("other-qr", "https://example.org/"),
    ] {
        c.put("qr_text", name, text.as_bytes());
    }

    // Trust list and revocation list.
    c.put_mode("trust_list", "signed", 0, &w.trust_bytes);
    c.put_mode(
        "trust_list",
        "payload",
        1,
        &w.trust.encode_payload().unwrap(),
    );
    c.put_mode("revocation_list", "signed", 0, &w.revocation_bytes);
    c.put_mode(
        "revocation_list",
        "payload",
        1,
        &payload(&w.revocation_bytes),
    );

    // A published feed: version 1, then version 2 with a delta, a revocation list and news.
    let feed = std::env::temp_dir().join(format!("ehk-fuzz-corpus-{}", std::process::id()));
    let _ = fs::remove_dir_all(&feed);
    fs::create_dir_all(&feed).unwrap();
    let v1 = synthetic_snapshot(12, 7, 1);
    let v2 = evolve(&v1, 4, 8);
    let bundle = news_bundle(1);
    let news = bundle.sign(&w.issuer).unwrap();
    let revocations = vec![w.revocation_bytes.clone()];
    let root = w.root.public_key();
    for snapshot in [&v1, &v2] {
        publish_with_news(
            &feed,
            &w.issuer,
            &root,
            snapshot,
            &w.trust_bytes,
            &revocations,
            std::slice::from_ref(&news),
            NOW - 600,
            &PublishOptions::default(),
        )
        .unwrap();
    }
    let mut files: Vec<_> = fs::read_dir(&feed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = fs::read(&path).unwrap();
        let mode = if name == MANIFEST_NAME {
            c.put_mode("manifest", "signed", 0, &bytes);
            c.put_mode("manifest", "payload", 1, &payload(&bytes));
            0
        } else if name.starts_with("trust-list") {
            1
        } else if name.starts_with("revocations") {
            2
        } else if name.starts_with("news") {
            3
        } else if name.starts_with("snapshot") {
            c.put_mode("snapshot", &name, 0, &bytes);
            c.put_mode(
                "snapshot",
                &format!("{name}.cbor"),
                1,
                &zstd::decode_all(&bytes[..]).unwrap(),
            );
            4
        } else if name.starts_with("delta") {
            c.put_mode("delta", &name, 0, &bytes);
            c.put_mode(
                "delta",
                &format!("{name}.cbor"),
                1,
                &zstd::decode_all(&bytes[..]).unwrap(),
            );
            5
        } else {
            continue;
        };
        c.put_mode("sync_bodies", &name, mode, &bytes);
    }
    fs::remove_dir_all(&feed).unwrap();
    c.put_mode("news_bundle", "signed", 0, &news);
    c.put_mode("news_bundle", "payload", 1, &payload(&news));
    for (name, bytes) in [
        ("empty", &b""[..]),
        ("zstd-garbage", &[0x28, 0xb5, 0x2f, 0xfd, 0, 0][..]),
    ] {
        c.put_mode("snapshot", name, 0, bytes);
        c.put_mode("delta", name, 0, bytes);
    }

    // The issuer's text inputs.
    c.put(
        "batch_csv",
        "cards.csv",
        "name,birthday,cardType,regionId,validFrom,validUntil,deviceKey\n\
         Erika Mustermann,1970-05-17,standard,9162,2026-01-01,2029-12-31,\n\
         \"Müller, Max\",,gold,9162,2026-01-01,,\n\
         Zoë,2001-02-30,blue,x,,,abc\n\
         only one field\n"
            .as_bytes(),
    );
    c.put(
        "batch_csv",
        "device.csv",
        format!(
            "Name;deviceKey\nDevice Holder,{}\n",
            device_public
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        )
        .as_bytes(),
    );
    c.put(
        "store_csv",
        "stores.csv",
        "id,name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,\
         homepage,discountDE,discountEN,categoryId,regionId\n\
         1,Bäckerei Beck,Hauptstraße,12a,90402,Nürnberg,49.4539,11.0775,0911 123,info@beck.de,\
         https://beck.de,10 % Rabatt,10 % off,1,9162\n\
         2,Kino,Kinoweg,1,90403,Nürnberg,,,,,,Freier Eintritt,,3,\n\
         2,Duplicate,,,,,91,200,,,,,,99,\n\
         short,row\n"
            .as_bytes(),
    );
    c.put(
        "store_geojson",
        "stores.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[11.0775,49.4539]},
 "properties":{"id":1,"name":"Bäckerei Beck","street":"Hauptstraße","houseNumber":"12a",
 "postalCode":"90402","location":"Nürnberg","discountDE":"10 % Rabatt","categoryId":1,"regionId":9162}},
{"type":"Feature","geometry":null,"properties":{"name":"Ohne Ort","categoryId":"2"}},
{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":{}}]}"#
            .as_bytes(),
    );
    for (name, text) in [
        (
            "polygon",
            r#"{"type":"Polygon","coordinates":[[[11.0,49.4],[11.1,49.4],[11.1,49.5],[11.0,49.5],[11.0,49.4]]]}"#,
        ),
        (
            "multipolygon-with-hole",
            r#"{"type":"MultiPolygon","coordinates":[[[[11.0,49.4],[11.2,49.4],[11.2,49.6],[11.0,49.6],[11.0,49.4]],[[11.05,49.45],[11.1,49.45],[11.1,49.5],[11.05,49.45]]],[[[12.0,48.0],[12.1,48.0],[12.1,48.1],[12.0,48.0]]]]}"#,
        ),
        (
            "feature-bowtie",
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}"#,
        ),
        (
            "collection-point",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[11,49]}}]}"#,
        ),
    ] {
        c.put("news_area", name, text.as_bytes());
    }
    println!("seeds written to {}", out.display());
}
