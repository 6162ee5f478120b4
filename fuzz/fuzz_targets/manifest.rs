//! Feed manifests: mode 0 the bytes as a signed manifest, mode 1 the bytes as the payload
//! signed by the trusted issuer.
#![no_main]

use ehk_core::feed::manifest::{safe_artifact_name, Manifest};
use ehk_fuzz::{signed_object, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some(bytes) = signed_object(data, &w.issuer) else {
        return;
    };
    let bytes = &bytes[..];
    let _ = Manifest::signer(bytes);
    let unverified = Manifest::unverified(bytes);
    let verified = Manifest::verify(bytes, &w.issuer.public_key());
    if let Ok(manifest) = &verified {
        assert_eq!(unverified.as_ref().ok(), Some(manifest));
        assert!(manifest
            .artifacts
            .iter()
            .all(|a| safe_artifact_name(&a.name)));
    }
});
