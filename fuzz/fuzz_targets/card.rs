//! Card credentials and presentations (COSE_Sign1 with CBOR claims) through the verifier.
//! Mode 0: the bytes as a static card's credential; 1: as a presentation; 2: the bytes as the
//! claims of a credential signed by the trusted issuer; 3: the same credential inside a
//! presentation signed by the fixed device key at the verifier's time.
#![no_main]

use ehk_core::card::claims::CardClaims;
use ehk_core::card::presentation;
use ehk_core::card::qr::QrPayload;
use ehk_core::cose::{self, SignedEnvelope};
use ehk_fuzz::{split_mode, world, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = split_mode(data) else {
        return;
    };
    let w = world();
    let qr = match mode % 4 {
        0 => QrPayload::Credential(rest.to_vec()),
        1 => QrPayload::Presentation(rest.to_vec()),
        2 => QrPayload::Credential(cose::sign(&w.issuer, rest.to_vec())),
        _ => {
            let credential = cose::sign(&w.issuer, rest.to_vec());
            let Ok(shown) = presentation::create(&credential, &w.device, NOW) else {
                return;
            };
            QrPayload::Presentation(shown)
        }
    };
    if mode % 4 < 2 {
        if let Ok(envelope) = SignedEnvelope::parse(rest) {
            let _ = CardClaims::decode(envelope.unverified_payload());
        }
    }
    let _ = w.verifier.verify(&qr.encode(), NOW);
});
