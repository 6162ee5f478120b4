//! The response bodies of a feed sync, each through the steps the sync applies to that kind of
//! body, with the sync's own limits: the manifest (read unverified to find the trust list, its
//! signer looked up in the trust list, then verified), the trust list (checked against the root
//! key and against the stored one's version), revocation lists and news bundles (signer looked
//! up with the role the sync asks for, verified, version compared with the stored one), and the
//! store data (zstd expanded up to the sync's default limit, then CBOR). The first byte picks
//! the kind of body.
//!
//! The HTTP exchange itself (reqwest: status, headers, reading the body up to the size the
//! manifest names) needs a socket, which would make a run thousands of times slower; it is
//! exercised by the sync's tests against a local server (core/tests/feed.rs), not here.
#![no_main]

use ehk_core::feed::manifest::{decode_delta, decode_snapshot, ArtifactKind, Manifest};
use ehk_core::feed::SyncOptions;
use ehk_core::news::model::NewsBundle;
use ehk_core::trust::list::{SignedObject, TrustList};
use ehk_core::trust::revocation::RevocationList;
use ehk_core::trust::versions::not_older;
use ehk_fuzz::{split_mode, world, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, body)) = split_mode(data) else {
        return;
    };
    let w = world();
    let options = SyncOptions::new(w.root.public_key(), 1);
    match mode % 6 {
        0 => {
            let Ok(unverified) = Manifest::unverified(body) else {
                return;
            };
            let _ = unverified
                .artifacts
                .iter()
                .find(|a| matches!(a.kind, ArtifactKind::TrustList { .. }));
            let Ok(signer) = Manifest::signer(body) else {
                return;
            };
            let Ok(key) = w.trust.authorized_key(
                signer,
                SignedObject::StoreFeed {
                    now: NOW,
                    scope: ehk_core::Scope::Signature,
                },
            ) else {
                return;
            };
            let _ = Manifest::verify(body, &key);
        }
        1 => {
            if let Ok(list) = TrustList::verify(body, &options.root) {
                let _ = not_older("trust list", (list.version, body), (1, &w.trust_bytes));
            }
        }
        2 => {
            let Ok(signer) = RevocationList::signer(body) else {
                return;
            };
            let Ok(key) = w.trust.authorized_key(signer, SignedObject::RevocationList) else {
                return;
            };
            if let Ok(list) = RevocationList::verify(body, &key) {
                let _ = not_older(
                    "revocation list",
                    (list.version, body),
                    (1, &w.revocation_bytes),
                );
            }
        }
        3 => {
            let Ok(signer) = NewsBundle::signer(body) else {
                return;
            };
            let Ok(key) = w.trust.authorized_key(
                signer,
                SignedObject::NewsBundle {
                    now: NOW,
                    scope: ehk_core::Scope::Signature,
                },
            ) else {
                return;
            };
            let _ = NewsBundle::verify(body, &key);
        }
        4 => {
            let _ = decode_snapshot(body, options.max_expanded_bytes);
        }
        _ => {
            let _ = decode_delta(body, options.max_expanded_bytes);
        }
    }
});
