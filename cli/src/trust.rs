//! `ehk key ...` and `ehk trust ...`: the root's side.

use crate::files::{read, write_atomic, CliResult};
use clap::{Args, Subcommand};
use ehk_core::keys::{public_key_from_hex, read_public_file};
use ehk_core::{CardType, Day, IssuerEntry, IssuerKey, KeyId, Role, Roles, TrustList};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate a key: FILE gets the secret (mode 0600), FILE.pub the public key.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Start an empty trust list for a project, signed by the root key.
    Init {
        #[arg(long)]
        root_key: PathBuf,
        #[arg(long)]
        project: u32,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 90)]
        expires_days: i64,
    },
    /// Add an issuer key (or update its entry) and sign the next version.
    AddIssuer(AddIssuerArgs),
    /// Mark an issuer key as withdrawn and sign the next version.
    Withdraw {
        #[arg(long)]
        root_key: PathBuf,
        #[arg(long)]
        list: PathBuf,
        /// Key id (8 hex digits) of the issuer key.
        #[arg(long)]
        key_id: String,
        #[arg(long, default_value_t = 90)]
        expires_days: i64,
    },
    /// Check a trust list against the root public key and print it.
    Show {
        #[arg(long)]
        root: PathBuf,
        #[arg(long)]
        list: PathBuf,
    },
}

#[derive(Args)]
pub struct AddIssuerArgs {
    #[arg(long)]
    root_key: PathBuf,
    #[arg(long)]
    list: PathBuf,
    /// The issuer's public key file (or hex).
    #[arg(long)]
    issuer_pub: String,
    #[arg(long)]
    name: String,
    /// Comma-separated among cards, stores, news.
    #[arg(long, default_value = "cards")]
    roles: String,
    /// Comma-separated region ids, or "all".
    #[arg(long)]
    regions: String,
    /// Comma-separated among standard, gold.
    #[arg(long, default_value = "standard,gold")]
    card_types: String,
    /// First day the key may sign (YYYY-MM-DD).
    #[arg(long)]
    valid_from: String,
    /// Last day the key may sign (YYYY-MM-DD).
    #[arg(long)]
    valid_until: String,
    #[arg(long, default_value_t = 90)]
    expires_days: i64,
}

pub fn run_key(cmd: KeyCommand) -> CliResult {
    let KeyCommand::Generate { out } = cmd;
    // `symlink_metadata` also sees a dangling link, which `exists` does not.
    let public = pub_path(&out);
    for path in [&out, &public] {
        if path.symlink_metadata().is_ok() {
            return Err(format!("{} exists; refusing to overwrite a key", path.display()).into());
        }
    }
    let key = IssuerKey::generate()?;
    key.write_secret_file(&out)?;
    key.write_public_file(&public)?;
    println!("key id {}", key.key_id());
    println!("secret key: {} (mode 0600, keep it offline)", out.display());
    println!("public key: {}", public.display());
    Ok(ExitCode::SUCCESS)
}

pub fn pub_path(secret: &Path) -> PathBuf {
    let mut name = secret.as_os_str().to_os_string();
    name.push(".pub");
    PathBuf::from(name)
}

fn day_start(text: &str, what: &str) -> Result<i64, String> {
    Day::parse(text)
        .map(|d| i64::from(d.0) * 86_400)
        .ok_or_else(|| format!("{what}: '{text}' is not a YYYY-MM-DD date"))
}

fn parse_list<T>(
    text: &str,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse(s.trim()).ok_or_else(|| format!("{what}: unknown value '{}'", s.trim())))
        .collect()
}

fn load_signed(root: &IssuerKey, list: &Path) -> CliResult<TrustList> {
    Ok(TrustList::verify(&read(list)?, &root.public_key())?)
}

fn sign_next(
    root: &IssuerKey,
    mut trust: TrustList,
    list: &Path,
    now: i64,
    expires_days: i64,
) -> CliResult {
    trust.version += 1;
    trust.issued_at = now;
    trust.expires_at = now + expires_days.max(1) * 86_400;
    write_atomic(list, &trust.sign(root)?)?;
    println!(
        "trust list version {} with {} issuer(s), expires in {expires_days} days: {}",
        trust.version,
        trust.issuers.len(),
        list.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run_trust(cmd: TrustCommand, now: i64) -> CliResult {
    match cmd {
        TrustCommand::Init {
            root_key,
            project,
            out,
            expires_days,
        } => {
            if out.exists() {
                return Err(
                    format!("{} exists; use add-issuer to change it", out.display()).into(),
                );
            }
            let root = IssuerKey::read_secret_file(&root_key)?;
            sign_next(&root, TrustList::new(project), &out, now, expires_days)
        }
        TrustCommand::AddIssuer(a) => {
            let root = IssuerKey::read_secret_file(&a.root_key)?;
            let mut trust = load_signed(&root, &a.list)?;
            let public = if Path::new(&a.issuer_pub).exists() {
                read_public_file(Path::new(&a.issuer_pub))?
            } else {
                public_key_from_hex(&a.issuer_pub)?
            };
            let roles = parse_list(&a.roles, "--roles", Role::parse)?;
            let regions = if a.regions.trim() == "all" {
                None
            } else {
                Some(parse_list(&a.regions, "--regions", |s| {
                    s.parse::<u32>().ok()
                })?)
            };
            let card_types = parse_list(&a.card_types, "--card-types", CardType::parse)?
                .into_iter()
                .fold(0u8, |acc, t| acc | t.bit());
            let valid_from = day_start(&a.valid_from, "--valid-from")?;
            let valid_until = day_start(&a.valid_until, "--valid-until")? + 86_399;
            if valid_until < valid_from {
                return Err("--valid-until is before --valid-from".into());
            }
            trust.upsert_issuer(IssuerEntry {
                key_id: KeyId::of(&public),
                public_key: public.to_bytes(),
                name: a.name.clone(),
                roles: Roles::of(&roles),
                regions,
                card_types,
                valid_from,
                valid_until,
                withdrawn: false,
            })?;
            println!("issuer '{}' with key id {}", a.name, KeyId::of(&public));
            sign_next(&root, trust, &a.list, now, a.expires_days)
        }
        TrustCommand::Withdraw {
            root_key,
            list,
            key_id,
            expires_days,
        } => {
            let root = IssuerKey::read_secret_file(&root_key)?;
            let mut trust = load_signed(&root, &list)?;
            let entry = trust
                .issuers
                .iter_mut()
                .find(|e| e.key_id.to_hex() == key_id.trim().to_ascii_lowercase())
                .ok_or_else(|| format!("no issuer with key id {key_id}"))?;
            entry.withdrawn = true;
            println!("withdrawn: {} ({})", entry.name, entry.key_id);
            sign_next(&root, trust, &list, now, expires_days)
        }
        TrustCommand::Show { root, list } => {
            let trust = TrustList::verify(&read(&list)?, &read_public_file(&root)?)?;
            println!(
                "trust list version {}, project {}, issued {}, expires {}{}",
                trust.version,
                trust.project_id,
                trust.issued_at,
                trust.expires_at,
                if now > trust.expires_at {
                    " (EXPIRED)"
                } else {
                    ""
                }
            );
            for e in &trust.issuers {
                println!(
                    "  {} {:<30} roles {:<20} regions {:<20} {}",
                    e.key_id,
                    e.name,
                    e.roles.names().join(","),
                    e.regions.as_ref().map_or("all".to_string(), |r| r
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")),
                    if e.withdrawn { "WITHDRAWN" } else { "" }
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
