//! One card, one accepted QR text: the parts of a COSE_Sign1 envelope that the signature does
//! not cover (the tag, the array and byte-string heads, the unprotected header) can be
//! re-encoded by anyone without a key. Each such re-encoding is refused, and the replay cache
//! is keyed on what the signatures cover.

mod common;
use common::*;
use ehk_core::cose::{sign, EnvelopeError, SignedEnvelope};
use ehk_core::*;

/// The four parts of a tagged COSE_Sign1 as `sign` writes it: `d2 84 <protected bstr> a0
/// <payload bstr> <signature bstr>`.
struct Parts {
    protected: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

fn read_bstr(bytes: &[u8]) -> (Vec<u8>, &[u8]) {
    let (len, rest) = match bytes[0] {
        b @ 0x40..=0x57 => (usize::from(b - 0x40), &bytes[1..]),
        0x58 => (usize::from(bytes[1]), &bytes[2..]),
        0x59 => (
            usize::from(u16::from_be_bytes([bytes[1], bytes[2]])),
            &bytes[3..],
        ),
        other => panic!("unexpected head {other:#x}"),
    };
    (rest[..len].to_vec(), &rest[len..])
}

fn split(envelope: &[u8]) -> Parts {
    assert_eq!(&envelope[..2], &[0xd2, 0x84], "tag 18, array of four");
    let (protected, rest) = read_bstr(&envelope[2..]);
    assert_eq!(rest[0], 0xa0, "empty unprotected header");
    let (payload, rest) = read_bstr(&rest[1..]);
    let (signature, rest) = read_bstr(rest);
    assert!(rest.is_empty());
    Parts {
        protected,
        payload,
        signature,
    }
}

/// A byte-string head for `len`, in the shortest form or with `extra` more length bytes.
fn bstr(content: &[u8], long_head: bool) -> Vec<u8> {
    let len = content.len();
    let mut out = match (len, long_head) {
        (0..=23, false) => vec![0x40 + len as u8],
        (0..=255, false) => vec![0x58, len as u8],
        (0..=255, true) => vec![0x59, 0, len as u8],
        _ => {
            let mut h = vec![0x5a];
            h.extend_from_slice(&(len as u32).to_be_bytes());
            h
        }
    };
    out.extend_from_slice(content);
    out
}

/// The same byte string as an indefinite-length string of two chunks.
fn chunked(content: &[u8]) -> Vec<u8> {
    let (a, b) = content.split_at(content.len() / 2);
    let mut out = vec![0x5f];
    out.extend(bstr(a, false));
    out.extend(bstr(b, false));
    out.push(0xff);
    out
}

fn assemble(tag: &[u8], array: &[u8], parts: [Vec<u8>; 4], end: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.extend_from_slice(array);
    for p in parts {
        out.extend(p);
    }
    out.extend_from_slice(end);
    out
}

/// Every re-encoding of `envelope` that needs no key.
fn re_encodings(envelope: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let p = split(envelope);
    let canonical = || {
        [
            bstr(&p.protected, false),
            vec![0xa0],
            bstr(&p.payload, false),
            bstr(&p.signature, false),
        ]
    };
    let with = |i: usize, part: Vec<u8>| {
        let mut parts = canonical();
        parts[i] = part;
        parts
    };
    let mut variants = vec![
        (
            "two-byte tag",
            assemble(&[0xd8, 0x12], &[0x84], canonical(), &[]),
        ),
        (
            "indefinite array",
            assemble(&[0xd2], &[0x9f], canonical(), &[0xff]),
        ),
        (
            "indefinite unprotected map",
            assemble(&[0xd2], &[0x84], with(1, vec![0xbf, 0xff]), &[]),
        ),
        (
            "unprotected header with a field",
            assemble(&[0xd2], &[0x84], with(1, vec![0xa1, 0x05, 0x40]), &[]),
        ),
        (
            "protected header with a longer length head",
            assemble(&[0xd2], &[0x84], with(0, bstr(&p.protected, true)), &[]),
        ),
        (
            "chunked protected header",
            assemble(&[0xd2], &[0x84], with(0, chunked(&p.protected)), &[]),
        ),
        (
            "payload with a longer length head",
            assemble(&[0xd2], &[0x84], with(2, bstr(&p.payload, true)), &[]),
        ),
        (
            "chunked payload",
            assemble(&[0xd2], &[0x84], with(2, chunked(&p.payload)), &[]),
        ),
        (
            "signature with a longer length head",
            assemble(&[0xd2], &[0x84], with(3, bstr(&p.signature, true)), &[]),
        ),
        (
            "chunked signature",
            assemble(&[0xd2], &[0x84], with(3, chunked(&p.signature)), &[]),
        ),
        (
            "a trailing byte",
            assemble(&[0xd2], &[0x84], canonical(), &[0x00]),
        ),
    ];
    // The canonical assembly is the original: the variants above differ only in encoding.
    variants.retain(|(_, v)| v != envelope);
    assert_eq!(
        assemble(&[0xd2], &[0x84], canonical(), &[]),
        envelope,
        "the test rebuilds the original exactly"
    );
    variants
}

fn credential_of(text: &str) -> Vec<u8> {
    match QrPayload::decode(text).unwrap() {
        QrPayload::Credential(c) => c,
        QrPayload::Presentation(p) => Presentation::parse(&p).unwrap().credential.to_vec(),
    }
}

#[test]
fn every_keyless_re_encoding_of_a_static_card_is_refused() {
    let world = World::new();
    let (text, _) = world.issue(&request("Erika Mustermann"));
    let envelope = credential_of(&text);
    assert!(world.verifier.verify(&text, NOW).is_valid());
    let variants = re_encodings(&envelope);
    assert_eq!(variants.len(), 11);
    for (what, bytes) in variants {
        let variant = QrPayload::Credential(bytes.clone()).encode();
        assert_eq!(
            world.verifier.verify(&variant, NOW).reason(),
            Some(InvalidReason::DamagedEncoding),
            "{what} was not refused as damaged"
        );
        assert!(
            SignedEnvelope::parse(&bytes).is_err(),
            "{what} parses as an envelope"
        );
    }
    // The genuine text is still the one accepted text, and it is known again on a second scan.
    let Verification::Valid(again) = world.verifier.verify(&text, NOW) else {
        panic!("the genuine text is refused");
    };
    assert!(again.flags.contains(&Flag::RepeatScan));
}

#[test]
fn a_re_encoded_credential_inside_a_device_bound_code_is_refused() {
    let world = World::new();
    let (wallet, card_id) = wallet_with_bound_card(&world);
    let text = wallet.present(&card_id, NOW).unwrap();
    assert!(world.verifier.verify(&text, NOW).is_valid());
    let QrPayload::Presentation(bytes) = QrPayload::decode(&text).unwrap() else {
        panic!("a device-bound code is a presentation");
    };
    let p = Presentation::parse(&bytes).unwrap();
    let suffix = bytes[p.credential.len()..].to_vec();
    for (what, credential) in re_encodings(p.credential) {
        let mut changed = credential;
        changed.extend_from_slice(&suffix);
        let variant = QrPayload::Presentation(changed).encode();
        assert!(
            !world.verifier.verify(&variant, NOW).is_valid(),
            "{what} inside a presentation was accepted"
        );
    }
}

#[test]
fn claims_signed_in_another_encoding_are_refused() {
    let world = World::new();
    let (_, claims) = world.issue(&request("Erika Mustermann"));
    let canonical = claims.encode();
    // The same map with the first two entries swapped: readable, signed, but not the
    // issuer's one encoding.
    let id_entry = 1 + 1 + 8; // key 1, the head of an 8-byte string, the id
    let body = &canonical[1..];
    assert_eq!(body[id_entry], 0x02, "the name follows the id");
    let name_entry = 1 + 1 + usize::from(body[id_entry + 1] - 0x60);
    let mut swapped = vec![canonical[0]];
    swapped.extend_from_slice(&body[id_entry..id_entry + name_entry]);
    swapped.extend_from_slice(&body[..id_entry]);
    swapped.extend_from_slice(&body[id_entry + name_entry..]);
    assert_ne!(swapped, canonical);
    assert_eq!(swapped.len(), canonical.len());
    assert!(CardClaims::decode(&swapped).is_err());
    let text = QrPayload::Credential(sign(&world.issuer, swapped)).encode();
    assert_eq!(
        world.verifier.verify(&text, NOW).reason(),
        Some(InvalidReason::DamagedEncoding)
    );
    // The issuer's own encoding of the same claims is accepted.
    let text = QrPayload::Credential(sign(&world.issuer, canonical)).encode();
    assert!(world.verifier.verify(&text, NOW).is_valid());
}

#[test]
fn the_envelope_parser_names_the_encoding_problem() {
    let key = IssuerKey::generate().unwrap();
    let envelope = sign(&key, b"payload".to_vec());
    assert!(SignedEnvelope::parse(&envelope).is_ok());
    for (what, bytes) in re_encodings(&envelope) {
        let err = SignedEnvelope::parse(&bytes).err();
        assert!(
            matches!(
                err,
                Some(EnvelopeError::NotCanonical) | Some(EnvelopeError::NotCose)
            ),
            "{what}: {err:?}"
        );
    }
}
