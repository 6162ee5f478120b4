//! Trust lists: mode 0 the bytes as a signed list, mode 1 the bytes as the payload signed by
//! the root key. A list that verifies is loaded into a verifier and asked about its issuers.
#![no_main]

use ehk_core::card::claims::CardType;
use ehk_core::card::verify::Verifier;
use ehk_core::trust::list::{SignedObject, TrustList};
use ehk_fuzz::{signed_object, world, NOW, PROJECT, REGION};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some(bytes) = signed_object(data, &w.root) else {
        return;
    };
    let bytes = &bytes[..];
    let root = w.root.public_key();
    let Ok(list) = TrustList::verify(bytes, &root) else {
        return;
    };
    for entry in &list.issuers {
        for what in [
            SignedObject::Card {
                project_id: PROJECT,
                region_id: REGION,
                card_type: CardType::Standard,
                issued_at: NOW,
            },
            SignedObject::RevocationList,
            SignedObject::StoreFeed {
                now: NOW,
                scope: ehk_core::Scope::Signature,
            },
            SignedObject::NewsBundle {
                now: NOW,
                scope: ehk_core::Scope::Signature,
            },
        ] {
            let _ = list.authorize(entry.key_id, what);
            let _ = list.authorized_key(entry.key_id, what);
        }
    }
    let mut verifier = Verifier::with_settings(root, 300, 0);
    if verifier.load_trust_list(bytes).is_ok() {
        // The fixed list is version 1: a fuzzed one replaces it or is refused as older.
        let _ = verifier.load_trust_list(&w.trust_bytes);
        let _ = verifier.load_revocation_list(&w.revocation_bytes);
    }
});
