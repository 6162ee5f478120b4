//! The activation protocol end to end: a real service on loopback, phones built from the core
//! (wallet, feed store, the core's activation client), on SQLite and on PostgreSQL.

mod common;

use common::*;
use ed25519_dalek::{Signer, SigningKey};
use ehk_core::activation::protocol::{
    proof_message, ActivationRequest, Challenge, ErrorBody, ErrorCode,
};
use ehk_core::activation::{ActivationCode, ActivationError, ActivationService};
use ehk_core::card::reason::InvalidReason;
use ehk_core::feed::SyncCancel;
use ehk_core::{Error, Verification};
use ehk_server::http::now;
use ehk_server::store::Database;

fn service_of<D: Database>(server: &Server<D>) -> ActivationService {
    ActivationService::new(&server.url).unwrap()
}

fn activation_error(e: Error) -> ActivationError {
    match e {
        Error::Activation(a) => a,
        other => panic!("expected an activation error, got {other:?}"),
    }
}

/// The protocol by hand, for what the core's client never sends.
fn raw_activate<D: Database>(
    server: &Server<D>,
    code: &str,
    device: &SigningKey,
    mutate: impl FnOnce(&mut ActivationRequest),
) -> (u16, serde_json::Value) {
    let client = server.client();
    let challenge: Challenge = client
        .get(format!("{}/api/v1/activation/challenge", server.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let bytes = hex::decode(&challenge.challenge).unwrap();
    let public = device.verifying_key().to_bytes();
    let parsed = ActivationCode::parse(code).unwrap_or_else(|_| ActivationCode::generate());
    let mut request = ActivationRequest {
        code: code.to_string(),
        device_public_key: hex::encode(public),
        challenge: challenge.challenge.clone(),
        signature: hex::encode(
            device
                .sign(&proof_message(&bytes, &parsed, &public))
                .to_bytes(),
        ),
        device_time: now(),
        confirm_move: false,
    };
    mutate(&mut request);
    let response = client
        .post(format!("{}/api/v1/activation", server.url))
        .json(&request)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(serde_json::Value::Null))
}

fn device() -> SigningKey {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).unwrap();
    SigningKey::from_bytes(&seed)
}

fn error_code(body: &serde_json::Value) -> ErrorCode {
    serde_json::from_value::<ErrorBody>(body.clone())
        .unwrap_or_else(|e| panic!("{body}: {e}"))
        .error
}

// ---- the tests, run on each backend ----

