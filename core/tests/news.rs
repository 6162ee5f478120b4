//! Geofenced news: containment by true geometry, the notification policy along a simulated
//! walk, and the regions handed to the operating system.

use ehk_core::news::geometry::Area;
use ehk_core::news::model::RegionShape;
use ehk_core::news::*;
use ehk_core::{FeedStore, IssuerKey, Platform, ProjectPin, TrustList};
use geo::{polygon, MultiPolygon};

/// 2026-11-29 12:00 UTC = 13:00 in Berlin.
const NOW: i64 = 1_795_953_600;
const HOUR: i64 = 3_600;

fn item(id: &str, priority: u8, category: NewsCategory, area: Area) -> NewsItem {
    NewsItem {
        id: id.into(),
        title_de: format!("Titel {id}"),
        title_en: format!("Title {id}"),
        body_de: String::new(),
        body_en: String::new(),
        category,
        priority,
        valid_from: NOW - 24 * HOUR,
        valid_until: NOW + 30 * 24 * HOUR,
        store_id: None,
        area,
    }
}

fn circle(lat: f64, lon: f64, radius_m: f64) -> Area {
    Area::Circle {
        latitude: lat,
        longitude: lon,
        radius_m,
    }
}

/// A 0.1° square around (48.0..48.1, 11.0..11.1) with a hole in the middle.
fn square_with_hole() -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon!(
        exterior: [(x: 11.0, y: 48.0), (x: 11.1, y: 48.0), (x: 11.1, y: 48.1), (x: 11.0, y: 48.1), (x: 11.0, y: 48.0)],
        interiors: [[(x: 11.04, y: 48.04), (x: 11.06, y: 48.04), (x: 11.06, y: 48.06), (x: 11.04, y: 48.06), (x: 11.04, y: 48.04)]],
    )])
}

fn bundle(items: Vec<NewsItem>, regions: Vec<RegionShape>) -> NewsBundle {
    NewsBundle {
        version: 1,
        issued_at: NOW,
        expires_at: NOW + 14 * 24 * HOUR,
        items,
        regions,
    }
}

fn ids(hits: &[NewsHit]) -> Vec<&str> {
    hits.iter().map(|h| h.item.id.as_str()).collect()
}

