//! A fixed card world for benchmarks and the bindings' cost comparison: one root, one issuer,
//! a static card and a device-bound presentation with a typical 20-character name.

use crate::issue::{issue_card, CardRequest};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ehk_core::card::claims::CardType;
use ehk_core::card::presentation;
use ehk_core::card::qr::QrPayload;
use ehk_core::card::verify::Verifier;
use ehk_core::day::Day;
use ehk_core::keys::IssuerKey;
use ehk_core::trust::list::{IssuerEntry, Role, Roles, TrustList};

/// 2026-11-29 12:00 UTC.
pub const BENCH_NOW: i64 = 1_795_953_600;
/// Exactly 20 characters, as the size targets assume.
pub const BENCH_NAME: &str = "Erika Mustermann-Abt";

pub struct CardBench {
    pub now: i64,
    pub verifier: Verifier,
    pub static_text: String,
    pub static_birthday_text: String,
    pub bound_text: String,
    bare_key: VerifyingKey,
    bare_message: Vec<u8>,
    bare_signature: Signature,
}

impl CardBench {
    pub fn new() -> CardBench {
        let now = BENCH_NOW;
        let root = IssuerKey::from_seed(&[1; 32]).expect("fixed seed");
        let issuer = IssuerKey::from_seed(&[2; 32]).expect("fixed seed");
        let device = SigningKey::from_bytes(&[3; 32]);
        let mut trust = TrustList::new(1);
        trust.version = 1;
        trust.issued_at = now - 86_400;
        trust.expires_at = now + 86_400 * 30;
        trust
            .upsert_issuer(IssuerEntry {
                key_id: issuer.key_id(),
                public_key: issuer.public_key().to_bytes(),
                name: "Landkreis Musterstadt".into(),
                roles: Roles::of(&[Role::Cards]),
                regions: Some(vec![9162]),
                card_types: 3,
                valid_from: 0,
                valid_until: now + 86_400 * 3650,
                withdrawn: false,
            })
            .expect("fixed entry");
        let mut verifier = Verifier::new(root.public_key());
        verifier
            .load_trust_list(&trust.sign(&root).expect("sign"))
            .expect("load");
        let mut request = CardRequest {
            holder_name: BENCH_NAME.into(),
            birthday: None,
            card_type: CardType::Standard,
            project_id: 1,
            region_id: 9162,
            valid_from: Day::from_ymd(2026, 1, 1).expect("date"),
            valid_until: Day::from_ymd(2029, 12, 31),
            device_key: None,
        };
        let (static_card, _) = issue_card(&issuer, &request, now).expect("issue");
        request.birthday = Day::from_ymd(1980, 5, 17);
        let (birthday_card, _) = issue_card(&issuer, &request, now).expect("issue");
        request.birthday = None;
        request.device_key = Some(device.verifying_key().to_bytes());
        let (bound_card, _) = issue_card(&issuer, &request, now).expect("issue");
        let bound = presentation::create(&bound_card, &device, now).expect("present");
        let bare_message = vec![7u8; 100];
        CardBench {
            now,
            verifier,
            static_text: QrPayload::Credential(static_card).encode(),
            static_birthday_text: QrPayload::Credential(birthday_card).encode(),
            bound_text: QrPayload::Presentation(bound).encode(),
            bare_key: issuer.public_key(),
            bare_signature: issuer.signing_key().sign(&bare_message),
            bare_message,
        }
    }

    /// One Ed25519 verification of a 100-byte message with an already decoded key, the same
    /// call the verifier makes.
    pub fn bare_verify(&self) -> bool {
        self.bare_key
            .verify_strict(&self.bare_message, &self.bare_signature)
            .is_ok()
    }
}

impl Default for CardBench {
    fn default() -> Self {
        CardBench::new()
    }
}
