//! Every reason a verifier gives, produced by a real input.

mod common;
use common::*;
use ehk_core::*;
use ehk_issuer::issue_card;

fn reason(world: &World, text: &str, now: i64) -> Option<InvalidReason> {
    world.verifier.verify(text, now).reason()
}

#[test]
fn static_card_is_valid_with_holder_details() {
    let world = World::new();
    let mut req = request("Erika Mustermann");
    req.birthday = Day::from_ymd(1980, 5, 17);
    let (text, claims) = world.issue(&req);
    let Verification::Valid(v) = world.verifier.verify(&text, NOW) else {
        panic!("expected valid");
    };
    assert_eq!(v.holder_name, "Erika Mustermann");
    assert_eq!(v.birthday, Day::from_ymd(1980, 5, 17));
    assert_eq!(v.card_id, claims.card_id_hex());
    assert_eq!(v.region_id, REGION);
    assert_eq!(v.valid_until, Day::from_ymd(2028, 12, 31));
    assert_eq!(v.kind, PresentationKind::Static);
    assert_eq!(v.issuer_name, "Landkreis Test");
    assert_eq!(v.trust_list_age_secs, 86_400);
    assert_eq!(v.presentation_age_secs, None);
    assert!(v.flags.contains(&Flag::StaticCard));
    assert!(v.flags.contains(&Flag::RevocationListMissing));
    assert!(!v.flags.contains(&Flag::RepeatScan));
}

#[test]
fn device_bound_presentation_is_valid_and_ages() {
    let world = World::new();
    let (wallet, card_id) = wallet_with_bound_card(&world);
    let text = wallet.present(&card_id, NOW).unwrap();
    assert!(text.starts_with(PRESENTATION_PREFIX));
    let Verification::Valid(v) = world.verifier.verify(&text, NOW + 20) else {
        panic!("expected valid");
    };
    assert_eq!(v.kind, PresentationKind::DeviceBound);
    assert_eq!(v.presentation_age_secs, Some(20));
    assert!(!v.flags.contains(&Flag::StaticCard));
    // A minute and a half later the same code is a stale screenshot.
    assert_eq!(
        reason(&world, &text, NOW + 90),
        Some(InvalidReason::StalePresentation)
    );
    // A code from a phone whose clock runs two minutes ahead is refused too.
    let ahead = wallet.present(&card_id, NOW + 120).unwrap();
    assert_eq!(
        reason(&world, &ahead, NOW),
        Some(InvalidReason::StalePresentation)
    );
}

#[test]
fn repeat_scan_is_flagged() {
    let world = World::new();
    let (wallet, card_id) = wallet_with_bound_card(&world);
    let text = wallet.present(&card_id, NOW).unwrap();
    let first = world.verifier.verify(&text, NOW);
    let Verification::Valid(second) = world.verifier.verify(&text, NOW + 5) else {
        panic!("expected valid");
    };
    assert!(first.is_valid());
    assert!(second.flags.contains(&Flag::RepeatScan));
    assert_eq!(second.first_seen_at, Some(NOW));
    // The next time step gives a new code that is not a repeat.
    let next = wallet.present(&card_id, NOW + 30).unwrap();
    let Verification::Valid(third) = world.verifier.verify(&next, NOW + 31) else {
        panic!("expected valid");
    };
    assert!(!third.flags.contains(&Flag::RepeatScan));
}

#[test]
fn replay_cache_is_bounded() {
    let world = World::new();
    let mut verifier = Verifier::with_settings(world.root.public_key(), 60, 2);
    verifier
        .load_trust_list(&world.trust.sign(&world.root).unwrap())
        .unwrap();
    let codes: Vec<String> = (0..3)
        .map(|i| world.issue(&request(&format!("Holder {i}"))).0)
        .collect();
    for code in &codes {
        assert!(verifier.verify(code, NOW).is_valid());
    }
    let flagged = |code: &str| match verifier.verify(code, NOW) {
        Verification::Valid(v) => v.flags.contains(&Flag::RepeatScan),
        Verification::Invalid(r) => panic!("{r:?}"),
    };
    assert!(flagged(&codes[2]));
    assert!(!flagged(&codes[0]), "the oldest entry was evicted");
}

