//! Prints the geofenced news table of the README: 10 000 areas (half circles, half polygons of
//! 20 to 500 vertices) spread over Germany. `cargo bench -p ehk-core --bench news_report`.

use ehk_core::news::geometry::Area;
use ehk_core::news::{NewsBundle, NewsCategory, NewsIndex, NewsItem};
use ehk_core::IssuerKey;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::{Duration, Instant};

const NOW: i64 = 1_795_953_600;

fn percentile_us(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6
}

fn random_position(rng: &mut impl Rng) -> (f64, f64) {
    (rng.gen_range(47.3..55.0), rng.gen_range(5.9..15.0))
}

fn polygon(
    rng: &mut impl Rng,
    c: (f64, f64),
    vertices: usize,
    radius_deg: f64,
) -> MultiPolygon<f64> {
    let step = std::f64::consts::TAU / vertices as f64;
    let mut ring: Vec<Coord<f64>> = (0..vertices)
        .map(|k| {
            let a = k as f64 * step + rng.gen_range(-0.25..0.25) * step;
            let r = radius_deg * rng.gen_range(0.6..1.0);
            Coord {
                x: c.1 + r * a.cos() * 1.5,
                y: c.0 + r * a.sin(),
            }
        })
        .collect();
    ring.push(ring[0]);
    MultiPolygon(vec![Polygon::new(LineString(ring), vec![])])
}

fn main() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let items: Vec<NewsItem> = (0..10_000)
        .map(|i| {
            let c = random_position(&mut rng);
            let area = if i % 2 == 0 {
                Area::Circle {
                    latitude: c.0,
                    longitude: c.1,
                    radius_m: rng.gen_range(100.0..3_000.0),
                }
            } else {
                let vertices = rng.gen_range(20..=500);
                let radius = rng.gen_range(0.002..0.03);
                Area::Polygons(polygon(&mut rng, c, vertices, radius))
            };
            NewsItem {
                id: format!("item-{i}"),
                title_de: format!("Nachricht {i}"),
                title_en: format!("News {i}"),
                body_de: "Ein Angebot für Ehrenamtliche in der Nähe.".into(),
                body_en: "An offer for volunteers nearby.".into(),
                category: [
                    NewsCategory::Event,
                    NewsCategory::Offer,
                    NewsCategory::Notice,
                ][i % 3],
                priority: (i % 5) as u8,
                valid_from: NOW - 86_400,
                valid_until: NOW + 30 * 86_400,
                store_id: None,
                area,
            }
        })
        .collect();
    let key = IssuerKey::from_seed(&[4; 32]).expect("seed");
    let bundle = NewsBundle {
        version: 1,
        issued_at: NOW,
        expires_at: NOW + 86_400,
        items,
        regions: vec![],
    };
    let signed = bundle.sign(&key).expect("sign");

    let mut loads = Vec::new();
    let mut index = None;
    for _ in 0..5 {
        let t = Instant::now();
        let verified = NewsBundle::verify(&signed, &key.public_key()).expect("verify");
        index = Some(NewsIndex::new(&[verified]));
        loads.push(t.elapsed());
    }
    loads.sort();
    let index = index.expect("index");

    // Half the positions inside some area (an area's centre), half anywhere.
    let positions: Vec<(f64, f64)> = (0..2_000)
        .map(|i| {
            if i % 2 == 0 {
                match &bundle.items[rng.gen_range(0..bundle.items.len())].area {
                    Area::Circle {
                        latitude,
                        longitude,
                        ..
                    } => (*latitude, *longitude),
                    Area::Polygons(mp) => {
                        let c = mp.0[0].exterior().0[0];
                        (c.y, c.x)
                    }
                    Area::Regions(_) => random_position(&mut rng),
                }
            } else {
                random_position(&mut rng)
            }
        })
        .collect();
    let mut at: Vec<Duration> = positions
        .iter()
        .map(|p| {
            let t = Instant::now();
            black_box(index.news_at(*p, NOW));
            t.elapsed()
        })
        .collect();
    at.sort();
    let regions = |max: usize| {
        let mut v: Vec<Duration> = positions
            .iter()
            .take(500)
            .map(|p| {
                let t = Instant::now();
                black_box(index.regions_to_monitor(*p, max, NOW));
                t.elapsed()
            })
            .collect();
        v.sort();
        v
    };
    let r20 = regions(20);
    let r100 = regions(100);
    println!("| 10 000 areas (circles and polygons of 20–500 vertices) | p50 | p95 | target |");
    println!("|---|---:|---:|---|");
    println!(
        "| news_at (one position) | {:.1} µs | {:.1} µs | p50 ≤ 20 µs |",
        percentile_us(&at, 0.5),
        percentile_us(&at, 0.95)
    );
    println!(
        "| regions_to_monitor, 20 regions (iOS) | {:.0} µs | {:.0} µs | ≤ 1 ms |",
        percentile_us(&r20, 0.5),
        percentile_us(&r20, 0.95)
    );
    println!(
        "| regions_to_monitor, 100 regions (Android) | {:.0} µs | {:.0} µs | ≤ 1 ms |",
        percentile_us(&r100, 0.5),
        percentile_us(&r100, 0.95)
    );
    println!(
        "| load a signed bundle of 10 000 items ({:.1} MB): verify, decode, index | {:.0} ms | | |",
        signed.len() as f64 / 1e6,
        percentile_us(&loads, 0.5) / 1e3
    );
}
