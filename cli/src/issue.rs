//! `ehk issue` (one card, or a batch from CSV) and `ehk revoke`: the issuer's side.

use crate::files::{read, write_atomic, CliResult};
use crate::output::write_card_files;
use clap::Args;
use ehk_core::card::claims::CardClaims;
use ehk_core::{Day, IssuerKey, QrPayload, RevocationList};
use ehk_issuer::batch::{
    check_csv, issue_csv, request_from_fields, BatchDefaults, CardFields, Progress,
};
use ehk_issuer::csv_input::parse_date;
use ehk_issuer::issue::check_request;
use ehk_issuer::{issue_card, CardRequest};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct IssueArgs {
    /// The issuer's secret key file (must not be readable by others).
    #[arg(long)]
    key: PathBuf,
    #[arg(long)]
    project: u32,
    /// Directory for each card's QR code as .txt, .png and .svg.
    #[arg(long)]
    out_dir: PathBuf,
    /// Issue every row of this CSV file: UTF-8 or Windows-1252, comma, semicolon or tab;
    /// columns Name (or Vorname and Nachname), Geburtsdatum, Kartentyp, Region, Gültig ab,
    /// Gültig bis, deviceKey, or their English names (see the README). Unknown columns are
    /// refused.
    #[arg(long, conflicts_with = "name")]
    csv: Option<PathBuf>,
    /// Holder name (for a single card).
    #[arg(long, required_unless_present = "csv")]
    name: Option<String>,
    #[arg(long)]
    birthday: Option<String>,
    /// A gold card never expires.
    #[arg(long)]
    gold: bool,
    /// Region id; in a CSV batch, the default for rows without one.
    #[arg(long)]
    region: Option<u32>,
    /// First valid day (YYYY-MM-DD or D.M.YYYY); default today.
    #[arg(long)]
    valid_from: Option<String>,
    /// Last valid day (YYYY-MM-DD or D.M.YYYY); default three years from today.
    #[arg(long)]
    valid_until: Option<String>,
    /// The holder device's public key (hex), for a device-bound card.
    #[arg(long)]
    device_key: Option<String>,
    /// Do not print the QR code to the terminal.
    #[arg(long)]
    quiet: bool,
    /// Check everything and print what would be issued, without signing or writing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
pub struct RevokeArgs {
    /// The issuer's secret key file.
    #[arg(long)]
    key: PathBuf,
    /// The revocation list file; created when missing, otherwise extended to the next version.
    #[arg(long)]
    list: PathBuf,
    #[arg(long, default_value_t = 7)]
    expires_days: i64,
    /// Card ids (16 hex digits) to revoke. None: just re-sign with a new expiry.
    card_ids: Vec<String>,
}

pub fn run_issue(a: IssueArgs, now: i64) -> CliResult {
    let key = IssuerKey::read_secret_file(&a.key)?;
    match &a.csv {
        Some(csv) if a.dry_run => check_batch(&a, csv, now),
        Some(csv) => {
            std::fs::create_dir_all(&a.out_dir)?;
            issue_batch(&a, &key, csv, now)
        }
        None => {
            let fields = CardFields {
                name: a.name.as_deref().unwrap_or_default(),
                birthday: a.birthday.as_deref().unwrap_or_default(),
                card_type: if a.gold { "gold" } else { "standard" },
                region_id: "",
                valid_from: a.valid_from.as_deref().unwrap_or_default(),
                valid_until: a.valid_until.as_deref().unwrap_or_default(),
                device_key: a.device_key.as_deref().unwrap_or_default(),
            };
            let request = request_from_fields(&fields, &defaults(&a)?, now)?;
            if a.dry_run {
                check_request(&request, now)?;
                println!("dry run: would issue {}", planned(&request));
                println!("nothing signed or written");
                return Ok(ExitCode::SUCCESS);
            }
            std::fs::create_dir_all(&a.out_dir)?;
            let (credential, claims) = issue_card(&key, &request, now)?;
            let text = QrPayload::Credential(credential).encode();
            write_card_files(&a.out_dir, &claims.card_id_hex(), &text)?;
            describe(&claims, &text);
            if !a.quiet {
                println!("{}", ehk_issuer::qr_image::render_terminal(&text)?);
            }
            println!(
                "files: {}/{}.{{txt,png,svg}}",
                a.out_dir.display(),
                claims.card_id_hex()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn describe(claims: &CardClaims, text: &str) {
    println!(
        "card {} for {}: {}, region {}, valid {} to {}{}",
        claims.card_id_hex(),
        claims.holder_name,
        claims.card_type.as_str(),
        claims.region_id,
        claims.valid_from,
        claims
            .valid_until
            .map_or("forever".to_string(), |d| d.to_string()),
        if claims.device_key.is_some() {
            ", device-bound"
        } else {
            ""
        }
    );
    println!("{text}");
}

/// One line about a card not yet signed.
fn planned(request: &CardRequest) -> String {
    format!(
        "a {} card for {}, region {}, valid {} to {}{}",
        request.card_type.as_str(),
        request.holder_name,
        request.region_id,
        request.valid_from,
        request
            .valid_until
            .map_or("forever".to_string(), |d| d.to_string()),
        if request.device_key.is_some() {
            ", device-bound"
        } else {
            ""
        }
    )
}

/// The exit code of a batch: 3 when rows were skipped.
fn batch_exit(errors: usize) -> ExitCode {
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

/// Checks every row as a real batch would and prints the cards it would issue; signs and
/// writes nothing (not even the output directory).
fn check_batch(a: &IssueArgs, csv_path: &Path, now: i64) -> CliResult {
    let plan = check_csv(&read(csv_path)?, &defaults(a)?, now)?;
    println!("read {}: {}", csv_path.display(), plan.format);
    for card in &plan.cards {
        println!("line {}: would issue {}", card.line, planned(&card.request));
    }
    for error in &plan.errors {
        eprintln!("line {}: would skip: {}", error.line, error.reason);
    }
    println!(
        "dry run: would issue {} card(s), would skip {} bad row(s); nothing signed or written",
        plan.cards.len(),
        plan.errors.len()
    );
    Ok(batch_exit(plan.errors.len()))
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn progress(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

/// Issues every good row; bad rows are reported with their line numbers and skipped.
fn issue_batch(a: &IssueArgs, key: &IssuerKey, csv_path: &Path, now: i64) -> CliResult {
    let defaults = defaults(a)?;
    let bar = Bar(indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cards")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    ));
    let report = issue_csv(key, &read(csv_path)?, &defaults, now, &bar)?;
    bar.0.finish_and_clear();
    if let Some(format) = report.format {
        println!("read {}: {format}", csv_path.display());
    }
    // Names and card codes: written for the owner only (0600), never through the umask.
    let mut summary = csv::Writer::from_writer(Vec::new());
    summary.write_record(["line", "cardId", "name", "qrText"])?;
    for row in &report.issued {
        let card_id = row.claims.card_id_hex();
        write_card_files(&a.out_dir, &card_id, &row.qr_text)?;
        summary.write_record([
            &row.line.to_string(),
            &card_id,
            &row.claims.holder_name,
            &row.qr_text,
        ])?;
    }
    let summary = summary.into_inner().map_err(|e| e.into_error())?;
    ehk_core::atomic_file::write_atomic(&a.out_dir.join("issued.csv"), &summary)?;
    for error in &report.errors {
        eprintln!("line {}: skipped: {}", error.line, error.reason);
    }
    println!(
        "issued {} card(s), skipped {} bad row(s); QR codes and issued.csv in {}",
        report.issued.len(),
        report.errors.len(),
        a.out_dir.display()
    );
    Ok(batch_exit(report.errors.len()))
}

fn parse_day(text: &str, what: &str) -> Result<Day, String> {
    parse_date(text).ok_or_else(|| {
        format!("{what}: '{text}' is not a real date in the form YYYY-MM-DD or D.M.YYYY")
    })
}

fn defaults(a: &IssueArgs) -> Result<BatchDefaults, String> {
    Ok(BatchDefaults {
        project_id: a.project,
        region_id: a.region,
        valid_from: a
            .valid_from
            .as_deref()
            .map(|d| parse_day(d, "--valid-from"))
            .transpose()?,
        valid_until: a
            .valid_until
            .as_deref()
            .map(|d| parse_day(d, "--valid-until"))
            .transpose()?,
    })
}

pub fn run_revoke(a: RevokeArgs, now: i64) -> CliResult {
    let key = IssuerKey::read_secret_file(&a.key)?;
    let mut ids = Vec::new();
    for text in &a.card_ids {
        let id: [u8; 8] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("'{text}' is not a card id (16 hex digits)"))?;
        ids.push(id);
    }
    let (version, mut revoked) = if a.list.exists() {
        let current = RevocationList::verify(&read(&a.list)?, &key.public_key())?;
        (current.version + 1, current.revoked().to_vec())
    } else {
        (1, Vec::new())
    };
    revoked.extend(ids);
    let list = RevocationList::new(version, now, now + a.expires_days.max(1) * 86_400, revoked);
    write_atomic(&a.list, &list.sign(&key))?;
    println!(
        "revocation list version {} with {} card(s): {}",
        list.version,
        list.revoked().len(),
        a.list.display()
    );
    Ok(ExitCode::SUCCESS)
}
