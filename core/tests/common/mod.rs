//! A small world for tests: a root key, an issuer for region 9162 and a verifier trusting it.
#![allow(dead_code)]

use ehk_core::*;
use ehk_issuer::{issue_card, CardRequest};
use std::sync::Arc;

/// 2026-11-29 12:00 UTC.
pub const NOW: i64 = 1_795_953_600;
pub const JAN_2026: i64 = 1_767_225_600;
pub const JAN_2031: i64 = 1_924_992_000;
pub const PROJECT: u32 = 1;
pub const REGION: u32 = 9162;

pub struct World {
    pub root: IssuerKey,
    pub issuer: IssuerKey,
    pub trust: TrustList,
    pub verifier: Verifier,
}

pub fn issuer_entry(key: &IssuerKey, name: &str) -> IssuerEntry {
    IssuerEntry {
        key_id: key.key_id(),
        public_key: key.public_key().to_bytes(),
        name: name.into(),
        roles: Roles::of(&[Role::Cards]),
        regions: Some(vec![REGION]),
        card_types: CardType::Standard.bit() | CardType::Gold.bit(),
        valid_from: JAN_2026,
        valid_until: JAN_2031,
        withdrawn: false,
    }
}

impl World {
    pub fn new() -> World {
        let root = IssuerKey::generate().unwrap();
        let issuer = IssuerKey::generate().unwrap();
        let mut trust = TrustList::new(PROJECT);
        trust.version = 1;
        trust.issued_at = NOW - 86_400;
        trust.expires_at = NOW + 30 * 86_400;
        trust
            .upsert_issuer(issuer_entry(&issuer, "Landkreis Test"))
            .unwrap();
        let mut verifier = Verifier::new(root.public_key());
        verifier
            .load_trust_list(&trust.sign(&root).unwrap())
            .unwrap();
        World {
            root,
            issuer,
            trust,
            verifier,
        }
    }

    /// Re-signs the trust list with the next version after `change` and loads it.
    pub fn change_trust(&mut self, change: impl FnOnce(&mut TrustList)) {
        change(&mut self.trust);
        self.trust.version += 1;
        let bytes = self.trust.sign(&self.root).unwrap();
        self.verifier.load_trust_list(&bytes).unwrap();
    }

    /// The pin of an app built with this world's current trust list.
    pub fn pin(&self) -> ProjectPin {
        ProjectPin::new(
            self.root.public_key(),
            PROJECT,
            self.trust.sign(&self.root).unwrap(),
        )
        .unwrap()
    }

    pub fn issue(&self, request: &CardRequest) -> (String, CardClaims) {
        let (credential, claims) = issue_card(&self.issuer, request, NOW - 3600).unwrap();
        (QrPayload::Credential(credential).encode(), claims)
    }

    /// The QR text of exactly these claims, signed by this world's issuer.
    pub fn sign(&self, claims: &CardClaims) -> String {
        QrPayload::Credential(ehk_core::cose::sign(&self.issuer, claims.encode())).encode()
    }
}

pub fn request(name: &str) -> CardRequest {
    CardRequest {
        holder_name: name.into(),
        birthday: None,
        card_type: CardType::Standard,
        project_id: PROJECT,
        region_id: REGION,
        valid_from: Day::from_ymd(2026, 1, 1).unwrap(),
        valid_until: Day::from_ymd(2028, 12, 31),
        device_key: None,
    }
}

pub fn wallet() -> Wallet {
    Wallet::open_in_memory(Arc::new(MemoryKeyStore::default())).unwrap()
}

/// A wallet holding one device-bound card issued in `world`; returns the wallet and card id.
pub fn wallet_with_bound_card(world: &World) -> (Wallet, String) {
    let w = wallet();
    let mut req = request("Erika Mustermann");
    req.device_key = Some(w.device_public_key().unwrap());
    let (text, claims) = world.issue(&req);
    w.add_card(&text, &world.verifier, NOW).unwrap();
    (w, claims.card_id_hex())
}
