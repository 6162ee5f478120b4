//! The geofencing state machine along the event sequences Android and iOS deliver: when the
//! regions are registered, when registration counts, and which fixes notify.

use ehk_core::news::geometry::Area;
use ehk_core::news::*;
use ehk_core::stores::model::distance_m;
use ehk_core::Error;

/// 2026-11-29 12:00 UTC = 13:00 in Berlin.
const NOW: i64 = 1_795_953_600;
const HOUR: i64 = 3_600;

const START: (f64, f64) = (48.1200, 11.5500);
const MARKET: (f64, f64) = (48.1374, 11.5755);
const MUSEUM: (f64, f64) = (48.1400, 11.5800);
const LIBRARY: (f64, f64) = (48.1500, 11.5800);

fn item(
    id: &str,
    priority: u8,
    category: NewsCategory,
    (lat, lon): (f64, f64),
    r: f64,
) -> NewsItem {
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
        area: Area::Circle {
            latitude: lat,
            longitude: lon,
            radius_m: r,
        },
    }
}

fn bundle(items: Vec<NewsItem>) -> NewsBundle {
    NewsBundle {
        version: 1,
        issued_at: NOW,
        expires_at: NOW + 14 * 24 * HOUR,
        items,
        regions: vec![],
    }
}

/// Three areas in Munich's centre and 150 small ones to the north, more than either OS
/// monitors.
fn items() -> Vec<NewsItem> {
    let mut items = vec![
        item("market", 5, NewsCategory::Event, MARKET, 300.0),
        item("museum", 3, NewsCategory::Offer, MUSEUM, 100.0),
        item("library", 1, NewsCategory::Notice, LIBRARY, 200.0),
    ];
    for i in 0..150 {
        let p = (48.2 + i as f64 * 0.01, 11.7);
        items.push(item(&format!("far{i}"), 0, NewsCategory::Event, p, 100.0));
    }
    items
}

fn index() -> NewsIndex {
    NewsIndex::new(&[bundle(items())])
}

fn fix((lat, lon): (f64, f64), accuracy_m: f64) -> Fix {
    Fix::new(lat, lon, accuracy_m)
}

fn ids(regions: &[MonitorRegion]) -> Vec<String> {
    regions.iter().map(|r| r.id.clone()).collect()
}

