//! Criterion benchmarks of card verification next to one bare Ed25519 verify.
//! `cargo bench -p ehk-issuer --bench cards`; the ratio table comes from `--bench card_report`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ehk_issuer::bench_fixture::CardBench;

fn verify(c: &mut Criterion) {
    let f = CardBench::new();
    c.bench_function("ed25519 verify_strict (bare)", |b| {
        b.iter(|| black_box(f.bare_verify()))
    });
    c.bench_function("verify static card", |b| {
        b.iter(|| black_box(f.verifier.verify(black_box(&f.static_text), f.now)))
    });
    c.bench_function("verify device-bound presentation", |b| {
        b.iter(|| black_box(f.verifier.verify(black_box(&f.bound_text), f.now)))
    });
}

criterion_group!(benches, verify);
criterion_main!(benches);
