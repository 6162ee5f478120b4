//! `ehk-server`: the issuer's service, and its set-up commands.

use clap::{Parser, Subcommand};
use ehk_server::config::{Config, DatabaseConfig};
use ehk_server::secret::ServiceSecret;
use ehk_server::service::Admin;
use ehk_server::{http, postgres::Postgres, sqlite::Sqlite, store::Database};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ehk-server",
    version,
    about = "Ehrenamtskarte issuer service: cards, activation letters, activation and moving of device-bound cards, revocation",
    long_about = "Ehrenamtskarte issuer service.\n\nSet-up: write a configuration (see ehk-server.example.toml), run `ehk-server init --config FILE` once (creates the service secret and the database), add an admin token with `ehk-server token --config FILE --name NAME` (and revoke it with `ehk-server revoke-token`), then `ehk-server serve --config FILE`. Issuers work through the admin API (`ehk service ...`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the service secret (0600) if missing, and creates or migrates the database.
    Init {
        #[arg(long)]
        config: PathBuf,
    },
    /// Runs the service.
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Adds an admin API token and prints it (once; only its hash is stored).
    Token {
        #[arg(long)]
        config: PathBuf,
        /// Who holds the token (appears in the audit log).
        #[arg(long)]
        name: String,
        /// A region admin for these regions (comma-separated ids); without: a project admin.
        #[arg(long, value_delimiter = ',')]
        regions: Option<Vec<u32>>,
    },
    /// Revokes every admin API token held by NAME (someone left, a token leaked); the service
    /// refuses them from the next request on, also while it runs.
    RevokeToken {
        #[arg(long)]
        config: PathBuf,
        /// The name the tokens were added with.
        #[arg(long)]
        name: String,
    },
    /// Signs the revocation list afresh and writes it to `revocation_list_out`.
    Publish {
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ehk-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let config_path = match &cli.command {
        Command::Init { config }
        | Command::Serve { config }
        | Command::Token { config, .. }
        | Command::RevokeToken { config, .. }
        | Command::Publish { config } => config.clone(),
    };
    let config = Config::read(&config_path)?;
    if let Command::Init { .. } = cli.command {
        if !config.secret_file.exists() {
            ServiceSecret::create_file(&config.secret_file)?;
            println!("service secret written to {}", config.secret_file.display());
        }
    }
    match &config.database {
        DatabaseConfig::Sqlite { path } => {
            let db = Sqlite::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            with_database(db, &config, cli.command)
        }
        DatabaseConfig::Postgres { url, pool_size } => {
            let db = Postgres::connect(url, *pool_size).map_err(|e| e.to_string())?;
            with_database(db, &config, cli.command)
        }
    }
}

fn with_database<D: Database>(db: D, config: &Config, command: Command) -> Result<(), String> {
    let backend = db.kind();
    let state = ehk_server::state(db, config)?;
    match command {
        Command::Init { .. } => {
            println!("database ready ({backend})");
            Ok(())
        }
        Command::Token { name, regions, .. } => {
            let token = state
                .service
                .add_token(&name, regions, http::now())
                .map_err(|e| e.to_string())?;
            println!("{token}");
            Ok(())
        }
        Command::RevokeToken { name, .. } => {
            let n = state
                .service
                .revoke_tokens(&name, http::now())
                .map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("no live admin token is held by {name:?}"));
            }
            println!("{n} token(s) of {name:?} revoked");
            Ok(())
        }
        Command::Publish { .. } => {
            let version = state
                .service
                .publish_revocations(&Admin::project("ehk-server publish"), http::now())
                .map_err(|e| e.to_string())?;
            println!("revocation list version {version}");
            Ok(())
        }
        Command::Serve { .. } => {
            // The trust list verifies and lets the key sign for the configured regions, or
            // the service does not start.
            let trust = state
                .service
                .check_trust(http::now())
                .map_err(|e| e.to_string())?;
            log::info!("{trust}");
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(config.listen)
                    .await
                    .map_err(|e| format!("{}: {e}", config.listen))?;
                log::info!(
                    "ehk-server listening on {} ({backend}), public at {}",
                    listener.local_addr().map_err(|e| e.to_string())?,
                    config.public_url
                );
                ehk_server::serve(state, listener, stop_signal())
                    .await
                    .map_err(|e| e.to_string())
            })
        }
    }
}

/// Ctrl-C or SIGTERM (as a service manager stops the service).
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
