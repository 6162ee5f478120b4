//! Revocation lists: mode 0 the bytes as a signed list, mode 1 the bytes as the payload signed
//! by the trusted issuer. A list that verifies is loaded into a verifier over the fixed one.
#![no_main]

use ehk_core::trust::revocation::RevocationList;
use ehk_fuzz::{signed_object, verifier_with, world};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let w = world();
    let Some(bytes) = signed_object(data, &w.issuer) else {
        return;
    };
    let bytes = &bytes[..];
    let _ = RevocationList::signer(bytes);
    let Ok(list) = RevocationList::verify(bytes, &w.issuer.public_key()) else {
        return;
    };
    for id in list.revoked() {
        assert!(list.is_revoked(id));
    }
    let mut verifier = verifier_with(&w.root, &w.trust_bytes, Some(&w.revocation_bytes));
    let _ = verifier.load_revocation_list(bytes);
});