fn a_letter_activates_a_device_bound_card_that_a_shop_accepts<D: Database>(
    world: &World,
    server: Server<D>,
) {
    let id = server.create_card("Erika Mustermann", REGION);
    let link = server.letter(id);
    let phone = Phone::new(world, "a");
    let activation = phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .unwrap();
    assert!(!activation.moved);
    assert_eq!(activation.card.holder_name, "Erika Mustermann");
    assert!(activation.card.device_bound);
    let shown = phone
        .wallet
        .present(&activation.card.card_id, now())
        .unwrap();
    let shop = Phone::new(world, "shop");
    match shop.feed.verify(&shown, now()) {
        Verification::Valid(card) => assert_eq!(card.holder_name, "Erika Mustermann"),
        other => panic!("{other:?}"),
    }
    let (_, card) = server.get_json(&server.token, &format!("/api/v1/admin/cards/{id}"));
    assert_eq!(card["card"]["status"], "active");
    let actions: Vec<&str> = card["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["activate", "letter", "create"]);
    let totals = server.totals();
    assert_eq!((totals.codes_used, totals.active_credentials), (1, 1));
}

fn a_retry_from_the_same_phone_gets_the_same_card_and_keeps_the_code<D: Database>(
    _world: &World,
    server: Server<D>,
) {
    let id = server.create_card("Max Muster", REGION);
    let link = server.letter(id);
    let code = ActivationCode::from_link_or_code(&link).unwrap().0;
    let key = device();
    let first = service_of(&server)
        .activate(&code, &key, false, now())
        .unwrap();
    let again = service_of(&server)
        .activate(&code, &key, false, now())
        .unwrap();
    assert_eq!(
        first.credential, again.credential,
        "a lost answer does not burn the code"
    );
    assert_eq!(server.totals().credentials, 1);
}

fn a_cancelled_activation_sends_and_stores_nothing<D: Database>(world: &World, server: Server<D>) {
    let id = server.create_card("Max Muster", REGION);
    let link = server.letter(id);
    let phone = Phone::new(world, "a");
    let cancel = SyncCancel::new();
    cancel.cancel();
    let refused = phone.wallet.activate_cancellable(
        &link,
        &service_of(&server),
        &phone.feed,
        false,
        now(),
        &cancel,
    );
    assert!(matches!(refused, Err(Error::Interrupted)), "{refused:?}");
    assert!(phone.wallet.cards(now()).unwrap().is_empty());
    let totals = server.totals();
    assert_eq!((totals.codes_used, totals.credentials), (0, 0));
    let activation = phone
        .wallet
        .activate_cancellable(
            &link,
            &service_of(&server),
            &phone.feed,
            false,
            now(),
            &SyncCancel::new(),
        )
        .unwrap();
    assert_eq!(activation.card.holder_name, "Max Muster");
}

fn a_second_phone_is_refused_until_the_holder_confirms_the_move<D: Database>(
    world: &World,
    server: Server<D>,
) {
    let id = server.create_card("Jürgen Weiß", REGION);
    let link = server.letter(id);
    let old = Phone::new(world, "old");
    let first = old
        .wallet
        .activate(&link, &service_of(&server), &old.feed, false, now())
        .unwrap();
    let old_code = old.wallet.present(&first.card.card_id, now()).unwrap();

    let new = Phone::new(world, "new");
    let refused = new
        .wallet
        .activate(&link, &service_of(&server), &new.feed, false, now())
        .unwrap_err();
    assert_eq!(activation_error(refused), ActivationError::UsedOnOtherPhone);
    let moved = new
        .wallet
        .activate(&link, &service_of(&server), &new.feed, true, now())
        .unwrap();
    assert!(moved.moved);
    assert_ne!(moved.card.card_id, first.card.card_id);
    let totals = server.totals();
    assert_eq!(
        (totals.active_credentials, totals.cards_with_two_active),
        (1, 0)
    );

    // The move signed a revocation list; a shop that takes it refuses the old phone's code.
    let shop = Phone::new(world, "shop");
    assert!(
        shop.feed.verify(&old_code, now()).is_valid(),
        "before the list"
    );
    let list = server
        .service()
        .revocation_list()
        .expect("a list after a move");
    assert!(shop.feed.take_lists(None, &[list.clone()], now()).unwrap());
    assert_eq!(
        shop.feed.verify(&old_code, now()).reason(),
        Some(InvalidReason::Revoked)
    );
    let new_code = new.wallet.present(&moved.card.card_id, now()).unwrap();
    assert!(shop.feed.verify(&new_code, now()).is_valid());
    // The old phone learns it with its next lists: its wallet shows the card as refused.
    assert!(old.feed.take_lists(None, &[list], now()).unwrap());
    let listed = old
        .wallet
        .cards_checked(&old.feed.verifier(), now())
        .unwrap();
    assert_eq!(
        listed[0].status,
        ehk_core::wallet::CardStatus::Refused {
            reason: InvalidReason::Revoked
        }
    );
    let listed = new
        .wallet
        .cards_checked(&new.feed.verifier(), now())
        .unwrap();
    assert!(listed[0].status.is_usable());
    // The list for the feed was written too (0644, public).
    let written = std::fs::read(temp_path(world, "revocations.cose")).unwrap();
    assert_eq!(written, server.service().revocation_list().unwrap());
}

fn wrong_codes_lock_the_code_and_unknown_looks_like_expired<D: Database>(
    _world: &World,
    server: Server<D>,
) {
    let id = server.create_card("Anna Probe", REGION);
    let link = server.letter(id);
    let code = ActivationCode::from_link_or_code(&link).unwrap().0;
    let key = device();
    // Same lookup part, other secrets: each counts against the code.
    for i in 0..5 {
        let mut guess = code.compact().into_bytes();
        guess[10] = if guess[10] == b'A' { b'B' } else { b'A' };
        guess[11] = b"23456"[i];
        let body = &guess[..16];
        let guessed = fix_check(std::str::from_utf8(body).unwrap());
        let (status, answer) = raw_activate(&server, &guessed, &key, |_| {});
        assert_eq!(
            (status, error_code(&answer)),
            (403, ErrorCode::InvalidCode),
            "{guessed}"
        );
    }
    let (status, answer) = raw_activate(&server, &code.compact(), &key, |_| {});
    assert_eq!(
        (status, error_code(&answer)),
        (403, ErrorCode::InvalidCode),
        "locked after five wrong tries, even for the right code"
    );
    // An unknown code and a replaced one get the very same answer.
    let (s1, unknown) = raw_activate(&server, &ActivationCode::generate().compact(), &key, |_| {});
    let other = server.create_card("Bernd Probe", REGION);
    let old_link = server.letter(other);
    let _new_link = server.letter(other);
    let old = ActivationCode::from_link_or_code(&old_link).unwrap().0;
    let (s2, replaced) = raw_activate(&server, &old.compact(), &key, |_| {});
    assert_eq!((s1, s2), (403, 403));
    assert_eq!(unknown["message"], replaced["message"]);
    assert_eq!(error_code(&unknown), error_code(&replaced));
    assert_eq!(server.totals().credentials, 0);
}

/// A 16-symbol body with its check symbol.
fn fix_check(body: &str) -> String {
    for &c in ehk_core::activation::code::ALPHABET {
        let candidate = format!("{body}{}", c as char);
        if ActivationCode::parse(&candidate).is_ok() {
            return candidate;
        }
    }
    unreachable!("one check symbol fits")
}

fn a_new_letter_replaces_the_old_code<D: Database>(world: &World, server: Server<D>) {
    let id = server.create_card("Clara Neu", REGION);
    let lost = server.letter(id);
    let replacement = server.letter(id);
    let phone = Phone::new(world, "p");
    let e = phone
        .wallet
        .activate(&lost, &service_of(&server), &phone.feed, false, now())
        .unwrap_err();
    assert_eq!(activation_error(e), ActivationError::InvalidCode);
    phone
        .wallet
        .activate(
            &replacement,
            &service_of(&server),
            &phone.feed,
            false,
            now(),
        )
        .unwrap();
}

fn a_wrong_clock_is_told_before_the_code_is_spent<D: Database>(world: &World, server: Server<D>) {
    let id = server.create_card("Dieter Uhr", REGION);
    let link = server.letter(id);
    let phone = Phone::new(world, "p");
    let e = phone
        .wallet
        .activate(
            &link,
            &service_of(&server),
            &phone.feed,
            false,
            now() - 3600,
        )
        .unwrap_err();
    assert!(matches!(
        activation_error(e),
        ActivationError::ClockWrong { .. }
    ));
    // A client that lies about its clock check gets the service's refusal.
    let code = ActivationCode::from_link_or_code(&link).unwrap().0;
    let (status, answer) = raw_activate(&server, &code.compact(), &device(), |r| {
        r.device_time = now() + 7200
    });
    assert_eq!((status, error_code(&answer)), (400, ErrorCode::ClockWrong));
    assert_eq!(server.totals().codes_used, 0);
    phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .unwrap();
}

fn forged_challenges_and_proofs_are_refused<D: Database>(_world: &World, server: Server<D>) {
    let id = server.create_card("Eva Falsch", REGION);
    let link = server.letter(id);
    let code = ActivationCode::from_link_or_code(&link)
        .unwrap()
        .0
        .compact();
    let key = device();
    let (status, answer) = raw_activate(&server, &code, &key, |r| {
        let mut c = hex::decode(&r.challenge).unwrap();
        c[0] ^= 1;
        r.challenge = hex::encode(c);
    });
    assert_eq!(
        (status, error_code(&answer)),
        (400, ErrorCode::ChallengeExpired)
    );
    // Signed by another key than the one named: whoever intercepted a request cannot bind
    // the card to their own key with it.
    let (status, answer) = raw_activate(&server, &code, &key, |r| {
        r.device_public_key = hex::encode(device().verifying_key().to_bytes())
    });
    assert_eq!((status, error_code(&answer)), (400, ErrorCode::BadProof));
    let (status, answer) =
        raw_activate(&server, &code, &key, |r| r.device_public_key = "zz".into());
    assert_eq!((status, error_code(&answer)), (400, ErrorCode::BadRequest));
    let response = server
        .client()
        .post(format!("{}/api/v1/activation", server.url))
        .body(vec![b'{'; 100_000])
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 413, "bodies are bounded");
    assert_eq!(server.totals().codes_used, 0);
}