#[test]
fn not_a_card_and_damaged() {
    let world = World::new();
    assert_eq!(
        reason(&world, "https://example.org/", NOW),
        Some(InvalidReason::NotACard)
    );
    assert_eq!(reason(&world, "", NOW), Some(InvalidReason::NotACard));
    assert_eq!(
        reason(&world, "EK1:%%%", NOW),
        Some(InvalidReason::DamagedEncoding)
    );
    let (text, _) = world.issue(&request("Erika Mustermann"));
    let truncated = &text[..text.len() - 30];
    assert_eq!(
        reason(&world, truncated, NOW),
        Some(InvalidReason::DamagedEncoding)
    );
    let presentation_of_nothing = QrPayload::Presentation(vec![1; 50]).encode();
    assert_eq!(
        reason(&world, &presentation_of_nothing, NOW),
        Some(InvalidReason::DamagedEncoding)
    );
}

#[test]
fn no_trust_list() {
    let world = World::new();
    let (text, _) = world.issue(&request("Erika Mustermann"));
    let fresh = Verifier::new(world.root.public_key());
    assert_eq!(
        fresh.verify(&text, NOW).reason(),
        Some(InvalidReason::NoTrustList)
    );
}

#[test]
fn unknown_issuer() {
    let world = World::new();
    let stranger = IssuerKey::generate().unwrap();
    let (credential, _) = issue_card(&stranger, &request("Erika Mustermann"), NOW).unwrap();
    let text = QrPayload::Credential(credential).encode();
    assert_eq!(
        reason(&world, &text, NOW),
        Some(InvalidReason::UnknownIssuer)
    );
}

#[test]
fn edited_name_breaks_the_issuer_signature() {
    let world = World::new();
    let (credential, _) = issue_card(&world.issuer, &request("Erika Mustermann"), NOW).unwrap();
    let at = credential.windows(4).position(|w| w == b"Erik").unwrap();
    let mut edited = credential.clone();
    edited[at..at + 4].copy_from_slice(b"Anna");
    let text = QrPayload::Credential(edited).encode();
    assert_eq!(
        reason(&world, &text, NOW),
        Some(InvalidReason::BadIssuerSignature)
    );
}

#[test]
fn withdrawn_key() {
    let mut world = World::new();
    let (text, _) = world.issue(&request("Erika Mustermann"));
    let kid = world.issuer.key_id();
    world.change_trust(|t| {
        t.issuers.iter_mut().for_each(|e| {
            if e.key_id == kid {
                e.withdrawn = true
            }
        })
    });
    assert_eq!(
        reason(&world, &text, NOW),
        Some(InvalidReason::IssuerKeyWithdrawn)
    );
}

#[test]
fn key_not_valid_at_issuance() {
    let mut world = World::new();
    let (text, _) = world.issue(&request("Erika Mustermann"));
    world.change_trust(|t| t.issuers[0].valid_from = NOW);
    assert_eq!(
        reason(&world, &text, NOW),
        Some(InvalidReason::IssuerKeyNotValidAtIssuance)
    );
}

#[test]
fn issuer_not_allowed_for_region_type_or_project() {
    let world = World::new();
    let mut other_region = request("Erika Mustermann");
    other_region.region_id = 1234;
    assert_eq!(
        reason(&world, &world.issue(&other_region).0, NOW),
        Some(InvalidReason::IssuerNotAllowed)
    );
    let mut other_project = request("Erika Mustermann");
    other_project.project_id = 2;
    assert_eq!(
        reason(&world, &world.issue(&other_project).0, NOW),
        Some(InvalidReason::IssuerNotAllowed)
    );

    let mut world = World::new();
    world.change_trust(|t| t.issuers[0].card_types = CardType::Standard.bit());
    let mut gold = request("Erika Mustermann");
    gold.card_type = CardType::Gold;
    assert_eq!(
        reason(&world, &world.issue(&gold).0, NOW),
        Some(InvalidReason::IssuerNotAllowed)
    );
    world.change_trust(|t| t.issuers[0].roles = Roles::of(&[Role::Stores]));
    assert_eq!(
        reason(&world, &world.issue(&request("X Y")).0, NOW),
        Some(InvalidReason::IssuerNotAllowed)
    );
}

