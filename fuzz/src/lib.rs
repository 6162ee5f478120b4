//! The fixed card world the fuzz targets share: a root key, one issuer that holds every role
//! for region 9162, a holder's device key, the signed trust list and a revocation list, and a
//! verifier loaded with both. The keys come from fixed seeds, so every run and every committed
//! corpus file means the same thing.
//!
//! Targets whose bytes must be signed to reach the decoders behind the signature take a mode
//! byte first ([`split_mode`]): mode 0 hands the rest to the decoder as received (raw envelope),
//! mode 1 signs the rest as the payload with the right fixed key, so the payload decoder is
//! fuzzed as well.

use ed25519_dalek::SigningKey;
use ehk_core::card::claims::{CardId, CardType};
use ehk_core::card::verify::Verifier;
use ehk_core::keys::IssuerKey;
use ehk_core::trust::list::{IssuerEntry, Role, Roles, TrustList};
use ehk_core::trust::revocation::RevocationList;
use std::sync::OnceLock;

/// 2026-11-29 12:00 UTC, the time every target verifies at.
pub const NOW: i64 = 1_795_953_600;
pub const JAN_2026: i64 = 1_767_225_600;
pub const JAN_2031: i64 = 1_924_992_000;
pub const PROJECT: u32 = 1;
pub const REGION: u32 = 9162;

pub struct World {
    pub root: IssuerKey,
    pub issuer: IssuerKey,
    pub device: SigningKey,
    pub trust: TrustList,
    pub trust_bytes: Vec<u8>,
    pub revocation_bytes: Vec<u8>,
    /// Loaded with the trust list and the revocation list; no replay cache, so a presentation
    /// seen in an earlier run gives the same answer in a later one.
    pub verifier: Verifier,
}

fn key(seed: u8) -> IssuerKey {
    IssuerKey::from_seed(&[seed; 32]).expect("a 32-byte seed is a key")
}

impl World {
    fn new() -> World {
        let root = key(1);
        let issuer = key(2);
        let device = SigningKey::from_bytes(&[3; 32]);
        let mut trust = TrustList::new(PROJECT);
        trust.version = 1;
        trust.issued_at = NOW - 86_400;
        trust.expires_at = NOW + 30 * 86_400;
        trust
            .upsert_issuer(IssuerEntry {
                key_id: issuer.key_id(),
                public_key: issuer.public_key().to_bytes(),
                name: "Landkreis Fuzz".into(),
                roles: Roles::of(&Role::ALL),
                regions: Some(vec![REGION]),
                card_types: CardType::Standard.bit() | CardType::Gold.bit(),
                valid_from: JAN_2026,
                valid_until: JAN_2031,
                withdrawn: false,
            })
            .expect("the fixed issuer entry is valid");
        let trust_bytes = trust.sign(&root).expect("the fixed trust list signs");
        let revoked: Vec<CardId> = vec![[7; 8], [9; 8]];
        let revocation_bytes =
            RevocationList::new(1, NOW - 3600, NOW + 86_400, revoked).sign(&issuer);
        let verifier = verifier_with(&root, &trust_bytes, Some(&revocation_bytes));
        World {
            root,
            issuer,
            device,
            trust,
            trust_bytes,
            revocation_bytes,
            verifier,
        }
    }
}

/// A fresh verifier (no replay cache) with the given trust list and revocation list loaded.
pub fn verifier_with(root: &IssuerKey, trust: &[u8], revocation: Option<&[u8]>) -> Verifier {
    let mut verifier = Verifier::with_settings(root.public_key(), 300, 0);
    verifier
        .load_trust_list(trust)
        .expect("the fixed trust list loads");
    if let Some(list) = revocation {
        verifier
            .load_revocation_list(list)
            .expect("the fixed revocation list loads");
    }
    verifier
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::new)
}

/// The mode byte and the rest of the input.
pub fn split_mode(data: &[u8]) -> Option<(u8, &[u8])> {
    let (&mode, rest) = data.split_first()?;
    Some((mode, rest))
}