#[test]
fn containment_with_holes_multipolygons_overlaps_and_regions() {
    let two_parts = MultiPolygon(vec![
        polygon![(x: 12.0, y: 48.0), (x: 12.1, y: 48.0), (x: 12.1, y: 48.1), (x: 12.0, y: 48.1), (x: 12.0, y: 48.0)],
        polygon![(x: 12.3, y: 48.0), (x: 12.4, y: 48.0), (x: 12.4, y: 48.1), (x: 12.3, y: 48.1), (x: 12.3, y: 48.0)],
    ]);
    // Two rectangles crossing each other like a plus sign.
    let horizontal = MultiPolygon(vec![
        polygon![(x: 13.0, y: 48.04), (x: 13.1, y: 48.04), (x: 13.1, y: 48.06), (x: 13.0, y: 48.06), (x: 13.0, y: 48.04)],
    ]);
    let vertical = MultiPolygon(vec![
        polygon![(x: 13.04, y: 48.0), (x: 13.06, y: 48.0), (x: 13.06, y: 48.1), (x: 13.04, y: 48.1), (x: 13.04, y: 48.0)],
    ]);
    let region = RegionShape {
        id: 9162,
        name: "München".into(),
        shape: MultiPolygon(vec![
            polygon![(x: 11.4, y: 48.0), (x: 11.8, y: 48.0), (x: 11.8, y: 48.3), (x: 11.4, y: 48.3), (x: 11.4, y: 48.0)],
        ]),
    };
    let mut expired = item(
        "expired",
        9,
        NewsCategory::Notice,
        circle(48.05, 11.02, 5_000.0),
    );
    expired.valid_until = NOW - 1;
    let b = bundle(
        vec![
            item(
                "holed",
                1,
                NewsCategory::Event,
                Area::Polygons(square_with_hole()),
            ),
            item(
                "near-corner",
                1,
                NewsCategory::Offer,
                circle(48.01, 11.01, 2_000.0),
            ),
            item(
                "two-parts",
                2,
                NewsCategory::Event,
                Area::Polygons(two_parts),
            ),
            item(
                "horizontal",
                1,
                NewsCategory::Event,
                Area::Polygons(horizontal),
            ),
            item("vertical", 3, NewsCategory::Event, Area::Polygons(vertical)),
            item("munich", 0, NewsCategory::Notice, Area::Regions(vec![9162])),
            expired,
        ],
        vec![region],
    );
    b.validate().unwrap();
    let index = NewsIndex::new(&[b]);
    // The bounding box of "holed" covers the hole, its geometry does not.
    assert_eq!(ids(&index.news_at((48.05, 11.05), NOW)), Vec::<&str>::new());
    // Overlap: the same priority, the nearer centre first.
    assert_eq!(
        ids(&index.news_at((48.012, 11.012), NOW)),
        vec!["near-corner", "holed"]
    );
    assert_eq!(ids(&index.news_at((48.09, 11.09), NOW)), vec!["holed"]);
    assert_eq!(ids(&index.news_at((48.05, 12.35), NOW)), vec!["two-parts"]);
    assert!(
        index.news_at((48.05, 12.2), NOW).is_empty(),
        "between the two parts"
    );
    // Where the plus crosses, the higher priority comes first; on each arm only that arm.
    assert_eq!(
        ids(&index.news_at((48.05, 13.05), NOW)),
        vec!["vertical", "horizontal"]
    );
    assert_eq!(ids(&index.news_at((48.05, 13.01), NOW)), vec!["horizontal"]);
    assert_eq!(ids(&index.news_at((48.01, 13.05), NOW)), vec!["vertical"]);
    assert_eq!(ids(&index.news_at((48.1374, 11.5755), NOW)), vec!["munich"]);
    assert!(index
        .news_at((48.05, 11.05), NOW + 31 * 24 * HOUR)
        .is_empty());
}

fn walk_index() -> NewsIndex {
    NewsIndex::new(&[bundle(
        vec![
            item(
                "market",
                5,
                NewsCategory::Event,
                circle(48.1374, 11.5755, 300.0),
            ),
            item(
                "museum",
                3,
                NewsCategory::Offer,
                circle(48.1400, 11.5800, 100.0),
            ),
            item(
                "library",
                1,
                NewsCategory::Notice,
                circle(48.1500, 11.5800, 200.0),
            ),
            item(
                "theatre",
                2,
                NewsCategory::Offer,
                circle(48.1600, 11.5800, 200.0),
            ),
            item(
                "zoo",
                4,
                NewsCategory::Event,
                circle(48.1700, 11.5800, 200.0),
            ),
        ],
        vec![],
    )])
}