fn a_revoked_card_cannot_be_activated<D: Database>(world: &World, server: Server<D>) {
    let id = server.create_card("Fritz Weg", REGION);
    let link = server.letter(id);
    let (status, _) = server.post_json(
        &server.token,
        &format!("/api/v1/admin/cards/{id}/revoke"),
        serde_json::json!({ "reason": "Karte verloren" }),
    );
    assert_eq!(status, 200);
    let phone = Phone::new(world, "p");
    let e = phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .unwrap_err();
    // A revoked card's codes are replaced: the answer is the same as for any unknown code.
    assert_eq!(activation_error(e), ActivationError::InvalidCode);
}

fn revoking_an_active_card_publishes_its_credential<D: Database>(world: &World, server: Server<D>) {
    let id = server.create_card("Gabi Aus", REGION);
    let link = server.letter(id);
    let phone = Phone::new(world, "p");
    let card = phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .unwrap()
        .card;
    let shown = phone.wallet.present(&card.card_id, now()).unwrap();
    let (status, _) = server.post_json(
        &server.token,
        &format!("/api/v1/admin/cards/{id}/revoke"),
        serde_json::json!({}),
    );
    assert_eq!(status, 200);
    let bytes = server
        .client()
        .get(format!("{}/api/v1/revocation-list", server.url))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let shop = Phone::new(world, "shop");
    shop.feed
        .take_lists(None, &[bytes.to_vec()], now())
        .unwrap();
    assert_eq!(
        shop.feed.verify(&shown, now()).reason(),
        Some(InvalidReason::Revoked)
    );
}

