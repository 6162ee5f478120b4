//! `ehk wallet`: the holder's side on a computer, the same core the phone apps use.

use crate::files::{read, CliResult};
use crate::verify::build_verifier;
use clap::{Args, Subcommand};
use ehk_core::{ClockStatus, FileKeyStore, Wallet};
use ehk_issuer::qr_image::{decode_image, render_png, render_svg, render_terminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct WalletArgs {
    /// Wallet directory: wallet.db and keys/ (the device key, mode 0600).
    #[arg(long, default_value = "ehk-wallet")]
    dir: PathBuf,
    #[command(subcommand)]
    command: WalletCommand,
}

#[derive(Subcommand)]
enum WalletCommand {
    /// Print this device's public key (created on first use), for a device-bound card.
    DeviceKey,
    /// Add a card from its QR text or an image of it, once it verified against the trust
    /// list and revocation lists.
    Add {
        #[arg(required_unless_present = "png")]
        text: Option<String>,
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
    },
    /// Activate a device-bound card at the issuer's service with the letter's link or code.
    Activate {
        /// The letter's link, or its code as printed.
        link_or_code: String,
        /// The issuer service's URL (https).
        #[arg(long)]
        service: String,
        /// The phone's feed database (as for `ehk sync`): the card is checked against its
        /// trust list, and takes the lists the service sends.
        #[arg(long, default_value = "stores.db")]
        db: PathBuf,
        #[command(flatten)]
        pin: crate::files::PinArgs,
        /// The card is active on another device: move it here (that device's card is revoked).
        #[arg(long = "move")]
        confirm_move: bool,
    },
    /// List the cards with their status.
    List,
    /// Show the QR code to present now (device-bound cards change every 30 seconds).
    Present {
        card_id: String,
        /// Also write the code as PNG.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Also write the code as SVG.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Print only the QR text.
        #[arg(long)]
        text_only: bool,
    },
    /// Remove a card.
    Remove { card_id: String },
}

pub fn open(dir: &PathBuf) -> CliResult<Wallet> {
    std::fs::create_dir_all(dir)?;
    let keys = Arc::new(FileKeyStore::new(dir.join("keys")));
    Ok(Wallet::open(&dir.join("wallet.db"), keys)?)
}

fn warn_about_clock(wallet: &Wallet, now: i64) -> CliResult<()> {
    match wallet.clock_check(now)? {
        ClockStatus::Plausible => {}
        ClockStatus::Behind { by_secs } => eprintln!(
            "warning: this computer's clock is at least {} h behind; codes will be refused",
            by_secs / 3600
        ),
        ClockStatus::JumpedBack { by_secs } => eprintln!(
            "warning: the clock jumped back by {} h; check the date and time settings",
            by_secs / 3600
        ),
    }
    Ok(())
}

pub fn run(a: WalletArgs, now: i64) -> CliResult {
    let wallet = open(&a.dir)?;
    match a.command {
        WalletCommand::DeviceKey => println!("{}", hex::encode(wallet.device_public_key()?)),
        WalletCommand::Add {
            text,
            png,
            root,
            trust_list,
            revocations,
        } => {
            let text = match (text, png) {
                (Some(t), _) => t,
                (None, Some(p)) => decode_image(&read(&p)?)?
                    .into_iter()
                    .next()
                    .ok_or("no QR code")?,
                (None, None) => return Err("give the QR text or --png FILE".into()),
            };
            let verifier = build_verifier(&root, &trust_list, &revocations)?;
            let card = wallet.add_card(&text, &verifier, now)?;
            println!("added card {} for {}", card.card_id, card.holder_name);
        }
        WalletCommand::Activate {
            link_or_code,
            service,
            db,
            pin,
            confirm_move,
        } => {
            let feed =
                ehk_core::FeedStore::open(&db, pin.pin()?, ehk_core::Platform::Android, now)?;
            let service = ehk_core::activation::ActivationService::new(&service)
                .map_err(ehk_core::Error::from)?;
            let activation = wallet.activate(&link_or_code, &service, &feed, confirm_move, now)?;
            println!(
                "activated card {} for {}{}",
                activation.card.card_id,
                activation.card.holder_name,
                if activation.moved {
                    " (moved here; the other device's card is revoked)"
                } else {
                    ""
                }
            );
        }
        WalletCommand::List => {
            warn_about_clock(&wallet, now)?;
            for c in wallet.cards(now)? {
                let status = c.status.text(ehk_core::Lang::En);
                println!(
                    "{}  {:<30} {:<8} region {:<6} until {:<10} {:<12} {status}",
                    c.card_id,
                    c.holder_name,
                    c.card_type.as_str(),
                    c.region_id,
                    c.valid_until
                        .map_or("forever".to_string(), |d| d.to_string()),
                    if c.device_bound {
                        "device-bound"
                    } else {
                        "static"
                    },
                );
            }
        }
        WalletCommand::Present {
            card_id,
            png,
            svg,
            text_only,
        } => {
            warn_about_clock(&wallet, now)?;
            let text = wallet.present(&card_id, now)?;
            if let Some(p) = png {
                std::fs::write(p, render_png(&text, 6)?)?;
            }
            if let Some(p) = svg {
                std::fs::write(p, render_svg(&text)?)?;
            }
            if !text_only {
                println!("{}", render_terminal(&text)?);
            }
            println!("{text}");
        }
        WalletCommand::Remove { card_id } => {
            if !wallet.remove(&card_id)? {
                return Err(format!("no card {card_id}").into());
            }
            println!("removed {card_id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
