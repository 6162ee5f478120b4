//! The wallet stores only what the phone's verifier accepts, never lets a worse card overwrite
//! a better one with the same id, and takes the clock check's dates only from cards it
//! verified. Each test plays an attacker who hands the holder a card (issue 9, item 6).

mod common;
use common::*;
use ehk_core::wallet::{CardStatus, ClockStatus};
use ehk_core::*;
use std::sync::Arc;

/// The card as stored: what the holder sees.
fn stored(w: &Wallet, card_id: &str) -> WalletCard {
    w.cards(NOW)
        .unwrap()
        .into_iter()
        .find(|c| c.card_id == card_id)
        .expect("the card is in the wallet")
}

fn refused(result: Result<WalletCard, Error>) -> InvalidReason {
    match result {
        Err(Error::CardRefused(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `claims` signed by `key` but carrying the key id of the world's issuer: a look-alike whose
/// signature cannot verify.
fn look_alike(world: &World, key: &IssuerKey, claims: &CardClaims) -> String {
    let mut credential = ehk_core::cose::sign(key, claims.encode());
    let forged_id = key.key_id().0;
    let at = credential
        .windows(forged_id.len())
        .position(|w| w == forged_id)
        .unwrap();
    credential[at..at + forged_id.len()].copy_from_slice(&world.issuer.key_id().0);
    QrPayload::Credential(credential).encode()
}

/// The genuine card's claims made "gold, forever".
fn upgraded(claims: &CardClaims) -> CardClaims {
    let mut gold = claims.clone();
    gold.card_type = CardType::Gold;
    gold.valid_until = None;
    gold
}

#[test]
fn an_unsigned_look_alike_never_replaces_the_genuine_card() {
    let world = World::new();
    let w = wallet();
    let (text, claims) = world.issue(&request("Erika Mustermann"));
    let id = w.add_card(&text, &world.verifier, NOW).unwrap().card_id;
    let attacker = IssuerKey::generate().unwrap();
    let fake = look_alike(&world, &attacker, &upgraded(&claims));
    assert_eq!(
        refused(w.add_card(&fake, &world.verifier, NOW)),
        InvalidReason::BadIssuerSignature
    );
    let kept = stored(&w, &id);
    assert_eq!(kept.card_type, CardType::Standard);
    assert_eq!(kept.valid_until, Day::from_ymd(2028, 12, 31));
    // Into an empty wallet it does not go either.
    let empty = wallet();
    assert!(empty.add_card(&fake, &world.verifier, NOW).is_err());
    assert!(empty.cards(NOW).unwrap().is_empty());
}

#[test]
fn refuses_cards_the_trust_rule_does_not_allow() {
    let mut world = World::new();
    let w = wallet();
    // Signed by a key the trust list does not know (re-signed "gold, forever" by an attacker).
    let (_, claims) = world.issue(&request("Erika Mustermann"));
    let attacker = IssuerKey::generate().unwrap();
    let resigned =
        QrPayload::Credential(ehk_core::cose::sign(&attacker, upgraded(&claims).encode())).encode();
    assert_eq!(
        refused(w.add_card(&resigned, &world.verifier, NOW)),
        InvalidReason::UnknownIssuer
    );
    // By the real issuer, for a region it may not issue for.
    let mut elsewhere = request("Erika Mustermann");
    elsewhere.region_id = REGION + 1;
    assert_eq!(
        refused(w.add_card(&world.issue(&elsewhere).0, &world.verifier, NOW)),
        InvalidReason::IssuerNotAllowed
    );
    // By an issuer whose key has been withdrawn since.
    let (text, _) = world.issue(&request("Erika Mustermann"));
    world.change_trust(|t| t.issuers[0].withdrawn = true);
    assert_eq!(
        refused(w.add_card(&text, &world.verifier, NOW)),
        InvalidReason::IssuerKeyWithdrawn
    );
    // A device-bound credential takes the same checks (the credential path of the demo).
    let mut bound = request("Erika Mustermann");
    bound.device_key = Some(w.device_public_key().unwrap());
    let (credential, _) = ehk_issuer::issue_card(&attacker, &bound, NOW - 3600).unwrap();
    assert!(matches!(
        w.add_credential(&credential, &world.verifier, NOW),
        Err(Error::CardRefused(InvalidReason::UnknownIssuer))
    ));
    assert!(w.cards(NOW).unwrap().is_empty());
}

#[test]
fn before_the_first_sync_every_card_is_refused_with_no_trust_list() {
    let world = World::new();
    let w = wallet();
    let unsynced = Verifier::new(world.root.public_key());
    let (text, _) = world.issue(&request("Erika Mustermann"));
    assert_eq!(
        refused(w.add_card(&text, &unsynced, NOW)),
        InvalidReason::NoTrustList
    );
    assert!(w.cards(NOW).unwrap().is_empty());
}

#[test]
fn an_older_version_never_overwrites_a_newer_one() {
    let world = World::new();
    let w = wallet();
    let (_, first) = world.issue(&request("Erika Mustermann"));
    // The issuer upgraded the card to gold an hour later.
    let mut newer = upgraded(&first);
    newer.issued_at = first.issued_at + 1800;
    w.add_card(&world.sign(&newer), &world.verifier, NOW)
        .unwrap();
    // Someone shows the wallet the old (genuine) standard card again.
    assert!(matches!(
        w.add_card(&world.sign(&first), &world.verifier, NOW),
        Err(Error::NotNewerThanStored)
    ));
    // Or a different version signed at the same second: the stored one stays too.
    let mut same_time = newer.clone();
    same_time.card_type = CardType::Standard;
    same_time.valid_until = Day::from_ymd(2027, 1, 31);
    assert!(matches!(
        w.add_card(&world.sign(&same_time), &world.verifier, NOW),
        Err(Error::NotNewerThanStored)
    ));
    let kept = stored(&w, &newer.card_id_hex());
    assert_eq!((kept.card_type, kept.valid_until), (CardType::Gold, None));
    // The same card again changes nothing and is no error.
    w.add_card(&world.sign(&newer), &world.verifier, NOW)
        .unwrap();
    // The issuer's later word counts, even when it gives less.
    let mut corrected = first.clone();
    corrected.issued_at = newer.issued_at + 60;
    corrected.valid_until = Day::from_ymd(2027, 6, 30);
    w.add_card(&world.sign(&corrected), &world.verifier, NOW)
        .unwrap();
    let now_stored = stored(&w, &newer.card_id_hex());
    assert_eq!(now_stored.card_type, CardType::Standard);
    assert_eq!(w.cards(NOW).unwrap().len(), 1);
}

#[test]
fn a_valid_card_is_not_replaced_by_an_expired_or_revoked_version_of_itself() {
    let mut world = World::new();
    let w = wallet();
    let (text, claims) = world.issue(&request("Erika Mustermann"));
    w.add_card(&text, &world.verifier, NOW).unwrap();
    let mut expired = claims.clone();
    expired.issued_at += 60;
    expired.valid_until = Day::from_ymd(2026, 6, 30);
    assert_eq!(
        refused(w.add_card(&world.sign(&expired), &world.verifier, NOW)),
        InvalidReason::Expired
    );
    assert_eq!(stored(&w, &claims.card_id_hex()).status, CardStatus::Valid);

    let revocations = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![claims.card_id]);
    world
        .verifier
        .load_revocation_list(&revocations.sign(&world.issuer))
        .unwrap();
    let mut later = claims.clone();
    later.issued_at += 120;
    assert_eq!(
        refused(w.add_card(&world.sign(&later), &world.verifier, NOW)),
        InvalidReason::Revoked
    );
    assert_eq!(
        stored(&w, &claims.card_id_hex()).issued_at,
        claims.issued_at
    );
}

#[test]
fn an_expired_stored_card_gives_way_to_a_valid_one() {
    let world = World::new();
    let w = wallet();
    let mut short = request("Erika Mustermann");
    short.valid_until = Day::from_ymd(2026, 12, 31);
    let (text, claims) = world.issue(&short);
    w.add_card(&text, &world.verifier, NOW).unwrap();
    // In 2027 the card has expired; the renewal (same id) comes in.
    let in_2027 = NOW + 60 * 86_400;
    let mut renewed = claims.clone();
    renewed.valid_until = Day::from_ymd(2029, 12, 31);
    w.add_card(&world.sign(&renewed), &world.verifier, in_2027)
        .unwrap();
    assert_eq!(
        w.cards(in_2027).unwrap()[0].valid_until,
        Day::from_ymd(2029, 12, 31)
    );
}

#[test]
fn a_card_dated_in_the_future_is_refused_and_moves_no_clock() {
    let world = World::new();
    let w = wallet();
    let (_, claims) = world.issue(&request("Erika Mustermann"));
    let mut future = claims.clone();
    future.issued_at = JAN_2031 - 86_400; // the issuer key is valid until 2031
    assert_eq!(
        refused(w.add_card(&world.sign(&future), &world.verifier, NOW)),
        InvalidReason::IssuedInFuture
    );
    let attacker = IssuerKey::generate().unwrap();
    assert_eq!(
        refused(w.add_card(
            &look_alike(&world, &attacker, &future),
            &world.verifier,
            NOW
        )),
        InvalidReason::BadIssuerSignature
    );
    assert_eq!(w.clock_check(NOW).unwrap(), ClockStatus::Plausible);
}

#[test]
fn adding_a_card_is_no_scan_for_the_same_phone_in_verify_mode() {
    let world = World::new();
    let w = wallet();
    let (text, _) = world.issue(&request("Erika Mustermann"));
    w.add_card(&text, &world.verifier, NOW).unwrap();
    match world.verifier.verify(&text, NOW) {
        Verification::Valid(card) => assert!(!card.flags.contains(&Flag::RepeatScan)),
        Verification::Invalid(reason) => panic!("{reason:?}"),
    }
}

/// A wallet database as the version before the check left it (schema 1), holding `rows`.
fn old_wallet(db: &std::path::Path, rows: &[&str]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute_batch(include_str!("../src/wallet/schema.sql"))
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    for text in rows {
        let QrPayload::Credential(credential) = QrPayload::decode(text).unwrap() else {
            panic!("a credential")
        };
        let claims = CardClaims::decode(
            ehk_core::cose::SignedEnvelope::parse(&credential)
                .unwrap()
                .unverified_payload(),
        )
        .unwrap();
        conn.execute(
            "INSERT INTO cards (card_id, credential, added_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![claims.card_id.as_slice(), credential, NOW - 86_400],
        )
        .unwrap();
    }
}

#[test]
fn cards_stored_unchecked_by_an_older_version_feed_no_clock_until_checked() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wallet.db");
    let (genuine, _) = world.issue(&request("Erika Mustermann"));
    let (other, other_claims) = world.issue(&request("Erika Mustermann"));
    // The old version stored a look-alike dated 2030 in place of the second card.
    let mut fake = upgraded(&other_claims);
    fake.issued_at = JAN_2031 - 86_400;
    let attacker = IssuerKey::generate().unwrap();
    old_wallet(&db, &[&genuine, &look_alike(&world, &attacker, &fake)]);

    let w = Wallet::open(&db, Arc::new(MemoryKeyStore::default())).unwrap();
    assert_eq!(w.cards(NOW).unwrap().len(), 2, "the holder's cards stay");
    // Neither date counts before a check: no "40,000 h behind", not even for last week.
    let last_week = NOW - 3600 - 7 * 86_400;
    assert_eq!(w.clock_check(last_week).unwrap(), ClockStatus::Plausible);
    assert_eq!(w.clock_check(NOW).unwrap(), ClockStatus::Plausible);

    assert_eq!(w.check_stored(&world.verifier, NOW).unwrap(), 1);
    assert_eq!(
        w.clock_check(last_week).unwrap(),
        ClockStatus::Behind {
            by_secs: 7 * 86_400
        },
        "the genuine card's date counts once checked; the look-alike's never"
    );
    // The genuine second card replaces the look-alike, which no longer verifies.
    w.add_card(&other, &world.verifier, NOW).unwrap();
    let card = stored(&w, &other_claims.card_id_hex());
    assert_eq!(card.card_type, CardType::Standard);
    assert_eq!(w.check_stored(&world.verifier, NOW).unwrap(), 0);
}

#[test]
fn the_wallet_list_shows_a_card_the_phone_s_lists_now_refuse() {
    let mut world = World::new();
    let w = wallet();
    let (text, claims) = world.issue(&request("Erika Mustermann"));
    let (other_text, other) = world.issue(&request("Max Muster"));
    w.add_card(&text, &world.verifier, NOW).unwrap();
    w.add_card(&other_text, &world.verifier, NOW).unwrap();
    let status_of = |cards: Vec<WalletCard>, id: String| {
        cards.into_iter().find(|c| c.card_id == id).unwrap().status
    };

    // The next feed brings a revocation list naming the first card (revoked, or moved to
    // another phone): the list says so, the other card stays valid.
    let revocations = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![claims.card_id]);
    world
        .verifier
        .load_revocation_list(&revocations.sign(&world.issuer))
        .unwrap();
    let checked = w.cards_checked(&world.verifier, NOW).unwrap();
    assert_eq!(
        status_of(checked.clone(), claims.card_id_hex()),
        CardStatus::Refused {
            reason: InvalidReason::Revoked
        }
    );
    assert_eq!(status_of(checked, other.card_id_hex()), CardStatus::Valid);
    let refused = CardStatus::Refused {
        reason: InvalidReason::Revoked,
    };
    assert!(!refused.is_usable());
    assert_eq!(refused.text(Lang::De), "Die Karte wurde gesperrt.");
    // Without a verifier the dates alone decide, as before.
    assert_eq!(stored(&w, &claims.card_id_hex()).status, CardStatus::Valid);
    // A verifier that has no trust list yet checks nothing.
    let unsynced = Verifier::new(world.root.public_key());
    assert_eq!(
        status_of(
            w.cards_checked(&unsynced, NOW).unwrap(),
            claims.card_id_hex()
        ),
        CardStatus::Valid
    );

    // The root withdraws the issuer: every card of it is refused with that reason.
    let issuer = world.issuer.key_id();
    world.change_trust(|t| {
        t.issuers
            .iter_mut()
            .filter(|e| e.key_id == issuer)
            .for_each(|e| e.withdrawn = true)
    });
    assert_eq!(
        status_of(
            w.cards_checked(&world.verifier, NOW).unwrap(),
            other.card_id_hex()
        ),
        CardStatus::Refused {
            reason: InvalidReason::IssuerKeyWithdrawn
        }
    );
}

#[test]
fn every_card_status_has_a_line_in_both_languages() {
    let statuses = [
        CardStatus::Valid,
        CardStatus::NotYetValid,
        CardStatus::Expired,
        CardStatus::ExpiresSoon { days_left: 0 },
        CardStatus::ExpiresSoon { days_left: 1 },
        CardStatus::ExpiresSoon { days_left: 12 },
        CardStatus::Refused {
            reason: InvalidReason::IssuerKeyWithdrawn,
        },
    ];
    for status in statuses {
        let (de, en) = (status.text(Lang::De), status.text(Lang::En));
        assert!(!de.is_empty() && !en.is_empty() && de != en, "{status:?}");
    }
    assert_eq!(
        CardStatus::ExpiresSoon { days_left: 12 }.text(Lang::De),
        "Läuft in 12 Tagen ab"
    );
    assert_eq!(
        CardStatus::ExpiresSoon { days_left: 1 }.text(Lang::En),
        "Expires tomorrow"
    );
    let usable: Vec<bool> = statuses.iter().map(|s| s.is_usable()).collect();
    assert_eq!(usable, [true, false, false, true, true, true, false]);
}
