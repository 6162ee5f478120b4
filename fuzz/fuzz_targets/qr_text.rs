//! The text a scanner read, as the verifier gets it: prefix, Base45, then the whole check.
#![no_main]

use ehk_core::card::qr::QrPayload;
use ehk_fuzz::{world, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(payload) = QrPayload::decode(text) {
        // One encoding per byte string: what decodes encodes back to the same text.
        assert_eq!(payload.encode(), text);
    }
    let _ = world().verifier.verify(text, NOW);
});
