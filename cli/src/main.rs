//! `ehk`: the command line front end over the Ehrenamtskarte core, for issuers (keys, trust
//! list, cards, revocation), verifiers, holders, and a demo of the whole story.

mod demo;
mod feed;
mod files;
mod issue;
mod letter;
mod news;
mod output;
mod service;
mod stores;
mod trust;
mod verify;
mod wallet;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ehk",
    version,
    about = "Ehrenamtskarte: signed volunteer cards, verified offline"
)]
struct Cli {
    /// Use this Unix time (or YYYY-MM-DDTHH:MM:SSZ) instead of the system clock.
    #[arg(long, global = true, value_parser = files::parse_time)]
    now: Option<i64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole story in a temporary directory: keys, trust list, cards, QR codes, checks.
    Demo(demo::DemoArgs),
    /// Create Ed25519 keys (root or issuer).
    #[command(subcommand)]
    Key(trust::KeyCommand),
    /// Create and change the root-signed trust list.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Issue one card, or many from a CSV file.
    Issue(issue::IssueArgs),
    /// Activation letters (PDF, one page each) for device-bound cards.
    Letter(letter::LetterArgs),
    /// Revoke cards: sign a new version of the issuer's revocation list.
    Revoke(issue::RevokeArgs),
    /// Check a card code offline. Exit status 0: valid, 1: invalid.
    Verify(verify::VerifyArgs),
    /// The holder's wallet: device key, cards, live QR codes.
    Wallet(wallet::WalletArgs),
    /// The offline store database: import, search, nearby.
    Stores(stores::StoresArgs),
    /// Geofenced news: the issuer's items, and what applies at a position.
    News(news::NewsArgs),
    /// The issuer's signed feed.
    #[command(subcommand)]
    Feed(feed::FeedCommand),
    /// Serve a feed directory on loopback (development and tests).
    Serve(feed::ServeArgs),
    /// Bring a store database up to date from a feed URL.
    Sync(feed::SyncArgs),
    /// The issuer's work against a running ehk-server: cards, letters, revocation.
    Service(service::ServiceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let now = cli.now.unwrap_or_else(files::system_now);
    let result = match cli.command {
        Command::Demo(args) => demo::run(args, now),
        Command::Key(cmd) => trust::run_key(cmd),
        Command::Trust(cmd) => trust::run_trust(cmd, now),
        Command::Issue(args) => issue::run_issue(args, now),
        Command::Letter(args) => letter::run(args, now),
        Command::Revoke(args) => issue::run_revoke(args, now),
        Command::Verify(args) => verify::run(args, now),
        Command::Wallet(args) => wallet::run(args, now),
        Command::Stores(args) => stores::run(args),
        Command::News(args) => news::run(args, now),
        Command::Feed(cmd) => feed::run_publish(cmd, now),
        Command::Serve(args) => feed::run_serve(args),
        Command::Sync(args) => feed::run_sync(args, now),
        Command::Service(args) => service::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ehk: {e}");
            ExitCode::from(2)
        }
    }
}
