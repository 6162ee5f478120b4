//! `ehk letter`: activation letters as one PDF, from a CSV file of letters whose codes the
//! activation service already knows, or one demo letter with a fresh code.

use crate::files::{read, write_atomic, CliResult};
use clap::Args;
use ehk_core::activation::ActivationCode;
use ehk_core::{CardType, Day};
use ehk_issuer::letter::{letters_pdf, Letter, LetterFonts, DEBIAN_FONT_DIR};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct LetterArgs {
    /// The PDF to write (one page per letter; readable by its owner only, it holds codes).
    #[arg(long)]
    out: PathBuf,
    /// The activation service's https origin, e.g. https://karte.example.org.
    #[arg(long)]
    service: String,
    /// The sender printed at the top of each letter.
    #[arg(long)]
    issuer_name: String,
    /// Region name for letters (and CSV rows) that name none.
    #[arg(long)]
    region: Option<String>,
    /// Letters from this CSV file (header: name,cardType,region,validFrom,validUntil,code,codeExpires;
    /// an empty validUntil means no expiry).
    #[arg(
        long,
        required_unless_present = "demo_name",
        conflicts_with = "demo_name"
    )]
    csv: Option<PathBuf>,
    /// One demo letter for this holder with a fresh code (valid three years, code for 60 days);
    /// the code is printed, since no service knows it.
    #[arg(long)]
    demo_name: Option<String>,
    /// Directory with DejaVuSans.ttf, DejaVuSans-Bold.ttf and DejaVuSansMono-Bold.ttf.
    #[arg(long, default_value = DEBIAN_FONT_DIR)]
    font_dir: PathBuf,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    name: String,
    #[serde(default)]
    card_type: String,
    #[serde(default)]
    region: String,
    valid_from: String,
    #[serde(default)]
    valid_until: String,
    code: String,
    code_expires: String,
}

pub fn run(a: LetterArgs, now: i64) -> CliResult {
    let fonts = LetterFonts::from_dir(&a.font_dir)?;
    let letters = match (&a.csv, &a.demo_name) {
        (Some(csv), _) => read_csv(&a, &read(csv)?, &fonts)?,
        (None, Some(name)) => {
            let today = Day::in_berlin(now).ok_or("the clock is far off")?;
            let letter = Letter {
                holder_name: name.clone(),
                card_type: CardType::Standard,
                region: a.region.clone().unwrap_or_else(|| "Demo".into()),
                valid_from: today,
                valid_until: Some(today.add_days(3 * 365)),
                code: ActivationCode::generate(),
                service_base: a.service.clone(),
                issuer_name: a.issuer_name.clone(),
                code_expires: today.add_days(60),
            };
            vec![letter]
        }
        (None, None) => return Err("give --csv or --demo-name".into()),
    };
    let pdf = letters_pdf(&letters, &fonts)?;
    // Codes are secrets: the file is the owner's only (0600), whatever the umask.
    write_atomic(&a.out, &pdf)?;
    if a.demo_name.is_some() {
        println!("demo code: {}", letters[0].code.grouped());
    }
    println!(
        "{} letter(s), {} bytes: {}",
        letters.len(),
        pdf.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Every row must make a printable letter: the first that does not fails the command, named by
/// its line, before anything is written.
fn read_csv(a: &LetterArgs, bytes: &[u8], fonts: &LetterFonts) -> CliResult<Vec<Letter>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let mut letters = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let row = row.map_err(|e| format!("line {line}: {e}"))?;
        let day = |field: &str, text: &str| {
            Day::parse(text).ok_or_else(|| format!("line {line}: {field} is not YYYY-MM-DD"))
        };
        let region = if row.region.is_empty() {
            a.region
                .clone()
                .ok_or_else(|| format!("line {line}: no region (give --region)"))?
        } else {
            row.region
        };
        let letter = Letter {
            holder_name: row.name,
            card_type: CardType::parse(&row.card_type)
                .ok_or_else(|| format!("line {line}: cardType is standard or gold"))?,
            region,
            valid_from: day("validFrom", &row.valid_from)?,
            valid_until: match row.valid_until.as_str() {
                "" => None,
                text => Some(day("validUntil", text)?),
            },
            code: ActivationCode::parse(&row.code).map_err(|e| format!("line {line}: {e}"))?,
            service_base: a.service.clone(),
            issuer_name: a.issuer_name.clone(),
            code_expires: day("codeExpires", &row.code_expires)?,
        };
        letter
            .check(fonts, letters.len() + 1)
            .map_err(|e| format!("line {line}: {e}"))?;
        letters.push(letter);
    }
    if letters.is_empty() {
        return Err("the CSV file holds no letters".into());
    }
    Ok(letters)
}
