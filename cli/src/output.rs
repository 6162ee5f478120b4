//! Writing a card's QR code as text, PNG and SVG, and the JSON form of a verification.

use ehk_core::atomic_file::write_atomic;
use ehk_core::{Flag, Lang, PresentationKind, Verification};
use ehk_issuer::qr_image::{render_png, render_svg};
use serde_json::{json, Value};
use std::path::Path;

pub fn write_card_files(
    dir: &Path,
    stem: &str,
    text: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    // A card's code is the card: its files are the owner's alone (0600), like the keys.
    write_atomic(
        &dir.join(format!("{stem}.txt")),
        format!("{text}\n").as_bytes(),
    )?;
    write_atomic(&dir.join(format!("{stem}.png")), &render_png(text, 6)?)?;
    write_atomic(
        &dir.join(format!("{stem}.svg")),
        render_svg(text)?.as_bytes(),
    )?;
    Ok(())
}

fn flags(flags: &[Flag], lang: Lang) -> Vec<Value> {
    flags
        .iter()
        .map(|f| json!({"code": f.code(), "text": f.text(lang)}))
        .collect()
}

pub fn verification_json(v: &Verification, lang: Lang) -> Value {
    match v {
        Verification::Valid(c) => json!({
            "valid": true,
            "holderName": c.holder_name,
            "birthday": c.birthday.map(|d| d.to_string()),
            "cardType": c.card_type.as_str(),
            "cardId": c.card_id,
            "projectId": c.project_id,
            "regionId": c.region_id,
            "validFrom": c.valid_from.to_string(),
            "validUntil": c.valid_until.map(|d| d.to_string()),
            "issuer": c.issuer_name,
            "presentation": match c.kind { PresentationKind::Static => "static", PresentationKind::DeviceBound => "device-bound" },
            "presentationAgeSecs": c.presentation_age_secs,
            "trustListVersion": c.trust_list_version,
            "trustListAgeSecs": c.trust_list_age_secs,
            "firstSeenAt": c.first_seen_at,
            "flags": flags(&c.flags, lang),
        }),
        Verification::Invalid(r) => json!({
            "valid": false,
            "reason": r.code(),
            "text": r.text(lang),
        }),
    }
}

pub fn verification_text(v: &Verification, lang: Lang) -> String {
    match v {
        Verification::Valid(c) => {
            let mut out = format!(
                "VALID  {}\n  {} card, region {}, valid until {}, issued by {}\n  {}",
                c.holder_name,
                c.card_type.as_str(),
                c.region_id,
                c.valid_until
                    .map_or("forever".to_string(), |d| d.to_string()),
                c.issuer_name,
                match c.kind {
                    PresentationKind::Static => "static card".to_string(),
                    PresentationKind::DeviceBound => format!(
                        "live code from the holder's phone, {} s old",
                        c.presentation_age_secs.unwrap_or(0)
                    ),
                },
            );
            if let Some(b) = c.birthday {
                out.push_str(&format!("\n  birthday {b}"));
            }
            out.push_str(&format!(
                "\n  trust list v{}, {} h old",
                c.trust_list_version,
                c.trust_list_age_secs / 3600
            ));
            for f in &c.flags {
                out.push_str(&format!("\n  ! {}", f.text(lang)));
            }
            out
        }
        Verification::Invalid(r) => format!("INVALID  {}  [{}]", r.text(lang), r.code()),
    }
}