fn notified(u: &GeofenceUpdate) -> Vec<&str> {
    u.notify.iter().map(|n| n.item.id.as_str()).collect()
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn refresh_of(regions: &[MonitorRegion]) -> &MonitorRegion {
    let last = regions.last().expect("at least the refresh circle");
    assert!(last.refresh && last.id == REFRESH_REGION_ID);
    assert_eq!(regions.iter().filter(|r| r.refresh).count(), 1);
    last
}

/// Confirms the requested regions and returns them.
fn confirm(g: &mut GeofenceState, u: &GeofenceUpdate) -> Vec<MonitorRegion> {
    let regions = u.register.clone().expect("a registration was requested");
    assert!(g.registration_succeeded(&ids(&regions)));
    assert_eq!(g.registered(), Some(&regions[..]));
    regions
}

/// A point `metres` north of `p`.
fn north_of(p: (f64, f64), metres: f64) -> (f64, f64) {
    (p.0 + metres / 111_195.0, p.1)
}

#[test]
fn android_event_sequence() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::android(true);
    assert_eq!(g.mode(), GeofenceMode::Dwell);

    // The first fix asks for the nearest 99 areas and the refresh circle around the holder.
    let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    assert!(u.notify.is_empty());
    let regions = u.register.clone().unwrap();
    assert_eq!(regions.len(), ANDROID_MAX_REGIONS);
    let refresh = refresh_of(&regions);
    assert_eq!((refresh.latitude, refresh.longitude), START);
    assert!(regions.iter().any(|r| r.id == "market"));
    // Nothing counts as registered until the OS confirmed it; meanwhile a fix asks again.
    assert!(g.registered().is_none());
    assert_eq!(g.requested(), Some(&regions[..]));
    let again = g
        .on_fix(&index, &policy, fix(START, 20.0), NOW + 5)
        .unwrap();
    assert_eq!(again.register.as_deref(), Some(&regions[..]));
    // A report that does not match the request is ignored.
    assert!(!g.registration_succeeded(&strings(&["market", "refresh"])));
    assert!(g.registered().is_none());
    let regions = confirm(&mut g, &again);
    let refresh = refresh_of(&regions).clone();

    // Fixes inside the refresh circle do not re-register. Dwell: the first fix inside the
    // market starts it, 30 s later is too short, 61 s after the first notifies, once.
    let t = NOW + 100;
    let u = g.on_fix(&index, &policy, fix(MARKET, 20.0), t).unwrap();
    assert_eq!(u, GeofenceUpdate::default());
    let u = g
        .on_fix(&index, &policy, fix(MARKET, 20.0), t + 30)
        .unwrap();
    assert_eq!(u, GeofenceUpdate::default());
    let u = g
        .on_fix(&index, &policy, fix(MARKET, 20.0), t + 61)
        .unwrap();
    assert_eq!(notified(&u), vec!["market"]);
    assert!(u.register.is_none());
    for k in 1..4 {
        let u = g
            .on_fix(&index, &policy, fix(MARKET, 20.0), t + 61 + k * 100)
            .unwrap();
        assert!(u.notify.is_empty(), "never twice");
    }
    // In dwell mode an entry event is no shortcut: the museum needs its second fix.
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["museum"]),
            Some(fix(MUSEUM, 10.0)),
            t + 500,
        )
        .unwrap();
    assert!(u.notify.is_empty());
    let u = g
        .on_fix(&index, &policy, fix(MUSEUM, 10.0), t + 561)
        .unwrap();
    assert_eq!(notified(&u), vec!["museum"]);
    assert_eq!(g.registered(), Some(&regions[..]), "still the same regions");

    // A fix outside the refresh circle (a missed exit event) registers around it.
    let away = north_of(
        (refresh.latitude, refresh.longitude),
        refresh.radius_m + 1_000.0,
    );
    assert!(distance_m(away, (refresh.latitude, refresh.longitude)) > refresh.radius_m);
    let u = g.on_fix(&index, &policy, fix(away, 20.0), t + 700).unwrap();
    let moved = u.register.clone().unwrap();
    assert_eq!(
        (refresh_of(&moved).latitude, refresh_of(&moved).longitude),
        away
    );
    assert!(g.registered().is_none());
    confirm(&mut g, &u);
    let u = g.on_fix(&index, &policy, fix(away, 20.0), t + 760).unwrap();
    assert!(u.register.is_none());

    // The OS's exit event for the refresh circle registers anew; other exits do not.
    let u = g
        .on_exited(
            &index,
            &policy,
            &strings(&["far3"]),
            Some(fix(away, 20.0)),
            t + 800,
        )
        .unwrap();
    assert!(u.register.is_none());
    let u = g
        .on_exited(
            &index,
            &policy,
            &strings(&["refresh"]),
            Some(fix(away, 20.0)),
            t + 900,
        )
        .unwrap();
    assert!(u.register.is_some());
    assert!(g.registered().is_none());
}

