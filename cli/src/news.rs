//! `ehk news ...`: the issuer keeps news items in a JSON file, validated when added; `feed
//! publish --news` signs them into the feed. `ehk news at` shows what applies at a position.

use crate::files::{read, write_atomic, CliResult, PinArgs};
use crate::stores::parse_position;
use clap::{Args, Subcommand};
use ehk_core::news::geometry::Area;
use ehk_core::news::model::RegionShape;
use ehk_core::news::{NewsCategory, NewsItem};
use ehk_core::stores::Position;
use ehk_core::Day;
use ehk_core::{FeedStore, Platform};
use ehk_issuer::news_area::area_from_geojson;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The issuer's working list of news items and region shapes.
#[derive(Default, Serialize, Deserialize)]
pub struct NewsSource {
    pub items: Vec<NewsItem>,
    pub regions: Vec<RegionShape>,
}

impl NewsSource {
    pub fn load(path: &Path) -> CliResult<NewsSource> {
        if !path.exists() {
            return Ok(NewsSource::default());
        }
        serde_json::from_slice(&read(path)?).map_err(|e| format!("{}: {e}", path.display()).into())
    }

    fn save(&self, path: &Path) -> CliResult<()> {
        write_atomic(path, &serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

#[derive(Args)]
pub struct NewsArgs {
    /// The issuer's news file (JSON).
    #[arg(long, default_value = "news.json")]
    file: PathBuf,
    #[command(subcommand)]
    command: NewsCommand,
}

#[derive(Subcommand)]
enum NewsCommand {
    /// Add a news item (or replace the one with the same id); its area is checked now.
    Add(AddArgs),
    /// Add the shape of a region, so items can target it by id.
    Region {
        #[arg(long)]
        id: u32,
        #[arg(long)]
        name: String,
        #[arg(long)]
        geojson: PathBuf,
    },
    /// List the items.
    List,
    /// What applies at a position now, from a synced phone database.
    At {
        #[arg(value_parser = parse_position)]
        position: Position,
        #[arg(long, default_value = "stores.db")]
        db: PathBuf,
        #[command(flatten)]
        pin: PinArgs,
    },
}

#[derive(Args)]
struct AddArgs {
    #[arg(long)]
    id: String,
    #[arg(long)]
    title_de: String,
    #[arg(long, default_value = "")]
    title_en: String,
    #[arg(long, default_value = "")]
    body_de: String,
    #[arg(long, default_value = "")]
    body_en: String,
    /// event, offer or notice.
    #[arg(long, default_value = "notice")]
    category: String,
    #[arg(long, default_value_t = 0)]
    priority: u8,
    /// First day (YYYY-MM-DD, Berlin) or RFC 3339 time.
    #[arg(long)]
    valid_from: String,
    /// Last day (YYYY-MM-DD, inclusive) or RFC 3339 time.
    #[arg(long)]
    valid_until: String,
    #[arg(long)]
    store: Option<i64>,
    /// LAT,LON,RADIUS_M
    #[arg(long, group = "area")]
    circle: Option<String>,
    /// A GeoJSON Polygon or MultiPolygon (holes allowed).
    #[arg(long, group = "area")]
    geojson: Option<PathBuf>,
    /// Comma-separated region ids (their shapes are added with `news region`).
    #[arg(long, group = "area")]
    regions: Option<String>,
}

fn time(text: &str, end_of_day: bool) -> Result<i64, String> {
    if let Some(day) = Day::parse(text) {
        let day = if end_of_day { day.add_days(1) } else { day };
        let start = day.start_in_berlin().ok_or("date out of range")?;
        return Ok(if end_of_day { start - 1 } else { start });
    }
    crate::files::parse_time(text)
}

fn area(a: &AddArgs) -> Result<Area, String> {
    if let Some(c) = &a.circle {
        let parts: Vec<f64> = c
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("--circle: '{p}' is not a number"))
            })
            .collect::<Result<_, _>>()?;
        let [latitude, longitude, radius_m] = parts[..] else {
            return Err("--circle wants LAT,LON,RADIUS_M".into());
        };
        return Ok(Area::Circle {
            latitude,
            longitude,
            radius_m,
        });
    }
    if let Some(file) = &a.geojson {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        return area_from_geojson(&text);
    }
    if let Some(ids) = &a.regions {
        let ids = ids
            .split(',')
            .map(|r| {
                r.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("--regions: '{r}' is not a number"))
            })
            .collect::<Result<_, _>>()?;
        return Ok(Area::Regions(ids));
    }
    Err("give the area: --circle, --geojson or --regions".into())
}

pub fn run(a: NewsArgs, now: i64) -> CliResult {
    let mut source = NewsSource::load(&a.file)?;
    match a.command {
        NewsCommand::Add(add) => {
            let item = NewsItem {
                id: add.id.clone(),
                title_de: add.title_de.clone(),
                title_en: add.title_en.clone(),
                body_de: add.body_de.clone(),
                body_en: add.body_en.clone(),
                category: NewsCategory::parse(&add.category).ok_or_else(|| {
                    format!(
                        "--category: '{}' is not event, offer or notice",
                        add.category
                    )
                })?,
                priority: add.priority,
                valid_from: time(&add.valid_from, false)?,
                valid_until: time(&add.valid_until, true)?,
                store_id: add.store,
                area: area(&add)?,
            };
            item.validate()
                .map_err(|e| format!("news item {}: {e}", item.id))?;
            if let Area::Regions(ids) = &item.area {
                if let Some(missing) = ids
                    .iter()
                    .find(|id| !source.regions.iter().any(|r| r.id == **id))
                {
                    return Err(format!(
                        "no shape for region {missing}: add it with `ehk news region` first"
                    )
                    .into());
                }
            }
            source.items.retain(|i| i.id != item.id);
            println!(
                "news item {} added ({} items)",
                item.id,
                source.items.len() + 1
            );
            source.items.push(item);
            source.save(&a.file)?;
        }
        NewsCommand::Region { id, name, geojson } => {
            let text = std::fs::read_to_string(&geojson)
                .map_err(|e| format!("{}: {e}", geojson.display()))?;
            let Area::Polygons(shape) = area_from_geojson(&text)? else {
                return Err("a region needs a polygon".into());
            };
            source.regions.retain(|r| r.id != id);
            source.regions.push(RegionShape { id, name, shape });
            source.save(&a.file)?;
            println!("region {id} added");
        }
        NewsCommand::List => {
            for i in &source.items {
                let area = match &i.area {
                    Area::Circle {
                        latitude,
                        longitude,
                        radius_m,
                    } => format!("circle {latitude},{longitude} r={radius_m} m"),
                    Area::Polygons(mp) => format!("{} polygon(s)", mp.0.len()),
                    Area::Regions(ids) => format!("regions {ids:?}"),
                };
                println!(
                    "{:<24} {:<7} prio {} {:<40} {area}{}",
                    i.id,
                    i.category.as_str(),
                    i.priority,
                    i.title_de,
                    if i.valid_at(now) {
                        ""
                    } else {
                        "  (not valid now)"
                    }
                );
            }
        }
        NewsCommand::At { position, db, pin } => {
            let store = FeedStore::open(&db, pin.pin()?, Platform::Android, now)?;
            let hits = store.news_at(position, now)?;
            for h in &hits {
                println!(
                    "{:<24} prio {} {:>7.0} m  {}",
                    h.item.id, h.item.priority, h.distance_m, h.item.title_de
                );
            }
            if hits.is_empty() {
                println!("no news here now");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