/// Challenge requests as `forwarded_for` says (none: no header); the statuses, and whether
/// each refusal says when to retry.
fn challenges<D: Database>(server: &Server<D>, forwarded_for: &[Option<&str>]) -> Vec<(u16, bool)> {
    forwarded_for
        .iter()
        .map(|xff| {
            let mut request = server
                .client()
                .get(format!("{}/api/v1/activation/challenge", server.url));
            if let Some(xff) = xff {
                request = request.header("X-Forwarded-For", *xff);
            }
            let r = request.send().unwrap();
            (
                r.status().as_u16(),
                r.headers().get("retry-after").is_some(),
            )
        })
        .collect()
}

fn the_rate_limit_answers_with_when_to_retry<D: Database>(world: &World, server: Server<D>) {
    let _ = world;
    // The last two claim to come from elsewhere: without a trusted proxy, nobody is believed.
    assert_eq!(
        challenges(
            &server,
            &[None, None, None, Some("203.0.113.5"), Some("198.51.100.7")]
        ),
        [
            (200, false),
            (200, false),
            (200, false),
            (429, true),
            (429, true)
        ]
    );
}

/// Behind a trusted reverse proxy (here: loopback), each client the proxy names has its own
/// limit, and what a client writes into the header itself does not change whose it is.
fn behind_a_trusted_proxy_each_client_has_its_own_limit<D: Database>(
    world: &World,
    server: Server<D>,
) {
    let _ = world;
    let a = Some("203.0.113.5");
    let a_disguised = Some("192.0.2.77, 203.0.113.5");
    assert_eq!(
        challenges(&server, &[a, a, a, a_disguised]),
        [(200, false), (200, false), (200, false), (429, true)]
    );
    // Another client behind the same proxy, and the proxy's own requests, go on.
    assert_eq!(
        challenges(&server, &[Some("198.51.100.7"), None]),
        [(200, false), (200, false)]
    );
}

