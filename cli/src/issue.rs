//! `ehk issue` (one card, or a batch from CSV) and `ehk revoke`: the issuer's side.

use crate::files::{read, write_atomic, CliResult};
use crate::output::write_card_files;
use clap::Args;
use ehk_core::card::claims::CardClaims;
use ehk_core::keys::public_key_from_hex;
use ehk_core::{issue_card, CardRequest, CardType, Day, IssuerKey, QrPayload, RevocationList};
use std::path::PathBuf;
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
    /// Issue every row of this CSV file (header: name,birthday,cardType,regionId,validFrom,validUntil,deviceKey).
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
    /// First valid day (YYYY-MM-DD); default today.
    #[arg(long)]
    valid_from: Option<String>,
    /// Last valid day (YYYY-MM-DD); default three years from today.
    #[arg(long)]
    valid_until: Option<String>,
    /// The holder device's public key (hex), for a device-bound card.
    #[arg(long)]
    device_key: Option<String>,
    /// Do not print the QR code to the terminal.
    #[arg(long)]
    quiet: bool,
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

struct Fields<'a> {
    name: &'a str,
    birthday: &'a str,
    card_type: &'a str,
    region: &'a str,
    valid_from: &'a str,
    valid_until: &'a str,
    device_key: &'a str,
}

fn build_request(
    f: &Fields,
    project: u32,
    default_region: Option<u32>,
    now: i64,
) -> Result<CardRequest, String> {
    let today = Day::in_berlin(now).ok_or("the clock is out of range")?;
    let name = f.name.trim();
    if name.is_empty() {
        return Err("name is empty".into());
    }
    let date = |text: &str, what: &str| -> Result<Option<Day>, String> {
        if text.trim().is_empty() {
            Ok(None)
        } else {
            Day::parse(text)
                .map(Some)
                .ok_or(format!("{what} '{}' is not YYYY-MM-DD", text.trim()))
        }
    };
    let card_type = CardType::parse(f.card_type)
        .ok_or(format!("unknown card type '{}'", f.card_type.trim()))?;
    let region_id = if f.region.trim().is_empty() {
        default_region.ok_or("no region id (column regionId or --region)")?
    } else {
        f.region
            .trim()
            .parse()
            .map_err(|_| format!("region id '{}' is not a number", f.region.trim()))?
    };
    let valid_from = date(f.valid_from, "valid-from")?.unwrap_or(today);
    let valid_until = match card_type {
        CardType::Gold => None,
        CardType::Standard => Some(
            date(f.valid_until, "valid-until")?.unwrap_or_else(|| valid_from.add_days(3 * 365)),
        ),
    };
    let device_key = if f.device_key.trim().is_empty() {
        None
    } else {
        Some(
            public_key_from_hex(f.device_key)
                .map_err(|_| "device key is not a 64-hex-digit Ed25519 public key".to_string())?
                .to_bytes(),
        )
    };
    Ok(CardRequest {
        holder_name: name.to_string(),
        birthday: date(f.birthday, "birthday")?,
        card_type,
        project_id: project,
        region_id,
        valid_from,
        valid_until,
        device_key,
    })
}

pub fn run_issue(a: IssueArgs, now: i64) -> CliResult {
    let key = IssuerKey::read_secret_file(&a.key)?;
    std::fs::create_dir_all(&a.out_dir)?;
    match &a.csv {
        Some(csv) => issue_batch(&a, &key, csv, now),
        None => {
            let fields = Fields {
                name: a.name.as_deref().unwrap_or_default(),
                birthday: a.birthday.as_deref().unwrap_or_default(),
                card_type: if a.gold { "gold" } else { "standard" },
                region: "",
                valid_from: a.valid_from.as_deref().unwrap_or_default(),
                valid_until: a.valid_until.as_deref().unwrap_or_default(),
                device_key: a.device_key.as_deref().unwrap_or_default(),
            };
            let request = build_request(&fields, a.project, a.region, now)?;
            let (credential, claims) = issue_card(&key, &request, now)?;
            let text = QrPayload::Credential(credential).encode();
            write_card_files(&a.out_dir, &claims.card_id_hex(), &text)?;
            describe(&claims, &text);
            if !a.quiet {
                println!("{}", ehk_core::card::qr::render_terminal(&text)?);
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

/// Issues every good row; bad rows are reported with their line numbers and skipped.
fn issue_batch(a: &IssueArgs, key: &IssuerKey, csv_path: &PathBuf, now: i64) -> CliResult {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(std::io::Cursor::new(read(csv_path)?));
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let name_col = column("name").ok_or("the CSV header has no 'name' column")?;
    let cols = [
        column("birthday"),
        column("cardType"),
        column("regionId"),
        column("validFrom"),
        column("validUntil"),
        column("deviceKey"),
    ];
    let mut summary = csv::Writer::from_path(a.out_dir.join("issued.csv"))?;
    summary.write_record(["line", "cardId", "name", "qrText"])?;
    let (mut issued, mut failed) = (0usize, 0usize);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                eprintln!("line {line}: skipped: {e}");
                failed += 1;
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("");
        let fields = Fields {
            name: get(Some(name_col)),
            birthday: get(cols[0]),
            card_type: get(cols[1]),
            region: get(cols[2]),
            valid_from: get(cols[3]),
            valid_until: get(cols[4]),
            device_key: get(cols[5]),
        };
        let result = build_request(&fields, a.project, a.region, now)
            .and_then(|req| issue_card(key, &req, now).map_err(|e| e.to_string()));
        match result {
            Ok((credential, claims)) => {
                let text = QrPayload::Credential(credential).encode();
                write_card_files(&a.out_dir, &claims.card_id_hex(), &text)?;
                summary.write_record([
                    line.to_string(),
                    claims.card_id_hex(),
                    claims.holder_name.clone(),
                    text,
                ])?;
                issued += 1;
            }
            Err(reason) => {
                eprintln!("line {line}: skipped: {reason}");
                failed += 1;
            }
        }
    }
    summary.flush()?;
    println!(
        "issued {issued} card(s), skipped {failed} bad row(s); QR codes and issued.csv in {}",
        a.out_dir.display()
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
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
