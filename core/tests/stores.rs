//! The offline store database: German-aware search, nearby through the spatial index,
//! favorites across syncs, deltas, imports with bad rows, readers during writes.

use ehk_core::stores::model::{default_categories, distance_m};
use ehk_core::stores::*;
use ehk_issuer::stores::generate::{evolve, synthetic_snapshot};
use ehk_issuer::stores::import::{import_csv, import_geojson};

const NOW: i64 = 1_795_953_600;
const MARIENPLATZ: (f64, f64) = (48.1374, 11.5755);

fn db() -> (tempfile::TempDir, StoreDb) {
    let dir = tempfile::tempdir().unwrap();
    let db = StoreDb::open(&dir.path().join("stores.db")).unwrap();
    (dir, db)
}

fn store(
    id: i64,
    name: &str,
    category_id: u32,
    street: &str,
    city: &str,
    position: Option<(f64, f64)>,
    discount: &str,
) -> StoreRecord {
    StoreRecord {
        id,
        name: name.into(),
        category_id,
        street: street.into(),
        house_number: "1".into(),
        postal_code: "80331".into(),
        city: city.into(),
        phone: String::new(),
        email: String::new(),
        website: String::new(),
        position,
        region_id: Some(9162),
        discounts: vec![Discount {
            text_de: discount.into(),
            text_en: String::new(),
            valid_from: None,
            valid_until: None,
        }],
    }
}

fn munich_snapshot(version: u64) -> Snapshot {
    Snapshot {
        version,
        categories: default_categories(),
        regions: vec![Region {
            id: 9162,
            name: "München".into(),
        }],
        stores: vec![
            store(
                1,
                "Bäckerei Müller",
                0,
                "Weißenburger Straße",
                "München",
                Some((48.1300, 11.5900)),
                "10 % auf Brezen",
            ),
            store(
                2,
                "Buchhandlung Weiß",
                1,
                "Hauptstraße",
                "München",
                Some((48.1400, 11.5700)),
                "5 % auf Bücher",
            ),
            store(
                3,
                "Café Crème",
                0,
                "Marktplatz",
                "München",
                Some((48.1375, 11.5760)),
                "Kaffee gratis",
            ),
            store(
                4,
                "Mueller Optik",
                2,
                "Sendlinger Strasse",
                "München",
                None,
                "20 % auf Brillen",
            ),
            store(
                5,
                "Göttinger Hof",
                0,
                "Am Rathaus",
                "Göttingen",
                Some((51.5413, 9.9158)),
                "Ein Getränk frei",
            ),
        ],
    }
}

fn names(results: &[StoreSummary]) -> Vec<&str> {
    results.iter().map(|s| s.name.as_str()).collect()
}