fn links_of_another_service_are_refused_before_anything_is_sent<D: Database>(
    world: &World,
    server: Server<D>,
) {
    let id = server.create_card("Hanna Fremd", REGION);
    let link = server.letter(id);
    let code = ActivationCode::from_link_or_code(&link).unwrap().0;
    let phone = Phone::new(world, "p");
    let e = phone
        .wallet
        .activate(
            &code.link("https://evil.example"),
            &service_of(&server),
            &phone.feed,
            false,
            now(),
        )
        .unwrap_err();
    assert!(matches!(
        activation_error(e),
        ActivationError::ForeignLink { .. }
    ));
    // The code as typed, and the app's own scheme, work.
    phone
        .wallet
        .activate(
            &code.grouped().to_lowercase(),
            &service_of(&server),
            &phone.feed,
            false,
            now(),
        )
        .unwrap();
    assert_eq!(server.totals().codes_used, 1);
}

fn admins_see_and_act_only_within_their_regions<D: Database>(world: &World, server: Server<D>) {
    let _ = world;
    let mine = server.create_card("Ida Hier", REGION);
    let theirs = server.create_card("Jan Dort", OTHER_REGION);
    let regional = server
        .service()
        .add_token("Kreis 9162", Some(vec![REGION]), now())
        .unwrap();
    let (status, list) = server.get_json(&regional, "/api/v1/admin/cards");
    assert_eq!(status, 200);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [mine]);
    let (status, _) = server.get_json(&regional, &format!("/api/v1/admin/cards/{theirs}"));
    assert_eq!(
        status, 404,
        "another region's card does not exist for a region admin"
    );
    let (status, _) = server.post_json(
        &regional,
        &format!("/api/v1/admin/cards/{theirs}/letter"),
        serde_json::json!({}),
    );
    assert_eq!(status, 404);
    let (status, _) = server.post_json(
        &regional,
        &format!("/api/v1/admin/cards/{theirs}/revoke"),
        serde_json::json!({}),
    );
    assert_eq!(status, 404);
    let (status, _) = server.post_json(
        &regional,
        "/api/v1/admin/cards",
        serde_json::json!({"holder_name": "X Y", "card_type": "gold", "region_id": OTHER_REGION, "valid_from": "2026-01-01"}),
    );
    assert_eq!(status, 403);
    let (status, _) = server.post_json(&regional, "/api/v1/admin/publish", serde_json::json!({}));
    assert_eq!(status, 403);
    let (status, _) = server.get_json("ehk_not-a-token", "/api/v1/admin/cards");
    assert_eq!(status, 401);
    // A revoked token is refused from the next request on; the other admins' tokens work.
    assert_eq!(
        server.service().revoke_tokens("Kreis 9162", now()).unwrap(),
        1
    );
    let (status, _) = server.get_json(&regional, "/api/v1/admin/cards");
    assert_eq!(status, 401, "a revoked token");
    let (status, _) = server.get_json(&server.token, "/api/v1/admin/cards");
    assert_eq!(status, 200);
    assert_eq!(
        server.service().revoke_tokens("Kreis 9162", now()).unwrap(),
        0,
        "nothing left to revoke"
    );
    let (status, _) = server.get_json("", "/api/v1/admin/cards");
    assert_eq!(status, 401);
    // Bad input is named, nothing is stored.
    let (status, answer) = server.post_json(
        &server.token,
        "/api/v1/admin/cards",
        serde_json::json!({"holder_name": "Eve\u{202E}gnirT", "card_type": "standard", "region_id": REGION, "valid_from": "2026-01-01", "valid_until": "2027-01-01"}),
    );
    assert_eq!(status, 422, "{answer}");
    let (status, answer) = server.post_json(
        &server.token,
        "/api/v1/admin/cards",
        serde_json::json!({"holder_name": "A B", "card_type": "standard", "region_id": REGION, "valid_from": "2026-01-01", "valid_until": "2027-01-01", "kartentyp": "gold"}),
    );
    assert_eq!(
        status, 422,
        "an unknown field is refused, not dropped: {answer}"
    );
    assert_eq!(server.totals().cards, 2);
}

