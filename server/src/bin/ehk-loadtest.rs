//! `ehk-loadtest`: activations from many concurrent clients against a real `ehk-server` on
//! loopback, optionally with a SIGKILL of the service mid-way and a restart; prints a table
//! and exits non-zero if an activation was lost or doubled.
//!
//! `cargo run --release -p ehk-server --bin ehk-loadtest -- --activations 10000 --clients 64
//!  --kill-after 5000 [--postgres "host=/run/postgresql user=postgres"]`

use clap::Parser;
use ehk_server::load::{fresh_postgres_database, run, Backend, LoadOptions};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ehk-loadtest",
    about = "Load and crash test of the activation path"
)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    activations: usize,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// SIGKILL the service after this many activations, then restart it.
    #[arg(long)]
    kill_after: Option<usize>,
    /// Also (or only, with --no-sqlite) on the PostgreSQL server with this connection string
    /// (without dbname; a fresh database is created).
    #[arg(long)]
    postgres: Option<String>,
    #[arg(long)]
    no_sqlite: bool,
    /// The ehk-server binary (default: next to this one).
    #[arg(long)]
    server_bin: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let server_bin = args.server_bin.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("ehk-server")))
            .unwrap_or_else(|| PathBuf::from("ehk-server"))
    });
    let mut backends = Vec::new();
    if !args.no_sqlite {
        backends.push(Backend::Sqlite);
    }
    if let Some(base) = &args.postgres {
        match fresh_postgres_database(base) {
            Ok(url) => backends.push(Backend::Postgres(url)),
            Err(e) => {
                eprintln!("ehk-loadtest: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "| backend | activations | clients | SIGKILL + restart | retries | activations/s | p50 ms | p99 ms | lost or doubled |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut ok = true;
    for backend in backends {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("ehk-loadtest: {e}");
                return ExitCode::FAILURE;
            }
        };
        let options = LoadOptions {
            activations: args.activations,
            clients: args.clients,
            kill_after: args.kill_after,
            backend,
            server_bin: server_bin.clone(),
            work_dir: dir.path().to_path_buf(),
        };
        match run(&options) {
            Ok(report) => {
                let verdict = match report.check() {
                    Ok(()) => "none".to_string(),
                    Err(e) => {
                        ok = false;
                        e
                    }
                };
                println!(
                    "| {} | {} | {} | {} | {} | {:.0} | {:.1} | {:.1} | {verdict} |",
                    report.backend,
                    report.activations,
                    report.clients,
                    report.kills,
                    report.retries,
                    report.per_second(),
                    report.p50.as_secs_f64() * 1000.0,
                    report.p99.as_secs_f64() * 1000.0,
                );
            }
            Err(e) => {
                eprintln!("ehk-loadtest: {e}");
                ok = false;
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
