//! Our cards checked by independent implementations: pycose verifies the COSE_Sign1 with only
//! the issuer's public key, and zbarimg reads our QR PNGs back to the exact text.

use ehk_core::card::presentation;
use ehk_core::card::qr::QrPayload;
use ehk_core::{CardType, Day, IssuerKey};
use ehk_issuer::qr_image::render_png;
use ehk_issuer::{issue_card, CardRequest};
use ehk_scenarios::{interop_dir, python_with_pycose, zbarimg};
use std::process::Command;

const NOW: i64 = 1_795_953_600;

fn request(device_key: Option<[u8; 32]>) -> CardRequest {
    CardRequest {
        holder_name: "Jürgen Weiß-Özdemir".into(),
        birthday: Day::from_ymd(1975, 2, 3),
        card_type: CardType::Standard,
        project_id: 1,
        region_id: 9162,
        valid_from: Day::from_ymd(2026, 1, 1).unwrap(),
        valid_until: Day::from_ymd(2028, 12, 31),
        device_key,
    }
}

fn pycose(public_hex: &str, credential: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credential.cbor");
    std::fs::write(&file, credential).unwrap();
    Command::new(python_with_pycose())
        .arg(interop_dir().join("pycose_verify.py"))
        .arg(public_hex)
        .arg(&file)
        .output()
        .expect("run python")
}

#[test]
fn pycose_verifies_an_issued_credential_with_the_issuer_public_key_only() {
    let issuer = IssuerKey::generate().unwrap();
    let device = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let public_hex = hex::encode(issuer.public_key().as_bytes());
    for device_key in [None, Some(device.verifying_key().to_bytes())] {
        let (credential, claims) = issue_card(&issuer, &request(device_key), NOW).unwrap();
        let out = pycose(&public_hex, &credential);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "pycose refused: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("\"1\": \"{}\"", claims.card_id_hex())),
            "{stdout}"
        );
        assert!(
            stdout.contains("\"2\": \"J\\u00fcrgen Wei\\u00df-\\u00d6zdemir\""),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("\"kid\": \"{}\"", issuer.key_id())),
            "{stdout}"
        );
        assert!(stdout.contains("\"6\": 9162"), "{stdout}");
        assert_eq!(
            stdout.contains("\"10\": "),
            device_key.is_some(),
            "{stdout}"
        );

        // A changed byte in the payload, or another issuer's key, fails in pycose as well.
        let mut tampered = credential.clone();
        let at = tampered.windows(3).position(|w| w == b"rge").unwrap();
        tampered[at] = b'X';
        assert_eq!(pycose(&public_hex, &tampered).status.code(), Some(1));
        let other = IssuerKey::generate().unwrap();
        assert_eq!(
            pycose(&hex::encode(other.public_key().as_bytes()), &credential)
                .status
                .code(),
            Some(1)
        );
    }
}

#[test]
fn zbarimg_reads_our_png_back_to_the_exact_text() {
    let issuer = IssuerKey::generate().unwrap();
    let device = ed25519_dalek::SigningKey::from_bytes(&[6; 32]);
    let (static_card, _) = issue_card(&issuer, &request(None), NOW).unwrap();
    let (bound_card, _) = issue_card(
        &issuer,
        &request(Some(device.verifying_key().to_bytes())),
        NOW,
    )
    .unwrap();
    let live = presentation::create(&bound_card, &device, NOW).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in [
        QrPayload::Credential(static_card).encode(),
        QrPayload::Presentation(live).encode(),
    ]
    .iter()
    .enumerate()
    {
        let png = dir.path().join(format!("code{i}.png"));
        std::fs::write(&png, render_png(text, 4).unwrap()).unwrap();
        let out = Command::new(zbarimg())
            .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
            .arg(&png)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "zbarimg failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = String::from_utf8(out.stdout).unwrap();
        assert_eq!(read.strip_suffix('\n').unwrap_or(&read), text);
    }
}

/// A star-shaped ring around `c`, closed, in (lon, lat): vertices at jittered, evenly spread
/// angles, so no edge comes closer to `c` than `r_min * cos(1.5 π / vertices)`.
fn star(
    rng: &mut impl rand::Rng,
    c: (f64, f64),
    vertices: usize,
    r_min: f64,
    r_max: f64,
) -> Vec<[f64; 2]> {
    let step = std::f64::consts::TAU / vertices as f64;
    let angles: Vec<f64> = (0..vertices)
        .map(|k| k as f64 * step + rng.gen_range(-0.25..0.25) * step)
        .collect();
    let mut ring: Vec<[f64; 2]> = angles
        .iter()
        .map(|a| {
            let r = rng.gen_range(r_min..r_max);
            [c.1 + r * a.cos(), c.0 + r * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

#[test]
fn polygon_containment_agrees_with_shapely() {
    use ehk_core::news::geometry::Shape;
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let to_ring =
        |r: &[[f64; 2]]| LineString(r.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    let mut cases = Vec::new();
    let mut total_points = 0;
    for _ in 0..2_000 {
        let centre = (rng.gen_range(47.3..55.0), rng.gen_range(5.9..15.0));
        let size = rng.gen_range(0.001..0.05);
        let parts = if rng.gen_bool(0.3) { 2 } else { 1 };
        let mut coordinates = Vec::new();
        let mut polygons = Vec::new();
        for part in 0..parts {
            let c = (centre.0, centre.1 + part as f64 * size * 3.0);
            let vertices = rng.gen_range(6..60);
            let outer = star(&mut rng, c, vertices, size * 0.5, size);
            let mut rings = vec![outer.clone()];
            if rng.gen_bool(0.5) {
                // A hole well inside every outer vertex: a regular polygon of a smaller radius.
                let n = rng.gen_range(3..12);
                let r = size * 0.3;
                let mut hole: Vec<[f64; 2]> = (0..n)
                    .map(|k| {
                        let a = k as f64 / n as f64 * std::f64::consts::TAU;
                        [c.1 + r * a.cos(), c.0 + r * a.sin()]
                    })
                    .collect();
                hole.push(hole[0]);
                rings.push(hole);
            }
            polygons.push(Polygon::new(
                to_ring(&rings[0]),
                rings[1..].iter().map(|h| to_ring(h)).collect(),
            ));
            coordinates.push(rings);
        }
        let shape = Shape::Polygons(MultiPolygon(polygons));
        let mut points = Vec::new();
        for _ in 0..5 {
            // Within the bounding area, plus points hugging a vertex.
            let p = if rng.gen_bool(0.8) {
                [
                    centre.1 + rng.gen_range(-size..size * (3 * parts) as f64),
                    centre.0 + rng.gen_range(-size..size),
                ]
            } else {
                let v = coordinates[0][0][rng.gen_range(0..coordinates[0][0].len())];
                [
                    v[0] + rng.gen_range(-1e-6..1e-6),
                    v[1] + rng.gen_range(-1e-6..1e-6),
                ]
            };
            points.push(p);
        }
        let inside: Vec<bool> = points
            .iter()
            .map(|p| shape.contains((p[1], p[0])))
            .collect();
        total_points += points.len();
        cases.push(
            serde_json::json!({"coordinates": coordinates, "points": points, "inside": inside}),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.json");
    std::fs::write(&file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let out = Command::new(python_with_pycose())
        .arg(interop_dir().join("shapely_contains.py"))
        .arg(&file)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "compared {total_points} points in 2000 areas, 0 disagreements"
        )),
        "{stdout}"
    );
}
