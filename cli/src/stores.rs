//! `ehk stores ...`: import, search and nearby over a store database.

use crate::files::{read, CliResult};
use clap::{Args, Subcommand, ValueEnum};
use ehk_core::stores::db::StoreDb;
use ehk_core::stores::model::{default_categories, Category};
use ehk_core::stores::{NearbyQuery, Position, SearchQuery, Snapshot, SortOrder, StoreSummary};
use ehk_issuer::stores::generate::synthetic_snapshot;
use ehk_issuer::stores::import::{import_csv, import_geojson, ImportReport};
use ehk_issuer::stores::lbe_xml::import_xml;
use std::path::{Path, PathBuf};
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
    /// Replace the stores with those of a CSV, LBE XML or GeoJSON file; bad records are
    /// reported and skipped.
    ///
    /// CSV: UTF-8 or Windows-1252, comma, semicolon or tab; German or English headers (Name,
    /// Straße, Hausnummer, PLZ, Ort, Breitengrad, Längengrad, Telefon, E-Mail, Homepage, Rabatt,
    /// Kategorie, ...). Unknown columns or XML elements are refused.
    Import {
        file: PathBuf,
        /// The file's format; default: by extension (.xml, .geojson or .json, otherwise CSV).
        #[arg(long, value_enum)]
        format: Option<StoreFileFormat>,
        /// The project's categories as a JSON array of {"id", "name_de", "name_en", "icon"};
        /// default: the ten every project starts with. A store's category is matched by id or
        /// by name.
        #[arg(long)]
        categories: Option<PathBuf>,
        /// Check everything and print the stores that would be imported, without writing the
        /// database.
        #[arg(long)]
        dry_run: bool,
    },
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
        near: Option<Position>,
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
        position: Position,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        radius: Option<f64>,
        #[arg(long)]
        category: Option<u32>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StoreFileFormat {
    Csv,
    Xml,
    Geojson,
}

impl StoreFileFormat {
    fn of(file: &Path) -> StoreFileFormat {
        let ext = file
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("xml") => StoreFileFormat::Xml,
            Some("geojson" | "json") => StoreFileFormat::Geojson,
            _ => StoreFileFormat::Csv,
        }
    }
}

fn read_categories(file: Option<&Path>) -> CliResult<Vec<Category>> {
    let Some(file) = file else {
        return Ok(default_categories());
    };
    let categories: Vec<Category> = serde_json::from_slice(&read(file)?)
        .map_err(|e| format!("{}: not a JSON list of categories: {e}", file.display()))?;
    for (i, c) in categories.iter().enumerate() {
        if categories[..i].iter().any(|d| d.id == c.id) {
            return Err(format!("{}: category id {} appears twice", file.display(), c.id).into());
        }
    }
    Ok(categories)
}

fn import(
    db_path: &Path,
    file: &Path,
    format: Option<StoreFileFormat>,
    categories: Option<&Path>,
    dry_run: bool,
) -> CliResult {
    let categories = read_categories(categories)?;
    let bytes = read(file)?;
    let format = format.unwrap_or_else(|| StoreFileFormat::of(file));
    let report: ImportReport = match format {
        StoreFileFormat::Geojson => {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| format!("{}: GeoJSON must be UTF-8", file.display()))?;
            import_geojson(text, &categories)?
        }
        StoreFileFormat::Xml => import_xml(&bytes, &categories)?,
        StoreFileFormat::Csv => import_csv(&bytes, &categories)?,
    };
    match (report.format, report.encoding) {
        (Some(f), _) => println!("read {}: {f}", file.display()),
        (None, Some(e)) => println!("read {}: {e}", file.display()),
        _ => {}
    }
    let (unit, verb) = match (format, dry_run) {
        (StoreFileFormat::Geojson, false) => ("feature", "skipped"),
        (StoreFileFormat::Geojson, true) => ("feature", "would skip"),
        (_, false) => ("line", "skipped"),
        (_, true) => ("line", "would skip"),
    };
    for e in &report.errors {
        eprintln!("{unit} {}: {verb}: {}", e.line, e.reason);
    }
    let count = report.stores.len();
    let exit = if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    };
    if dry_run {
        for s in &report.stores {
            let category = categories
                .iter()
                .find(|c| c.id == s.category_id)
                .map_or("", |c| c.name_de.as_str());
            println!(
                "would import {}: {} {}, {} {} [{category}]{}",
                s.name,
                s.street,
                s.house_number,
                s.postal_code,
                s.city,
                if s.position.is_none() {
                    " (no coordinates)"
                } else {
                    ""
                }
            );
        }
        println!(
            "dry run: would import {count} store(s), would skip {} bad record(s); {} not written",
            report.errors.len(),
            db_path.display()
        );
        return Ok(exit);
    }
    let mut stores = report.stores;
    stores.sort_by_key(|s| s.id);
    let db = StoreDb::open(db_path)?;
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
        db_path.display()
    );
    Ok(exit)
}

pub fn parse_position(text: &str) -> Result<Position, String> {
    let (lat, lon) = text.split_once(',').ok_or("expected LAT,LON")?;
    let lat: f64 = lat.trim().parse().map_err(|_| "latitude is not a number")?;
    let lon: f64 = lon
        .trim()
        .parse()
        .map_err(|_| "longitude is not a number")?;
    Position::new(lat, lon)
        .checked()
        .map_err(|_| "position out of range".into())
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
    db.import_snapshot(snapshot)?;
    Ok(())
}

pub fn run(a: StoresArgs) -> CliResult {
    match a.command {
        // An import opens the database only after the file checked out; a dry run never does.
        StoresCommand::Import {
            file,
            format,
            categories,
            dry_run,
        } => import(&a.db, &file, format, categories.as_deref(), dry_run),
        command => run_on_db(&a.db, command),
    }
}

fn run_on_db(db_path: &Path, command: StoresCommand) -> CliResult {
    let db = StoreDb::open(db_path)?;
    match command {
        StoresCommand::Import { .. } => {}
        StoresCommand::Generate { count, seed } => {
            replace(&db, &synthetic_snapshot(count, seed, 0))?;
            println!(
                "generated {count} synthetic stores into {}",
                db_path.display()
            );
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