/// The service signs only what the project's trust list lets its key sign, read afresh for
/// every card: a list that narrows its regions or withdraws its key stops it at once, without
/// spending a code; a list the root did not sign is not used, and not handed to phones.
fn the_trust_list_decides_what_the_service_signs<D: Database>(world: &World, server: Server<D>) {
    let create = |region: u32| {
        server.post_json(
            &server.token,
            "/api/v1/admin/cards",
            serde_json::json!({"holder_name": "Ida Test", "card_type": "standard", "region_id": region, "valid_from": "2026-01-01", "valid_until": "2029-12-31"}),
        )
    };
    assert_eq!(create(OTHER_REGION).0, 201);
    // The root narrows the key to one region: the other is refused, by the trust list.
    world.publish_trust_list(&world.root, 2, |e| e.regions = Some(vec![REGION]));
    let (status, answer) = create(OTHER_REGION);
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("trust list (version 2)"),
        "{answer}"
    );
    assert!(
        server.service().check_trust(now()).is_err(),
        "the configuration names a region the list no longer allows"
    );
    // Gold cards taken away: a gold card is refused, a standard one is fine.
    world.publish_trust_list(&world.root, 3, |e| {
        e.regions = Some(vec![REGION]);
        e.card_types = ehk_core::card::claims::CardType::Standard.bit();
    });
    let (status, answer) = server.post_json(
        &server.token,
        "/api/v1/admin/cards",
        serde_json::json!({"holder_name": "Gold Test", "card_type": "gold", "region_id": REGION, "valid_from": "2026-01-01"}),
    );
    assert_eq!(status, 403, "{answer}");
    let id = server.create_card("Erika Mustermann", REGION);
    let link = server.letter(id);
    // The root withdraws the key: activation fails and the code is not spent.
    world.publish_trust_list(&world.root, 4, |e| e.withdrawn = true);
    let phone = Phone::new(world, "a");
    assert!(phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .is_err());
    assert_eq!(server.totals().codes_used, 0);
    assert!(phone.wallet.cards(now()).unwrap().is_empty());
    let refused = server.service().check_trust(now()).unwrap_err().to_string();
    assert!(refused.contains("withdrawn"), "{refused}");
    // A list signed by someone else than the root is not used at all.
    let forger = ehk_core::keys::IssuerKey::generate().unwrap();
    world.publish_trust_list(&forger, 5, |_| {});
    assert_eq!(create(REGION).0, 503);
    assert!(phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .is_err());
    assert_eq!(server.totals().codes_used, 0);
    // The root's list again: the same letter works.
    world.publish_trust_list(&world.root, 6, |_| {});
    let activation = phone
        .wallet
        .activate(&link, &service_of(&server), &phone.feed, false, now())
        .unwrap();
    assert_eq!(activation.card.holder_name, "Erika Mustermann");
    assert_eq!(server.totals().codes_used, 1);
}