#[test]
fn ios_event_sequence() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::ios(true);
    assert_eq!(g.mode(), GeofenceMode::EntryEvents);

    let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    let regions = u.register.clone().unwrap();
    assert_eq!(regions.len(), IOS_MAX_REGIONS);
    refresh_of(&regions);
    let regions = confirm(&mut g, &u);

    // The holder walks into the market: one entry event, one fix inside: notified at once.
    let t = NOW + 600;
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["market"]),
            Some(fix(MARKET, 20.0)),
            t,
        )
        .unwrap();
    assert_eq!(notified(&u), vec!["market"]);
    assert!(u.register.is_none());
    // Entering again later does not notify again.
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["market"]),
            Some(fix(MARKET, 20.0)),
            t + 3_600,
        )
        .unwrap();
    assert!(u.notify.is_empty());

    // The museum is 100 m across: a 150 m fix cannot confirm the entry ...
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["museum"]),
            Some(fix(MUSEUM, 150.0)),
            t + 4_000,
        )
        .unwrap();
    assert!(u.notify.is_empty());
    // ... a precise fix shortly after the entry event does.
    let u = g
        .on_fix(&index, &policy, fix(MUSEUM, 10.0), t + 4_030)
        .unwrap();
    assert_eq!(notified(&u), vec!["museum"]);

    // Entry events for the refresh circle or unknown ids are harmless.
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["refresh", "no-such-item"]),
            Some(fix(START, 20.0)),
            t + 5_000,
        )
        .unwrap();
    assert_eq!(u, GeofenceUpdate::default());
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["refresh", "no-such-item"]),
            None,
            t + 5_001,
        )
        .unwrap();
    assert_eq!(u, GeofenceUpdate::default());
    assert_eq!(g.registered(), Some(&regions[..]));

    // Walking through the library: the entry's fix lies outside (walked on), no notification;
    // an entry without a fix whose fix comes too late follows the dwell rule.
    let u = g
        .on_entered(
            &index,
            &policy,
            &strings(&["library"]),
            Some(fix(north_of(LIBRARY, 400.0), 10.0)),
            t + 6_000,
        )
        .unwrap();
    assert!(u.notify.is_empty());
    let u = g
        .on_entered(&index, &policy, &strings(&["library"]), None, t + 7_000)
        .unwrap();
    assert!(u.notify.is_empty());
    let late = t + 7_000 + ENTRY_CONFIRM_SECS + 1;
    let u = g.on_fix(&index, &policy, fix(LIBRARY, 10.0), late).unwrap();
    assert!(u.notify.is_empty(), "a plain fix starts the dwell");
    let u = g
        .on_fix(&index, &policy, fix(LIBRARY, 10.0), late + 61)
        .unwrap();
    assert_eq!(notified(&u), vec!["library"]);

    // Leaving the refresh circle registers anew around the exit's fix.
    let out = north_of(LIBRARY, 30_000.0);
    let u = g
        .on_exited(
            &index,
            &policy,
            &strings(&["refresh"]),
            Some(fix(out, 50.0)),
            late + 1_000,
        )
        .unwrap();
    let moved = u.register.clone().unwrap();
    assert_eq!(moved.len(), IOS_MAX_REGIONS);
    assert_eq!(
        (refresh_of(&moved).latitude, refresh_of(&moved).longitude),
        out
    );
    assert!(g.registered().is_none());
}

#[test]
fn a_single_entry_event_notifies_on_ios_but_not_on_android() {
    let index = index();
    for (mut g, expected) in [
        (GeofenceState::ios(true), vec!["market"]),
        (GeofenceState::android(true), vec![]),
    ] {
        let policy = NotificationPolicy::open_in_memory().unwrap();
        let u = g
            .on_entered(
                &index,
                &policy,
                &strings(&["market"]),
                Some(fix(MARKET, 20.0)),
                NOW,
            )
            .unwrap();
        assert_eq!(notified(&u), expected, "{:?}", g.mode());
    }
}

#[test]
fn permission_granted_later_registers_at_once() {
    let index = index();
    for mut g in [GeofenceState::android(false), GeofenceState::ios(false)] {
        let policy = NotificationPolicy::open_in_memory().unwrap();
        let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
        assert!(
            u.register.is_none(),
            "no background permission: nothing asked"
        );
        assert!(g.registered().is_none() && g.requested().is_none());
        let here = north_of(START, 50.0);
        let u = g
            .on_fix(&index, &policy, fix(here, 20.0), NOW + 60)
            .unwrap();
        assert!(u.register.is_none());

        let u = g.on_permission_changed(&index, true, NOW + 120).unwrap();
        let regions = u.register.clone().expect("registers at once");
        assert_eq!(
            (
                refresh_of(&regions).latitude,
                refresh_of(&regions).longitude
            ),
            here
        );
        assert!(g.registered().is_none());
        confirm(&mut g, &u);
        assert!(g.registered().is_some());
        // Granted again (e.g. the app checks on every start): nothing to do.
        let u = g.on_permission_changed(&index, true, NOW + 130).unwrap();
        assert!(u.register.is_none());
        assert!(g.registered().is_some());

        // Revoked: nothing counts as registered and nothing is asked until granted again.
        let u = g.on_permission_changed(&index, false, NOW + 200).unwrap();
        assert!(u.register.is_none());
        assert!(g.registered().is_none());
        let u = g
            .on_fix(&index, &policy, fix(here, 20.0), NOW + 260)
            .unwrap();
        assert!(u.register.is_none());
        let u = g.on_permission_changed(&index, true, NOW + 300).unwrap();
        assert!(u.register.is_some());
    }
}

#[test]
fn permission_granted_before_any_fix_registers_on_the_first_fix() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::ios(false);
    let u = g.on_permission_changed(&index, true, NOW).unwrap();
    assert!(u.register.is_none(), "no position yet");
    let u = g
        .on_fix(&index, &policy, fix(START, 20.0), NOW + 10)
        .unwrap();
    assert!(u.register.is_some());
}