#[test]
fn the_policy_along_a_walk() {
    let index = walk_index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let at = |p: (f64, f64), accuracy: f64, t: i64| -> Vec<String> {
        policy
            .on_position(&index, p, accuracy, t)
            .unwrap()
            .into_iter()
            .map(|n| n.item.id)
            .collect()
    };
    let market = (48.1374, 11.5755);
    // Outside everything.
    assert!(at((48.12, 11.55), 20.0, NOW).is_empty());
    // First fix inside the market: no notification yet (dwell starts).
    assert!(at(market, 20.0, NOW + 10).is_empty());
    // 30 s later still inside: not long enough.
    assert!(at(market, 20.0, NOW + 40).is_empty());
    // 61 s after the first fix: notify once.
    assert_eq!(at(market, 20.0, NOW + 71), vec!["market"]);
    assert!(
        at(market, 20.0, NOW + 200).is_empty(),
        "at most once per item"
    );

    // A fix 500 m accurate does not trigger a 100 m area, however long it stays.
    let museum = (48.1400, 11.5800);
    assert!(at(museum, 500.0, NOW + 300).is_empty());
    assert!(at(museum, 500.0, NOW + 600).is_empty());
    // Leaving resets the dwell: inside, outside, inside again is a fresh start.
    assert!(at(museum, 10.0, NOW + 700).is_empty());
    assert!(at((48.145, 11.58), 10.0, NOW + 720).is_empty());
    assert!(at(museum, 10.0, NOW + 740).is_empty());
    assert_eq!(at(museum, 10.0, NOW + 801), vec!["museum"]);

    // Muted categories never notify.
    policy.set_muted(NewsCategory::Notice, true).unwrap();
    let library = (48.1500, 11.5800);
    assert!(at(library, 10.0, NOW + 900).is_empty());
    assert!(at(library, 10.0, NOW + 1_000).is_empty());
    policy.set_muted(NewsCategory::Notice, false).unwrap();

    // Daily cap of three: market and museum were two; the theatre is the third, the zoo waits.
    let theatre = (48.1600, 11.5800);
    assert!(at(theatre, 10.0, NOW + 1_100).is_empty());
    assert_eq!(at(theatre, 10.0, NOW + 1_200), vec!["theatre"]);
    let zoo = (48.1700, 11.5800);
    assert!(at(zoo, 10.0, NOW + 1_300).is_empty());
    assert!(at(zoo, 10.0, NOW + 1_400).is_empty(), "cap reached");
    // Quiet hours: 23:30 in Berlin is 22:30 UTC.
    let quiet = NOW + 9 * HOUR + 30 * 60;
    assert!(at(zoo, 10.0, quiet).is_empty());
    assert!(at(zoo, 10.0, quiet + 120).is_empty(), "quiet hours");
    // Next morning at 07:30 the holder is still at the zoo: now it shows.
    let morning = NOW + 18 * HOUR + 30 * 60;
    assert_eq!(at(zoo, 10.0, morning), vec!["zoo"]);
}

#[test]
fn policy_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.db");
    let root = IssuerKey::generate().unwrap();
    let mut trust = TrustList::new(1);
    trust.expires_at = NOW + 86_400;
    let pin = ProjectPin::new(root.public_key(), 1, trust.sign(&root).unwrap()).unwrap();
    let open = || FeedStore::open(&path, pin.clone(), Platform::Android, NOW).unwrap();
    let index = walk_index();
    let market = (48.1374, 11.5755);
    {
        let store = open();
        let policy = store.policy();
        policy
            .set_settings(PolicySettings {
                dwell_secs: 30,
                ..Default::default()
            })
            .unwrap();
        assert!(policy
            .on_position(&index, market, 10.0, NOW)
            .unwrap()
            .is_empty());
    }
    let store = open();
    let policy = store.policy();
    assert_eq!(policy.settings().unwrap().dwell_secs, 30);
    assert_eq!(
        policy
            .on_position(&index, market, 10.0, NOW + 31)
            .unwrap()
            .len(),
        1
    );
    let reopened = open();
    assert!(reopened
        .policy()
        .on_position(&index, market, 10.0, NOW + 100)
        .unwrap()
        .is_empty());
    assert!(policy
        .set_settings(PolicySettings {
            quiet_start_minute: 1440,
            ..Default::default()
        })
        .is_err());
}