fn search(db: &StoreDb, text: &str) -> Vec<StoreSummary> {
    db.search(&SearchQuery {
        text: text.into(),
        limit: 20,
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn german_folding_finds_every_spelling() {
    let (_dir, db) = db();
    db.replace_all(&munich_snapshot(1), NOW).unwrap();
    for q in ["Muller", "Mueller", "müller", "MÜLLER"] {
        let results = search(&db, q);
        let found = names(&results);
        assert!(found.contains(&"Bäckerei Müller"), "{q}: {found:?}");
        assert!(found.contains(&"Mueller Optik"), "{q}: {found:?}");
    }
    // "Strasse" finds "Straße" and the other way round.
    let found = search(&db, "Weissenburger Strasse");
    assert_eq!(names(&found), vec!["Bäckerei Müller"]);
    let found = search(&db, "Sendlinger Straße");
    assert_eq!(names(&found), vec!["Mueller Optik"]);
    // Prefixes as the holder types, accents and case ignored.
    assert_eq!(names(&search(&db, "bäck")), vec!["Bäckerei Müller"]);
    assert_eq!(names(&search(&db, "Baeck")), vec!["Bäckerei Müller"]);
    assert_eq!(names(&search(&db, "cafe creme")), vec!["Café Crème"]);
    assert_eq!(names(&search(&db, "Goettingen")), vec!["Göttinger Hof"]);
    // Discount text and city are searched too.
    assert_eq!(names(&search(&db, "brezen")), vec!["Bäckerei Müller"]);
    assert_eq!(search(&db, "münchen").len(), 4);
    assert!(search(&db, "zzzz").is_empty());
    assert!(
        search(&db, "\"OR*(").is_empty(),
        "FTS syntax in the query is harmless"
    );
    // A name match ranks above a discount-text match.
    let ranked = search(&db, "weiss");
    assert_eq!(ranked[0].name, "Buchhandlung Weiß");
}

#[test]
fn filters_sorting_and_paging() {
    let (_dir, db) = db();
    db.replace_all(&munich_snapshot(1), NOW).unwrap();
    let q = |category, radius_m, sort, offset, limit| SearchQuery {
        text: "münchen".into(),
        category,
        near: Some(MARIENPLATZ),
        radius_m,
        sort,
        offset,
        limit,
    };
    let food = db
        .search(&q(Some(0), None, SortOrder::Relevance, 0, 20))
        .unwrap();
    assert_eq!(food.len(), 2);
    assert!(food.iter().all(|s| s.category_id == 0));

    let by_distance = db
        .search(&q(None, None, SortOrder::Distance, 0, 20))
        .unwrap();
    assert_eq!(
        names(&by_distance),
        vec![
            "Café Crème",
            "Buchhandlung Weiß",
            "Bäckerei Müller",
            "Mueller Optik"
        ]
    );
    assert!(by_distance[0].distance_m.unwrap() < 100.0);
    assert_eq!(
        by_distance[3].distance_m, None,
        "no coordinates: last, no distance"
    );

    let within_1km = db
        .search(&q(None, Some(1_000.0), SortOrder::Distance, 0, 20))
        .unwrap();
    assert_eq!(names(&within_1km), vec!["Café Crème", "Buchhandlung Weiß"]);

    let page2 = db
        .search(&q(None, None, SortOrder::Distance, 2, 1))
        .unwrap();
    assert_eq!(names(&page2), vec!["Bäckerei Müller"]);
}

#[test]
fn nearby_matches_brute_force_and_skips_stores_without_coordinates() {
    let (_dir, db) = db();
    let snapshot = synthetic_snapshot(5_000, 7, 1);
    db.replace_all(&snapshot, NOW).unwrap();
    for (position, category, radius) in [
        (MARIENPLATZ, None, None),
        ((52.52, 13.405), Some(3), None),
        ((50.0, 10.0), None, None),
        ((48.14, 11.58), Some(1), Some(3_000.0)),
    ] {
        let got = db
            .nearby(&NearbyQuery {
                position,
                limit: 20,
                radius_m: radius,
                category,
            })
            .unwrap();
        let mut expected: Vec<(f64, i64)> = snapshot
            .stores
            .iter()
            .filter(|s| category.map_or(true, |c| s.category_id == c))
            .filter_map(|s| s.position.map(|p| (distance_m(position, p), s.id)))
            .filter(|(d, _)| radius.map_or(true, |r| *d <= r))
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        expected.truncate(20);
        let got_ids: Vec<i64> = got.iter().map(|s| s.id).collect();
        let expected_ids: Vec<i64> = expected.iter().map(|e| e.1).collect();
        assert_eq!(
            got_ids, expected_ids,
            "at {position:?} category {category:?}"
        );
        assert!(got.iter().all(|s| s.position.is_some()));
    }
    assert!(db
        .nearby(&NearbyQuery {
            position: (f64::NAN, 0.0),
            limit: 5,
            radius_m: None,
            category: None,
        })
        .unwrap()
        .is_empty());
}

#[test]
fn favorites_survive_a_store_leaving_and_returning() {
    let (_dir, db) = db();
    let v1 = munich_snapshot(1);
    db.replace_all(&v1, NOW).unwrap();
    assert!(db.set_favorite(3, true, NOW).unwrap());
    assert!(!db.set_favorite(99, true, NOW).unwrap(), "unknown store");
    assert!(search(&db, "creme")[0].favorite);

    let mut v2 = v1.clone();
    v2.version = 2;
    v2.stores.retain(|s| s.id != 3);
    db.apply_delta(&Delta::between(&v1, &v2), NOW).unwrap();
    let favs = db.favorites(None).unwrap();
    assert_eq!(favs.len(), 1);
    assert_eq!(favs[0].name, "Café Crème");
    assert_eq!(favs[0].store, None, "store missing from the feed");

    let mut v3 = v1.clone();
    v3.version = 3;
    db.replace_all(&v3, NOW).unwrap();
    let favs = db.favorites(Some(MARIENPLATZ)).unwrap();
    assert_eq!(favs[0].store.as_ref().unwrap().name, "Café Crème");
    assert!(favs[0].store.as_ref().unwrap().distance_m.is_some());
    assert!(db.set_favorite(3, false, NOW).unwrap());
    assert!(db.favorites(None).unwrap().is_empty());
}

#[test]
fn deltas_reach_the_same_state_as_snapshots_and_refuse_the_wrong_base() {
    let (_dir, db) = db();
    let v1 = synthetic_snapshot(2_000, 11, 1);
    let v2 = evolve(&v1, 300, 12);
    db.replace_all(&v1, NOW).unwrap();
    let delta = Delta::between(&v1, &v2);
    assert!(!delta.deletes.is_empty() && !delta.upserts.is_empty());
    db.apply_delta(&delta, NOW).unwrap();
    assert_eq!(db.feed_version().unwrap(), Some(2));
    assert_eq!(db.snapshot(2).unwrap(), v2);
    // The same delta again starts at the wrong version: refused, nothing changes.
    assert!(db.apply_delta(&delta, NOW).is_err());
    assert_eq!(db.snapshot(2).unwrap(), v2);
    assert_eq!(db.integrity_check().unwrap(), "ok");
}

#[test]
fn readers_keep_working_while_a_write_is_open() {
    let (_dir, db) = db();
    db.replace_all(&munich_snapshot(1), NOW).unwrap();
    let seen_during_write = db
        .write(|tx| {
            ehk_core::stores::db::clear_stores(tx)?;
            // Another screen searches while the sync's transaction is open: it sees the old
            // data and is not blocked.
            Ok(search(&db, "müller").len())
        })
        .unwrap();
    assert_eq!(seen_during_write, 2);
    assert!(search(&db, "müller").is_empty());
}

#[test]
fn csv_import_reports_bad_rows_by_line() {
    let categories = default_categories();
    let csv = "name,street,houseNumber,postalCode,location,latitude,longitude,telephone,email,homepage,discountDE,discountEN,categoryId\n\
        Bäckerei Müller,Hauptstraße,1,80331,München,48.137,11.575,089 1,a@b.de,https://b.de,10 % auf alles,10% off,0\n\
        ,Hauptstraße,2,80331,München,48.137,11.575,,,,x,y,0\n\
        Ohne Ort,Nebenweg,3,80331,München,,,,,,5 %,5%,1\n\
        Falsch,Weg,4,80331,München,abc,11.5,,,,x,y,1\n\
        Weit weg,Weg,5,80331,München,91.0,11.5,,,,x,y,1\n\
        Halb,Weg,6,80331,München,48.1,,,,,x,y,1\n\
        Kategorie,Weg,7,80331,München,48.1,11.5,,,,x,y,42\n\
        Komma,Weg,8,80331,München,\"48,1\",\"11,5\",,,,x,y,2\n\
        Zu viele,Felder,1,2,3,4,5,6,7,8,9,10,11,12\n";
    let report = import_csv(csv.as_bytes(), &categories).unwrap();
    let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![3, 5, 6, 7, 8, 10], "{:?}", report.errors);
    assert_eq!(report.stores.len(), 3);
    assert_eq!(report.stores[0].position, Some((48.137, 11.575)));
    assert_eq!(report.stores[1].position, None);
    assert_eq!(report.stores[2].position, Some((48.1, 11.5)));
    // Ids are stable: the same row imported again gets the same id.
    let again = import_csv(csv.as_bytes(), &categories).unwrap();
    assert_eq!(again.stores[0].id, report.stores[0].id);

    let (_dir, db) = db();
    let snapshot = Snapshot {
        version: 1,
        categories,
        regions: vec![],
        stores: report.stores,
    };
    db.replace_all(&snapshot, NOW).unwrap();
    assert_eq!(search(&db, "ohne ort").len(), 1, "kept and searchable");
    let near = db
        .nearby(&NearbyQuery {
            position: (48.137, 11.575),
            limit: 10,
            radius_m: None,
            category: None,
        })
        .unwrap();
    assert!(
        !names(&near).contains(&"Ohne Ort"),
        "never nearby without coordinates"
    );
    assert!(import_csv(b"foo,bar\n1,2\n", &default_categories()).is_err());
}

#[test]
fn geojson_import() {
    let text = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":17,"geometry":{"type":"Point","coordinates":[11.575,48.137]},
         "properties":{"name":"Café Crème","street":"Marktplatz","location":"München","categoryId":0,"discountDE":"Kaffee gratis"}},
        {"type":"Feature","geometry":null,"properties":{"name":"Ohne Ort","categoryId":"1"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[200.0,48.0]},"properties":{"name":"Falsch","categoryId":0}},
        {"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]},"properties":{"name":"Linie","categoryId":0}},
        {"type":"Feature","geometry":null,"properties":{"categoryId":0}}
    ]}"#;
    let report = import_geojson(text, &default_categories()).unwrap();
    assert_eq!(report.stores.len(), 2);
    assert_eq!(report.stores[0].id, 17);
    assert_eq!(report.stores[0].position, Some((48.137, 11.575)));
    assert_eq!(report.stores[1].position, None);
    assert_eq!(
        report.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    assert!(import_geojson("[1,2]", &default_categories()).is_err());
    assert!(import_geojson("{not json", &default_categories()).is_err());
}

#[test]
fn straße_finds_compound_street_names() {
    let (_dir, db) = db();
    db.replace_all(&munich_snapshot(1), NOW).unwrap();
    let found = search(&db, "Strasse");
    let names = names(&found);
    assert!(
        names.contains(&"Bäckerei Müller") && names.contains(&"Buchhandlung Weiß"),
        "{names:?}"
    );
}
