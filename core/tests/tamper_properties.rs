//! No single-bit or single-character change of a valid code is ever accepted, and no input,
//! however broken, makes the verifier panic.

mod common;
use common::*;
use ehk_core::*;
use proptest::prelude::*;
use std::sync::OnceLock;

const BASE45: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

struct Fixture {
    world: World,
    static_text: String,
    bound_text: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let world = World::new();
        let mut req = request("Erika Mustermann-Gabler");
        req.birthday = Day::from_ymd(1980, 5, 17);
        let (static_text, _) = world.issue(&req);
        let (wallet, card_id) = wallet_with_bound_card(&world);
        let bound_text = wallet.present(&card_id, NOW).unwrap();
        Fixture {
            world,
            static_text,
            bound_text,
        }
    })
}

fn check_never_valid(f: &Fixture, text: &str, variant: &str) {
    let v = f.world.verifier.verify(variant, NOW);
    assert!(
        !v.is_valid() || variant == text,
        "a changed code was accepted: {variant}"
    );
}

#[test]
fn every_single_bit_flip_of_the_text_is_refused() {
    let f = fixture();
    for text in [&f.static_text, &f.bound_text] {
        assert!(f.world.verifier.verify(text, NOW).is_valid());
        let bytes = text.as_bytes();
        let mut tried = 0;
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut changed = bytes.to_vec();
                changed[i] ^= 1 << bit;
                // A flip into a non-UTF-8 byte cannot even reach the verifier as text.
                if let Ok(variant) = std::str::from_utf8(&changed) {
                    check_never_valid(f, text, variant);
                    tried += 1;
                }
            }
        }
        assert!(tried >= bytes.len() * 7);
    }
}

#[test]
fn every_single_bit_flip_of_the_binary_is_refused() {
    let f = fixture();
    for text in [&f.static_text, &f.bound_text] {
        let payload = QrPayload::decode(text).unwrap();
        let bytes = payload.bytes().to_vec();
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut changed = bytes.clone();
                changed[i] ^= 1 << bit;
                let variant = match payload {
                    QrPayload::Credential(_) => QrPayload::Credential(changed),
                    QrPayload::Presentation(_) => QrPayload::Presentation(changed),
                };
                check_never_valid(f, text, &variant.encode());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_single_character_substitution_is_refused(
        bound in any::<bool>(),
        index in any::<prop::sample::Index>(),
        replacement in prop::sample::select(BASE45.chars().chain("ab\u{e4}\n".chars()).collect::<Vec<_>>()),
    ) {
        let f = fixture();
        let text = if bound { &f.bound_text } else { &f.static_text };
        let mut chars: Vec<char> = text.chars().collect();
        let i = index.index(chars.len());
        prop_assume!(chars[i] != replacement);
        chars[i] = replacement;
        let variant: String = chars.into_iter().collect();
        prop_assert!(!f.world.verifier.verify(&variant, NOW).is_valid());
    }

    #[test]
    fn truncated_codes_never_pass_or_panic(bound in any::<bool>(), cut in 0usize..400) {
        let f = fixture();
        let text = if bound { &f.bound_text } else { &f.static_text };
        let cut = cut % text.len();
        prop_assert!(!f.world.verifier.verify(&text[..cut], NOW).is_valid());
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}", now in any::<i64>()) {
        let f = fixture();
        prop_assert!(!f.world.verifier.verify(&text, now).is_valid());
        let prefixed = format!("EK1:{text}");
        prop_assert!(!f.world.verifier.verify(&prefixed, now).is_valid());
    }

    #[test]
    fn random_bytes_behind_each_prefix_never_pass(bytes in prop::collection::vec(any::<u8>(), 0..400), presentation in any::<bool>()) {
        let f = fixture();
        let payload = if presentation { QrPayload::Presentation(bytes) } else { QrPayload::Credential(bytes) };
        prop_assert!(!f.world.verifier.verify(&payload.encode(), NOW).is_valid());
    }

    #[test]
    fn valid_codes_at_any_time_never_panic(now in any::<i64>()) {
        let f = fixture();
        let _ = f.world.verifier.verify(&f.static_text, now);
        let _ = f.world.verifier.verify(&f.bound_text, now);
    }
}