#[test]
fn a_refused_registration_is_asked_for_again() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    for mut g in [GeofenceState::android(true), GeofenceState::ios(true)] {
        let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
        let regions = u.register.unwrap();
        // The OS refused (the "always" permission is missing after all).
        g.registration_failed();
        assert!(g.registered().is_none() && g.requested().is_none());
        // A late success report for the refused request does not count.
        assert!(!g.registration_succeeded(&ids(&regions)));
        assert!(g.registered().is_none());
        // The next fix, though inside the refused refresh circle, asks again.
        let u = g
            .on_fix(&index, &policy, fix(START, 20.0), NOW + 60)
            .unwrap();
        assert_eq!(u.register.as_deref(), Some(&regions[..]));
        confirm(&mut g, &u);
        let u = g
            .on_fix(&index, &policy, fix(START, 20.0), NOW + 120)
            .unwrap();
        assert!(u.register.is_none());
        // A failure after a confirmed registration also leaves nothing registered.
        g.registration_failed();
        assert!(g.registered().is_none());
        let u = g
            .on_fix(&index, &policy, fix(START, 20.0), NOW + 180)
            .unwrap();
        assert!(u.register.is_some());
    }
}

#[test]
fn reloaded_news_register_again_around_the_last_position() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::ios(true);
    // Before any fix a reload has nothing to register around.
    assert!(g.on_news_reloaded(&index, NOW).unwrap().register.is_none());
    let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    confirm(&mut g, &u);

    let mut more = items();
    more.push(item(
        "fair",
        2,
        NewsCategory::Event,
        north_of(START, 500.0),
        150.0,
    ));
    let reloaded = NewsIndex::new(&[bundle(more)]);
    let u = g.on_news_reloaded(&reloaded, NOW + 3_600).unwrap();
    let regions = u.register.clone().expect("registers again");
    assert!(
        regions.iter().any(|r| r.id == "fair"),
        "the new item is watched"
    );
    assert_eq!(
        (
            refresh_of(&regions).latitude,
            refresh_of(&regions).longitude
        ),
        START
    );
    assert!(g.registered().is_none(), "the old regions are out of date");
    confirm(&mut g, &u);
    // While background location is not allowed, a reload only remembers that it is needed.
    let mut g2 = GeofenceState::android(false);
    g2.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    assert!(g2
        .on_news_reloaded(&reloaded, NOW + 10)
        .unwrap()
        .register
        .is_none());
    assert!(g2
        .on_permission_changed(&reloaded, true, NOW + 20)
        .unwrap()
        .register
        .is_some());
}

#[test]
fn the_state_survives_a_restart() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::ios(true);
    let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    confirm(&mut g, &u);
    // An entry event without a fix yet; the app is killed before the fix arrives.
    g.on_entered(&index, &policy, &strings(&["market"]), None, NOW + 100)
        .unwrap();

    let mut restored = GeofenceState::from_bytes(&g.to_bytes()).unwrap();
    assert_eq!(restored, g);
    let mut cbor = Vec::new();
    ciborium::into_writer(&g, &mut cbor).unwrap();
    let from_cbor: GeofenceState = ciborium::from_reader(&cbor[..]).unwrap();
    assert_eq!(from_cbor, g);
    assert!(GeofenceState::from_bytes(&cbor[..cbor.len() / 2]).is_err());
    assert!(GeofenceState::from_bytes(b"not cbor").is_err());
    // serde_json's parser may round a coordinate's last digit; the restored machine behaves
    // the same.
    let json = serde_json::to_string(&g).unwrap();
    let mut from_json: GeofenceState = serde_json::from_str(&json).unwrap();
    assert_eq!(from_json.last_fix(), g.last_fix());
    assert_eq!(from_json.registered().map(ids), g.registered().map(ids));
    let u = from_json
        .on_fix(
            &index,
            &policy,
            fix(north_of(START, 100.0), 20.0),
            NOW + 105,
        )
        .unwrap();
    assert!(u.register.is_none());
    assert_eq!(restored.last_fix(), Some((fix(START, 20.0), NOW)));

    // The restored machine knows its regions: a fix inside the refresh circle registers
    // nothing; and the remembered entry event is confirmed by the fix that follows.
    let u = restored
        .on_fix(&index, &policy, fix(MARKET, 20.0), NOW + 110)
        .unwrap();
    assert!(u.register.is_none());
    assert_eq!(notified(&u), vec!["market"]);

    // A restored machine whose request was never answered asks again.
    let mut g = GeofenceState::android(true);
    g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    let mut restored: GeofenceState =
        serde_json::from_str(&serde_json::to_string(&g).unwrap()).unwrap();
    let u = restored
        .on_fix(&index, &policy, fix(START, 20.0), NOW + 30)
        .unwrap();
    assert!(u.register.is_some());
}