#[test]
fn regions_to_monitor_pick_the_nearest_and_a_refresh_circle_before_the_next() {
    let mut items = Vec::new();
    for i in 0..200 {
        let lat = 48.0 + (i as f64) * 0.01;
        items.push(item(
            &format!("c{i}"),
            0,
            NewsCategory::Event,
            circle(lat, 11.0, 50.0),
        ));
    }
    items.push(item(
        "poly",
        0,
        NewsCategory::Event,
        Area::Polygons(square_with_hole()),
    ));
    let index = NewsIndex::new(&[bundle(items, vec![])]);
    let here = (48.0, 11.0);
    let regions = index.regions_to_monitor(here, 20, NOW);
    assert_eq!(regions.len(), 20);
    let refresh = regions.last().unwrap();
    assert!(refresh.refresh && refresh.latitude == 48.0);
    let chosen: Vec<&MonitorRegion> = regions.iter().filter(|r| !r.refresh).collect();
    assert_eq!(chosen.len(), 19);
    assert!(
        chosen.iter().all(|r| r.radius_m >= 100.0),
        "small circles grow to 100 m"
    );
    let farthest_chosen = chosen
        .iter()
        .map(|r| ehk_core::stores::model::distance_m(here, (r.latitude, r.longitude)) - r.radius_m)
        .fold(0.0, f64::max);
    // Everything left out lies beyond the refresh circle.
    let left_out_edge = (0..200)
        .map(|i| 48.0 + (i as f64) * 0.01)
        .map(|lat| ehk_core::stores::model::distance_m(here, (lat, 11.0)) - 50.0)
        .filter(|d| *d > farthest_chosen + 1.0)
        .fold(f64::INFINITY, f64::min);
    assert!(
        refresh.radius_m < left_out_edge,
        "{} vs {left_out_edge}",
        refresh.radius_m
    );
    assert!(
        chosen.iter().any(|r| r.id == "poly"),
        "the polygon contains the holder: nearest of all"
    );
    assert!(index.regions_to_monitor(here, 0, NOW).is_empty());
    assert_eq!(index.regions_to_monitor(here, 1, NOW).len(), 1);
}

#[test]
fn bundles_are_signed_and_checked() {
    let key = ehk_core::IssuerKey::generate().unwrap();
    let b = bundle(
        vec![item("a", 1, NewsCategory::Event, circle(48.0, 11.0, 100.0))],
        vec![],
    );
    let bytes = b.sign(&key).unwrap();
    assert_eq!(NewsBundle::signer(&bytes).unwrap(), key.key_id());
    assert_eq!(NewsBundle::verify(&bytes, &key.public_key()).unwrap(), b);
    let other = ehk_core::IssuerKey::generate().unwrap();
    assert!(NewsBundle::verify(&bytes, &other.public_key()).is_err());
    let bad = bundle(
        vec![item("b", 1, NewsCategory::Event, Area::Regions(vec![1]))],
        vec![],
    );
    assert!(bad
        .sign(&key)
        .unwrap_err()
        .to_string()
        .contains("no shape for region 1"));
}

#[test]
fn offers_near_favorite_stores_follow_the_same_policy() {
    let favorite = ehk_core::stores::StoreSummary {
        id: 42,
        name: "Bäckerei Müller".into(),
        category_id: 0,
        street: "Hauptstraße".into(),
        house_number: "1".into(),
        postal_code: "80331".into(),
        city: "München".into(),
        position: Some((48.1374, 11.5755).into()),
        discount_de: "10 % auf Brezen".into(),
        discount_en: "10% off pretzels".into(),
        distance_m: None,
        favorite: true,
    };
    let no_discount = ehk_core::stores::StoreSummary {
        id: 43,
        discount_de: String::new(),
        discount_en: String::new(),
        ..favorite.clone()
    };
    let index = NewsIndex::with_favorite_offers(&[], &[favorite, no_discount], 150.0);
    assert_eq!(index.len(), 1);
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let shop = (48.1375, 11.5756);
    assert!(policy
        .on_position(&index, shop, 10.0, NOW)
        .unwrap()
        .is_empty());
    let shown = policy.on_position(&index, shop, 10.0, NOW + 61).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].item.store_id, Some(42));
    assert_eq!(shown[0].item.body_de, "10 % auf Brezen");
    assert!(policy
        .on_position(&index, (48.2, 11.6), 10.0, NOW + 200)
        .unwrap()
        .is_empty());
}
