//! `ehk verify`: the partner shop's offline check.

use crate::files::{read, CliResult};
use crate::output::{verification_json, verification_text};
use clap::Args;
use ehk_core::keys::read_public_file;
use ehk_core::{Lang, Verifier};
use ehk_issuer::qr_image::decode_image;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct VerifyArgs {
    /// The scanned QR text (EK1:... or EP1:...).
    #[arg(required_unless_present = "png")]
    text: Option<String>,
    /// Read the code from an image file instead.
    #[arg(long, conflicts_with = "text")]
    png: Option<PathBuf>,
    /// The root public key file.
    #[arg(long)]
    root: PathBuf,
    /// The root-signed trust list.
    #[arg(long)]
    trust_list: PathBuf,
    /// Issuer revocation lists (repeat the option for several).
    #[arg(long)]
    revocations: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Language of the texts: de or en.
    #[arg(long, default_value = "de")]
    lang: String,
}

pub fn build_verifier(
    root: &PathBuf,
    trust_list: &PathBuf,
    revocations: &[PathBuf],
) -> CliResult<Verifier> {
    let mut verifier = Verifier::new(read_public_file(root)?);
    verifier.load_trust_list(&read(trust_list)?)?;
    for path in revocations {
        verifier
            .load_revocation_list(&read(path)?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(verifier)
}

pub fn run(a: VerifyArgs, now: i64) -> CliResult {
    let lang = match a.lang.as_str() {
        "de" => Lang::De,
        "en" => Lang::En,
        other => return Err(format!("--lang: '{other}' is not de or en").into()),
    };
    let verifier = build_verifier(&a.root, &a.trust_list, &a.revocations)?;
    let text = match (&a.text, &a.png) {
        (Some(t), _) => t.clone(),
        (None, Some(png)) => decode_image(&read(png)?)?
            .into_iter()
            .next()
            .ok_or("no QR code in the image")?,
        (None, None) => return Err("give the QR text or --png FILE".into()),
    };
    let result = verifier.verify(&text, now);
    if a.json {
        println!("{}", verification_json(&result, lang));
    } else {
        println!("{}", verification_text(&result, lang));
    }
    Ok(if result.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
