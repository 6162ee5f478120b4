//! News bundles: mode 0 the bytes as a signed bundle, mode 1 the bytes as the payload signed by
//! the trusted issuer (which holds the news role).
#![no_main]

use ehk_core::news::model::NewsBundle;
use ehk_fuzz::{signed_object, world, NOW};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some(bytes) = signed_object(data, &w.issuer) else {
        return;
    };
    let bytes = &bytes[..];
    let _ = NewsBundle::signer(bytes);
    if let Ok(bundle) = NewsBundle::verify(bytes, &w.issuer.public_key()) {
        for item in &bundle.items {
            let _ = item.valid_at(NOW);
        }
    }
});