#[test]
fn validity_period_in_berlin_days() {
    let world = World::new();
    let mut future = request("Erika Mustermann");
    future.valid_from = Day::from_ymd(2026, 12, 1).unwrap();
    let (text, _) = world.issue(&future);
    assert_eq!(reason(&world, &text, NOW), Some(InvalidReason::NotYetValid));
    // 2026-11-30 23:30 UTC is already 2026-12-01 in Berlin.
    assert!(world
        .verifier
        .verify(&text, NOW + 86_400 + 11 * 3600 + 1800)
        .is_valid());

    let mut old = request("Erika Mustermann");
    old.valid_until = Day::from_ymd(2026, 11, 28);
    assert_eq!(
        reason(&world, &world.issue(&old).0, NOW),
        Some(InvalidReason::Expired)
    );

    let mut last_day = request("Erika Mustermann");
    last_day.valid_until = Day::from_ymd(2026, 11, 29);
    assert!(world
        .verifier
        .verify(&world.issue(&last_day).0, NOW)
        .is_valid());

    let mut gold = request("Erika Mustermann");
    gold.card_type = CardType::Gold;
    let (gold_text, gold_claims) = world.issue(&gold);
    assert_eq!(gold_claims.valid_until, None);
    assert!(world.verifier.verify(&gold_text, JAN_2031 - 1).is_valid());
}

#[test]
fn revoked() {
    let mut world = World::new();
    let (text, claims) = world.issue(&request("Erika Mustermann"));
    let (other, _) = world.issue(&request("Max Mustermann"));
    let list = RevocationList::new(1, NOW, NOW + 7 * 86_400, vec![claims.card_id]);
    world
        .verifier
        .load_revocation_list(&list.sign(&world.issuer))
        .unwrap();
    assert_eq!(reason(&world, &text, NOW), Some(InvalidReason::Revoked));
    let Verification::Valid(v) = world.verifier.verify(&other, NOW) else {
        panic!()
    };
    assert!(!v.flags.contains(&Flag::RevocationListMissing));
    let Verification::Valid(v) = world.verifier.verify(&other, NOW + 8 * 86_400) else {
        panic!()
    };
    assert!(v.flags.contains(&Flag::RevocationListExpired));
}

#[test]
fn bad_device_signature_and_copied_credential() {
    let world = World::new();
    let (wallet, card_id) = wallet_with_bound_card(&world);
    // The credential alone, lifted from the phone, is refused.
    let presented = wallet.present(&card_id, NOW).unwrap();
    let QrPayload::Presentation(bytes) = QrPayload::decode(&presented).unwrap() else {
        panic!()
    };
    let credential = bytes[..bytes.len() - 68].to_vec();
    let copied = QrPayload::Credential(credential.clone()).encode();
    assert_eq!(
        reason(&world, &copied, NOW),
        Some(InvalidReason::DevicePresentationRequired)
    );
    // Another phone signing a presentation of the same credential is refused.
    let thief = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let forged = ehk_core::card::presentation::create(&credential, &thief, NOW).unwrap();
    let forged = QrPayload::Presentation(forged).encode();
    assert_eq!(
        reason(&world, &forged, NOW),
        Some(InvalidReason::BadDeviceSignature)
    );
}

#[test]
fn tampered_presentation_step_is_refused() {
    let world = World::new();
    let (wallet, card_id) = wallet_with_bound_card(&world);
    let presented = wallet.present(&card_id, NOW - 600).unwrap();
    let QrPayload::Presentation(mut bytes) = QrPayload::decode(&presented).unwrap() else {
        panic!()
    };
    // Move the old step forward to now: the device signature no longer matches.
    let step = ((NOW / 30) as u32).to_be_bytes();
    let at = bytes.len() - 68;
    bytes[at..at + 4].copy_from_slice(&step);
    let text = QrPayload::Presentation(bytes).encode();
    assert_eq!(
        reason(&world, &text, NOW),
        Some(InvalidReason::BadDeviceSignature)
    );
}

