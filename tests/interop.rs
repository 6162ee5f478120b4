//! Our cards checked by independent implementations: pycose verifies the COSE_Sign1 with only
//! the issuer's public key, and zbarimg reads our QR PNGs back to the exact text.

use ehk_core::card::presentation;
use ehk_core::card::qr::{render_png, QrPayload};
use ehk_core::{issue_card, CardRequest, CardType, Day, IssuerKey};
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