#[test]
fn bad_input_is_an_error_and_changes_nothing() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let mut g = GeofenceState::ios(true);
    let u = g.on_fix(&index, &policy, fix(START, 20.0), NOW).unwrap();
    confirm(&mut g, &u);
    let before = g.clone();
    let bad = [
        Fix::new(f64::NAN, 11.0, 10.0),
        Fix::new(48.0, f64::NAN, 10.0),
        Fix::new(91.0, 11.0, 10.0),
        Fix::new(-90.5, 11.0, 10.0),
        Fix::new(48.0, 180.5, 10.0),
        Fix::new(f64::INFINITY, 11.0, 10.0),
        Fix::new(48.0, 11.0, f64::NAN),
        Fix::new(48.0, 11.0, -1.0),
        Fix::new(48.0, 11.0, f64::INFINITY),
    ];
    let market = strings(&["market"]);
    for f in bad {
        for now in [NOW, i64::MIN, i64::MAX] {
            let results = [
                g.on_fix(&index, &policy, f, now),
                g.on_entered(&index, &policy, &market, Some(f), now),
                g.on_exited(&index, &policy, &strings(&["refresh"]), Some(f), now),
            ];
            for r in results {
                assert!(matches!(r, Err(Error::InvalidRequest(_))), "{f:?}: {r:?}");
            }
            assert_eq!(g, before, "{f:?} changed the state");
        }
    }
    // Extreme but valid input does not panic either.
    for now in [i64::MIN, i64::MAX, 0] {
        g.on_entered(&index, &policy, &market, None, now).unwrap();
        g.on_fix(&index, &policy, fix((90.0, 180.0), 0.0), now)
            .unwrap();
        g.on_fix(&index, &policy, fix((-90.0, -180.0), 1e12), now)
            .unwrap();
        g.on_exited(&index, &policy, &strings(&["refresh"]), None, now)
            .unwrap();
        g.registration_succeeded(&[]);
        g.registration_failed();
    }
    let mut empty = GeofenceState::new(GeofenceMode::Dwell, 0, true);
    let u = empty.on_fix(&index, &policy, fix(START, 5.0), NOW).unwrap();
    assert_eq!(
        u.register.map(|r| r.len()),
        Some(1),
        "at least the refresh circle"
    );
}

#[test]
fn dwelt_items_still_obey_every_other_policy_rule() {
    let index = index();
    let policy = NotificationPolicy::open_in_memory().unwrap();
    let dwelt = strings(&["market", "museum"]);
    let shown = |p: (f64, f64), accuracy: f64, t: i64| -> Vec<String> {
        policy
            .on_position_dwelt(&index, p, accuracy, &dwelt, t)
            .unwrap()
            .into_iter()
            .map(|n| n.item.id)
            .collect()
    };
    // Dwelt and inside: at once; the museum is dwelt but not here.
    assert_eq!(shown(MARKET, 20.0, NOW), vec!["market"]);
    assert!(shown(MARKET, 20.0, NOW + 10).is_empty(), "once per item");
    // Muted, quiet hours (23:30 in Berlin) and coarse fixes stay silent.
    policy.set_muted(NewsCategory::Offer, true).unwrap();
    assert!(shown(MUSEUM, 10.0, NOW + 20).is_empty());
    policy.set_muted(NewsCategory::Offer, false).unwrap();
    assert!(shown(MUSEUM, 10.0, NOW + 9 * HOUR + 30 * 60).is_empty());
    assert!(shown(MUSEUM, 150.0, NOW + 30).is_empty());
    assert_eq!(shown(MUSEUM, 10.0, NOW + 40), vec!["museum"]);
    // Without the dwelt set, the plain rule: the library's first fix only starts the dwell.
    assert!(policy
        .on_position(&index, LIBRARY, 10.0, NOW + 50)
        .unwrap()
        .is_empty());
}