#[test]
fn trust_list_versions_never_go_back_and_expiry_is_reported() {
    let mut world = World::new();
    let v1 = world.trust.sign(&world.root).unwrap();
    assert_eq!(
        world.verifier.load_trust_list(&v1).unwrap(),
        UpdateOutcome::Unchanged
    );
    world.change_trust(|_| {});
    assert!(matches!(
        world.verifier.load_trust_list(&v1),
        Err(Error::VersionNotNewer {
            offered: 1,
            current: 2,
            ..
        })
    ));
    // The same version number with other content is refused as well.
    let mut forked = world.trust.clone();
    forked.issuers.clear();
    assert!(world
        .verifier
        .load_trust_list(&forked.sign(&world.root).unwrap())
        .is_err());
    // A list signed by another root is refused.
    let mut foreign = world.trust.clone();
    foreign.version = 99;
    let other_root = IssuerKey::generate().unwrap();
    assert!(world
        .verifier
        .load_trust_list(&foreign.sign(&other_root).unwrap())
        .is_err());

    let (text, _) = world.issue(&request("Erika Mustermann"));
    let later = NOW + 40 * 86_400;
    let Verification::Valid(v) = world.verifier.verify(&text, later) else {
        panic!()
    };
    assert!(v.flags.contains(&Flag::TrustListExpired));
    assert_eq!(v.trust_list_age_secs, 41 * 86_400);
}

#[test]
fn revocation_list_rules() {
    let mut world = World::new();
    let v2 = RevocationList::new(2, NOW, NOW + 86_400, vec![]).sign(&world.issuer);
    let v1 = RevocationList::new(1, NOW, NOW + 86_400, vec![[1; 8]]).sign(&world.issuer);
    world.verifier.load_revocation_list(&v2).unwrap();
    assert!(matches!(
        world.verifier.load_revocation_list(&v1),
        Err(Error::VersionNotNewer { .. })
    ));
    let stranger = IssuerKey::generate().unwrap();
    let foreign = RevocationList::new(5, NOW, NOW + 86_400, vec![]).sign(&stranger);
    assert!(matches!(
        world.verifier.load_revocation_list(&foreign),
        Err(Error::UnknownIssuer(_))
    ));
    assert!(world.verifier.load_revocation_list(b"garbage").is_err());
}

#[test]
fn a_name_with_hidden_direction_changes_is_refused_at_the_shop() {
    let world = World::new();
    // Signed around the issuer's name check, as another tool might have done.
    let (_, mut claims) = world.issue(&request("Erika Mustermann"));
    claims.holder_name = "Erika \u{202E}nnamretsuM\u{200B}".into();
    let text = QrPayload::Credential(cose::sign(&world.issuer, claims.encode())).encode();
    // The signature is good, but the name would not read as what it is.
    assert_eq!(
        world.verifier.verify(&text, NOW).reason(),
        Some(InvalidReason::DamagedEncoding)
    );
}

#[test]
fn a_card_issued_in_the_future_is_refused_with_its_own_reason() {
    let world = World::new();
    let (credential, _) = issue_card(
        &world.issuer,
        &request("Erika Mustermann"),
        NOW + 2 * 86_400,
    )
    .unwrap();
    let text = QrPayload::Credential(credential).encode();
    assert_eq!(
        world.verifier.verify(&text, NOW).reason(),
        Some(InvalidReason::IssuedInFuture)
    );
    // Within the clock skew, and once the day has come, it verifies.
    assert!(world
        .verifier
        .verify(&text, NOW + 2 * 86_400 - 600)
        .is_valid());
    assert!(world.verifier.verify(&text, NOW + 3 * 86_400).is_valid());
}
