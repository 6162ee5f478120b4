//! Feed manifests: mode 0 the bytes as a signed manifest, mode 1 the bytes as the payload
//! signed by the trusted issuer.
#![no_main]

use ehk_core::cose;
use ehk_core::feed::manifest::{safe_artifact_name, Manifest};
use ehk_fuzz::{split_mode, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = split_mode(data) else {
        return;
    };
    let w = world();
    let signed;
    let bytes = if mode % 2 == 0 {
        rest
    } else {
        signed = cose::sign(&w.issuer, rest.to_vec());
        &signed
    };
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
