//! `ehk stores ...`: import, search and nearby over a store database.

use crate::files::{read, CliResult};
use clap::{Args, Subcommand};
use ehk_core::stores::db::{apply_snapshot, StoreDb};
use ehk_core::stores::model::default_categories;
use ehk_core::stores::{NearbyQuery, SearchQuery, Snapshot, SortOrder, StoreSummary};
use ehk_issuer::stores::generate::synthetic_snapshot;
use ehk_issuer::stores::import::{import_csv, import_geojson};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct StoresArgs {
    /// The store database file.
    #[arg(long, default_value = "stores.db")]
    db: PathBuf,
    #[command(subcommand)]
    command: StoresCommand,
}

#[derive(Subcommand)]
enum StoresCommand {
    /// Replace the stores with those of a CSV or GeoJSON file (by extension); bad records are
    /// reported and skipped.
    Import { file: PathBuf },
    /// Fill the database with deterministic synthetic stores (for demos and benchmarks).
    Generate {
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Full-text search (German spellings fold together; prefixes match).
    Search {
        text: String,
        /// LAT,LON of the holder.
        #[arg(long, value_parser = parse_position)]
        near: Option<(f64, f64)>,
        #[arg(long)]
        category: Option<u32>,
        /// Only stores within this many metres of --near.
        #[arg(long, requires = "near")]
        radius: Option<f64>,
        /// Sort by distance instead of relevance (needs --near).
        #[arg(long, requires = "near")]
        by_distance: bool,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The nearest stores to a position.
    Near {
        #[arg(value_parser = parse_position)]
        position: (f64, f64),
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        radius: Option<f64>,
        #[arg(long)]
        category: Option<u32>,
    },
}

pub fn parse_position(text: &str) -> Result<(f64, f64), String> {
    let (lat, lon) = text.split_once(',').ok_or("expected LAT,LON")?;
    let lat: f64 = lat.trim().parse().map_err(|_| "latitude is not a number")?;
    let lon: f64 = lon
        .trim()
        .parse()
        .map_err(|_| "longitude is not a number")?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err("position out of range".into());
    }
    Ok((lat, lon))
}

pub fn print_stores(stores: &[StoreSummary]) {
    for s in stores {
        let distance = s.distance_m.map_or(String::new(), |d| {
            if d < 1_000.0 {
                format!("{d:.0} m")
            } else {
                format!("{:.1} km", d / 1_000.0)
            }
        });
        println!(
            "{:>9} {:<38} {:<34} {:<28} {}{}",
            distance,
            s.name,
            format!(
                "{} {}, {} {}",
                s.street, s.house_number, s.postal_code, s.city
            ),
            s.discount_de,
            if s.favorite { "★ " } else { "" },
            if s.position.is_none() {
                "(no coordinates)"
            } else {
                ""
            }
        );
    }
    if stores.is_empty() {
        println!("no stores found");
    }
}

fn replace(db: &StoreDb, snapshot: &Snapshot) -> CliResult<()> {
    db.write(|tx| apply_snapshot(tx, snapshot))?;
    Ok(())
}

pub fn run(a: StoresArgs) -> CliResult {
    let db = StoreDb::open(&a.db)?;
    match a.command {
        StoresCommand::Import { file } => {
            let categories = default_categories();
            let bytes = read(&file)?;
            let is_geojson = file.extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("geojson") || e.eq_ignore_ascii_case("json")
            });
            let report = if is_geojson {
                import_geojson(&String::from_utf8_lossy(&bytes), &categories)?
            } else {
                import_csv(&bytes, &categories)?
            };
            let unit = if is_geojson { "feature" } else { "line" };
            for e in &report.errors {
                eprintln!("{unit} {}: skipped: {}", e.line, e.reason);
            }
            let count = report.stores.len();
            let mut stores = report.stores;
            stores.sort_by_key(|s| s.id);
            replace(
                &db,
                &Snapshot {
                    version: 0,
                    categories,
                    regions: Vec::new(),
                    stores,
                },
            )?;
            println!(
                "imported {count} store(s), skipped {} bad record(s) into {}",
                report.errors.len(),
                a.db.display()
            );
            return Ok(if report.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(3)
            });
        }
        StoresCommand::Generate { count, seed } => {
            replace(&db, &synthetic_snapshot(count, seed, 0))?;
            println!("generated {count} synthetic stores into {}", a.db.display());
        }
        StoresCommand::Search {
            text,
            near,
            category,
            radius,
            by_distance,
            limit,
        } => {
            let found = db.search(&SearchQuery {
                text,
                category,
                near,
                radius_m: radius,
                sort: if by_distance {
                    SortOrder::Distance
                } else {
                    SortOrder::Relevance
                },
                offset: 0,
                limit,
            })?;
            print_stores(&found);
        }
        StoresCommand::Near {
            position,
            limit,
            radius,
            category,
        } => {
            let found = db.nearby(&NearbyQuery {
                position,
                limit,
                radius_m: radius,
                category,
            })?;
            print_stores(&found);
        }
    }
    Ok(ExitCode::SUCCESS)
}