fn the_pages_for_people_and_app_links_are_served<D: Database>(world: &World, server: Server<D>) {
    let _ = world;
    let get = |path: &str| {
        let r = server
            .client()
            .get(format!("{}{path}", server.url))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (status, page) = get("/activate");
    assert_eq!(status, 200);
    assert!(
        page.contains("App") && page.contains("Install the"),
        "German and English"
    );
    let (status, links) = get("/.well-known/assetlinks.json");
    assert_eq!(status, 200);
    let links: serde_json::Value = serde_json::from_str(&links).unwrap();
    assert_eq!(links[0]["target"]["package_name"], "org.ehrenamtskarte.app");
    let (status, aasa) = get("/.well-known/apple-app-site-association");
    assert_eq!(status, 200);
    let aasa: serde_json::Value = serde_json::from_str(&aasa).unwrap();
    assert_eq!(
        aasa["applinks"]["details"][0]["components"][0]["/"],
        "/activate"
    );
}

/// Runs a tool of poppler or zbar; a missing one fails the test.
fn tool(name: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn a_printed_letter_is_scanned_and_activates_the_card<D: Database>(
    world: &World,
    server: Server<D>,
) {
    let first = server.create_card("Jürgen Weiß-Öztürk", REGION);
    let second = server.create_card("Ayşe Yılmaz", REGION);
    let response = server
        .client()
        .post(format!("{}/api/v1/admin/letters?format=pdf", server.url))
        .bearer_auth(&server.token)
        .json(&serde_json::json!({ "card_ids": [first, second] }))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let pdf = temp_path(world, "letters.pdf");
    std::fs::write(&pdf, response.bytes().unwrap()).unwrap();
    let pdf = pdf.to_str().unwrap();
    let text = tool("pdftotext", &["-f", "1", "-l", "1", "-layout", pdf, "-"]);
    assert!(
        text.contains("Jürgen Weiß-Öztürk") && text.contains("Landratsamt Test"),
        "{text}"
    );
    assert!(tool("pdftotext", &["-f", "2", "-l", "2", pdf, "-"]).contains("Ayşe Yılmaz"));
    // The holder scans the first page's QR code with the phone.
    let png = temp_path(world, "page");
    tool(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf,
            png.to_str().unwrap(),
        ],
    );
    let scanned = tool(
        "zbarimg",
        &["--raw", "-q", &format!("{}.png", png.display())],
    );
    let link = scanned.trim();
    assert!(
        link.starts_with(&format!("{}/activate#", server.url)),
        "{link}"
    );
    let phone = Phone::new(world, "p");
    let card = phone
        .wallet
        .activate(link, &service_of(&server), &phone.feed, false, now())
        .unwrap()
        .card;
    assert_eq!(card.holder_name, "Jürgen Weiß-Öztürk");
    // The code printed for typing is the same code.
    let grouped = ActivationCode::from_link_or_code(link).unwrap().0.grouped();
    assert!(text.contains(&grouped), "{grouped} in {text}");
}

macro_rules! on_backend {
    ($backend:ident, $make:expr, $limits:expr, $($test:ident),* $(,)?) => {
        mod $backend {
            use super::*;
            $(
                #[test]
                fn $test() {
                    let world = World::new();
                    let db = ($make)(&world);
                    let server = Server::start(&world, db, $limits);
                    super::$test(&world, server);
                }
            )*
        }
    };
}

macro_rules! every_backend {
    ($limits:expr; $($test:ident),* $(,)?) => {
        on_backend!(sqlite, common::sqlite, $limits, $($test),*);
        on_backend!(postgres, |_: &World| common::postgres(), $limits, $($test),*);
    };
}

every_backend!(Limits::default();
    a_letter_activates_a_device_bound_card_that_a_shop_accepts,
    a_retry_from_the_same_phone_gets_the_same_card_and_keeps_the_code,
    a_cancelled_activation_sends_and_stores_nothing,
    a_second_phone_is_refused_until_the_holder_confirms_the_move,
    wrong_codes_lock_the_code_and_unknown_looks_like_expired,
    a_new_letter_replaces_the_old_code,
    a_wrong_clock_is_told_before_the_code_is_spent,
    forged_challenges_and_proofs_are_refused,
    a_revoked_card_cannot_be_activated,
    revoking_an_active_card_publishes_its_credential,
    links_of_another_service_are_refused_before_anything_is_sent,
    admins_see_and_act_only_within_their_regions,
    the_trust_list_decides_what_the_service_signs,
    the_pages_for_people_and_app_links_are_served,
    a_printed_letter_is_scanned_and_activates_the_card,
);

mod limited {
    use super::*;
    fn limits() -> Limits {
        Limits {
            per_client_per_minute: 3,
            ..Limits::default()
        }
    }
    every_backend!(limits(); the_rate_limit_answers_with_when_to_retry);
}

mod behind_proxy {
    use super::*;
    fn limits() -> Limits {
        Limits {
            per_client_per_minute: 3,
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Limits::default()
        }
    }
    every_backend!(limits(); behind_a_trusted_proxy_each_client_has_its_own_limit);
}
