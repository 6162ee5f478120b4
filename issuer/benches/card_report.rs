//! Prints the card size and verify-cost table of the README, all measured in one run:
//! `cargo bench -p ehk-issuer --bench card_report`.

use ehk_core::card::qr::QrPayload;
use ehk_issuer::bench_fixture::CardBench;
use ehk_issuer::qr_image::qr_version;
use std::hint::black_box;
use std::time::Instant;

const ROUNDS: usize = 41;
const BATCH: usize = 2_000;

fn time_batch(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        f();
    }
    start.elapsed().as_nanos() as f64 / BATCH as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let f = CardBench::new();
    println!("| code | binary bytes | QR text chars | QR version (M) | target |");
    println!("|---|---:|---:|---:|---|");
    for (label, text, target) in [
        (
            "static card, 20-character name",
            &f.static_text,
            "≤ 140 B, ≤ 8-M",
        ),
        (
            "static card, 20-character name + birthday",
            &f.static_birthday_text,
            "≤ 140 B, ≤ 8-M",
        ),
        (
            "device-bound presentation, 20-character name",
            &f.bound_text,
            "≤ 240 B, ≤ 11-M",
        ),
    ] {
        let bytes = QrPayload::decode(text)
            .map(|p| p.bytes().len())
            .unwrap_or(0);
        let version = qr_version(text).unwrap_or(-1);
        println!(
            "| {label} | {bytes} | {} | {version} | {target} |",
            text.len()
        );
    }

    // Interleave the three measurements so machine noise hits them alike.
    let (mut bare, mut stat, mut bound) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        bare.push(time_batch(|| {
            black_box(f.bare_verify());
        }));
        stat.push(time_batch(|| {
            black_box(f.verifier.verify(black_box(&f.static_text), f.now));
        }));
        bound.push(time_batch(|| {
            black_box(f.verifier.verify(black_box(&f.bound_text), f.now));
        }));
    }
    let (bare, stat, bound) = (median(bare), median(stat), median(bound));
    println!();
    println!("| operation | median µs | ratio to bare Ed25519 verify | target |");
    println!("|---|---:|---:|---|");
    println!(
        "| bare Ed25519 verify_strict | {:.1} | 1.00 | |",
        bare / 1e3
    );
    println!(
        "| verify static card (QR text in, result out) | {:.1} | {:.2} | ≤ 1.3 |",
        stat / 1e3,
        stat / bare
    );
    println!(
        "| verify device-bound presentation | {:.1} | {:.2} | ≤ 2.4 |",
        bound / 1e3,
        bound / bare
    );
}
