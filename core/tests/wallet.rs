//! The holder's wallet: several cards, device key through the key store, presentations,
//! expiry warnings and clock checks.

mod common;
use common::*;
use ehk_core::wallet::{CardStatus, ClockStatus, EARLIEST_PLAUSIBLE_TIME};
use ehk_core::*;
use std::sync::Arc;

#[test]
fn keeps_several_cards_across_reopen_with_file_key_store() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(FileKeyStore::new(dir.path().join("keys")));
    let db = dir.path().join("wallet.db");
    let device_key;
    let bound_id;
    {
        let w = Wallet::open(&db, keys.clone()).unwrap();
        device_key = w.device_public_key().unwrap();
        let mut req = request("Erika Mustermann");
        req.device_key = Some(device_key);
        let (bound, claims) = world.issue(&req);
        bound_id = claims.card_id_hex();
        w.add_card(&bound, &world.verifier, NOW).unwrap();
        let (plain, _) = world.issue(&request("Erika Mustermann"));
        w.add_card(&plain, &world.verifier, NOW).unwrap();
        // Adding the same card again does not duplicate it.
        w.add_card(&bound, &world.verifier, NOW).unwrap();
        assert_eq!(w.cards(NOW).unwrap().len(), 2);
    }
    let w = Wallet::open(&db, keys).unwrap();
    assert_eq!(
        w.device_public_key().unwrap(),
        device_key,
        "device key persists"
    );
    let cards = w.cards(NOW).unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards.iter().filter(|c| c.device_bound).count(), 1);
    let text = w.present(&bound_id, NOW).unwrap();
    assert!(world.verifier.verify(&text, NOW).is_valid());
    assert!(w.remove(&bound_id).unwrap());
    assert!(!w.remove(&bound_id).unwrap());
    assert!(matches!(
        w.present(&bound_id, NOW),
        Err(Error::CardNotFound)
    ));
    assert!(matches!(
        w.present("zz", NOW),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn refuses_a_card_bound_to_another_device() {
    let world = World::new();
    let other = wallet();
    let mut req = request("Erika Mustermann");
    req.device_key = Some(other.device_public_key().unwrap());
    let (text, _) = world.issue(&req);
    let mine = wallet();
    assert!(matches!(
        mine.add_card(&text, &world.verifier, NOW),
        Err(Error::WrongDevice)
    ));
    assert!(mine.add_card("EK1:garbage", &world.verifier, NOW).is_err());
    assert!(mine.add_card("hello", &world.verifier, NOW).is_err());
    assert!(mine.cards(NOW).unwrap().is_empty());
}

#[test]
fn warns_ninety_days_before_expiry() {
    let world = World::new();
    let w = wallet();
    let mut req = request("Erika Mustermann");
    req.valid_until = Day::from_ymd(2027, 2, 27); // 90 days after 2026-11-29
    let (text, _) = world.issue(&req);
    let card = w.add_card(&text, &world.verifier, NOW).unwrap();
    assert_eq!(card.status, CardStatus::ExpiresSoon { days_left: 90 });
    assert_eq!(w.cards(NOW - 86_400).unwrap()[0].status, CardStatus::Valid);
    assert_eq!(
        w.cards(NOW + 91 * 86_400).unwrap()[0].status,
        CardStatus::Expired
    );
    let mut gold = request("Erika Mustermann");
    gold.card_type = CardType::Gold;
    let gold = w
        .add_card(&world.issue(&gold).0, &world.verifier, NOW)
        .unwrap();
    assert_eq!(gold.status, CardStatus::Valid);
    let mut future = request("Erika Mustermann");
    future.valid_from = Day::from_ymd(2027, 1, 1).unwrap();
    assert_eq!(
        w.add_card(&world.issue(&future).0, &world.verifier, NOW)
            .unwrap()
            .status,
        CardStatus::NotYetValid
    );
}

#[test]
fn notices_a_wrong_clock() {
    let world = World::new();
    let w = wallet();
    assert_eq!(w.clock_check(NOW).unwrap(), ClockStatus::Plausible);
    assert!(matches!(
        w.clock_check(EARLIEST_PLAUSIBLE_TIME - 86_400).unwrap(),
        ClockStatus::Behind { .. }
    ));
    // A card issued an hour ago (NOW - 3600) proves the clock cannot show last week.
    w.add_card(
        &world.issue(&request("Erika Mustermann")).0,
        &world.verifier,
        NOW,
    )
    .unwrap();
    assert_eq!(
        w.clock_check(NOW - 3600 - 7 * 86_400).unwrap(),
        ClockStatus::Behind {
            by_secs: 7 * 86_400
        }
    );
    // The wallet saw NOW + 10 days; a jump back of five days is noticed.
    assert_eq!(
        w.clock_check(NOW + 10 * 86_400).unwrap(),
        ClockStatus::Plausible
    );
    assert_eq!(
        w.clock_check(NOW + 5 * 86_400).unwrap(),
        ClockStatus::JumpedBack {
            by_secs: 5 * 86_400
        }
    );
    assert_eq!(
        w.clock_check(NOW + 10 * 86_400 + 60).unwrap(),
        ClockStatus::Plausible
    );
}

#[test]
fn refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let keys = Arc::new(MemoryKeyStore::default());
    assert!(matches!(
        Wallet::open(&db, keys),
        Err(Error::Malformed { .. })
    ));
}
