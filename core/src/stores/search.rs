//! Finding stores: full-text search with German folding and prefix matching, the nearest
//! stores through the R*Tree, and favorites.

use crate::error::Result;
use crate::stores::db::{decode_discounts, StoreDb};
use crate::stores::fold::{category_token, prefix_query};
use crate::stores::model::{distance_m, Position, StoreSummary};
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Relevance,
    /// Nearest first; needs a position. Stores without coordinates come last.
    Distance,
}

#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub text: String,
    pub category: Option<u32>,
    /// (latitude, longitude) of the holder, for distances, the radius and distance sorting.
    pub near: Option<Position>,
    pub radius_m: Option<f64>,
    pub sort: SortOrder,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug)]
pub struct NearbyQuery {
    pub position: Position,
    pub limit: u32,
    pub radius_m: Option<f64>,
    pub category: Option<u32>,
}

/// A favorite, with the store when it is in the current feed.
#[derive(Clone, Debug, PartialEq)]
pub struct Favorite {
    pub store_id: i64,
    /// The name the store had when it was marked, shown while it is missing from the feed.
    pub name: String,
    pub added_at: i64,
    pub store: Option<StoreSummary>,
}

const EARTH_METRES_PER_DEGREE: f64 = 111_195.0;
const MAX_LIMIT: u32 = 500;
/// How many name matches are put in order at most: a word in thousands of names ("Bäckerei")
/// would otherwise cost a sort of all of them on every keystroke.
const NAME_RANK_CANDIDATES: u32 = 200;
/// How many text matches are ranked by distance at most; beyond that the nearest are found
/// among the best-ranked ones.
const DISTANCE_CANDIDATES: u32 = 5_000;

/// The latitude/longitude box around `p` that contains the circle of radius `r` metres.
fn bounding_box(p: (f64, f64), r: f64) -> (f64, f64, f64, f64) {
    let dlat = r / EARTH_METRES_PER_DEGREE;
    let cos = p.0.to_radians().cos().max(0.01);
    let dlon = (r / (EARTH_METRES_PER_DEGREE * cos)).min(360.0);
    (p.0 - dlat, p.0 + dlat, p.1 - dlon, p.1 + dlon)
}

fn valid_position(p: (f64, f64)) -> bool {
    p.0.is_finite()
        && p.1.is_finite()
        && (-90.0..=90.0).contains(&p.0)
        && (-180.0..=180.0).contains(&p.1)
}

const SUMMARY_COLUMNS: &str =
    "s.id, s.name, s.category_id, s.street, s.house_number, s.postal_code, s.city,
     s.latitude, s.longitude,
     s.discounts,
     EXISTS (SELECT 1 FROM favorites f WHERE f.store_id = s.id)";

fn summary_row(
    r: &rusqlite::Row,
    near: Option<(f64, f64)>,
) -> rusqlite::Result<(StoreSummary, Vec<u8>)> {
    let lat: Option<f64> = r.get(7)?;
    let lon: Option<f64> = r.get(8)?;
    let position = lat.zip(lon).map(Position::from);
    let summary = StoreSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        category_id: r.get(2)?,
        street: r.get(3)?,
        house_number: r.get(4)?,
        postal_code: r.get(5)?,
        city: r.get(6)?,
        position,
        discount_de: String::new(),
        discount_en: String::new(),
        distance_m: near.zip(position).map(|(a, b)| distance_m(a, b.pair())),
        favorite: r.get(10)?,
    };
    Ok((summary, r.get(9)?))
}

fn with_first_discount((mut summary, discounts): (StoreSummary, Vec<u8>)) -> Result<StoreSummary> {
    if let Some(first) = decode_discounts(&discounts)?.into_iter().next() {
        summary.discount_de = first.text_de;
        summary.discount_en = first.text_en;
    }
    Ok(summary)
}

fn summary(conn: &Connection, id: i64, near: Option<(f64, f64)>) -> Result<Option<StoreSummary>> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM stores s WHERE s.id = ?1");
    let row = conn
        .prepare_cached(&sql)?
        .query_row([id], |r| summary_row(r, near))
        .optional()?;
    row.map(with_first_discount).transpose()
}

/// The summaries of `ids`, in that order, read in one query.
fn summaries(
    conn: &Connection,
    ids: &[i64],
    near: Option<(f64, f64)>,
) -> Result<Vec<StoreSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; ids.len()].join(",");
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM stores s WHERE s.id IN ({placeholders})");
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut found: std::collections::HashMap<i64, (StoreSummary, Vec<u8>)> = stmt
        .query_map(rusqlite::params_from_iter(ids), |r| summary_row(r, near))?
        .map(|row| row.map(|(s, d)| (s.id, (s, d))))
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .filter_map(|id| found.remove(id))
        .map(with_first_discount)
        .collect()
}

impl StoreDb {
    /// Full-text search. An empty text lists stores by distance (with a position) or by name.
    /// A search started while another runs interrupts it first.
    pub fn search(&self, q: &SearchQuery) -> Result<Vec<StoreSummary>> {
        self.interrupt();
        let near = q.near.map(Position::pair).filter(|p| valid_position(*p));
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let Some(terms) = prefix_query(&q.text) else {
            return match near {
                Some(position) => self
                    .nearby(&NearbyQuery {
                        position: position.into(),
                        limit: limit + q.offset,
                        radius_m: q.radius_m,
                        category: q.category,
                    })
                    .map(|v| v.into_iter().skip(q.offset as usize).collect()),
                None => self.browse(q.category, q.offset, limit),
            };
        };
        let conn = self.searcher();
        let by_distance = near.is_some() && (q.sort == SortOrder::Distance || q.radius_m.is_some());
        let category = q.category.map_or(String::new(), |c| {
            format!(" AND category : {}", category_token(c))
        });
        if !by_distance {
            // Stores whose name has every word come first, the shortest (closest) names first;
            // then the stores that match in
            // their discounts, street or city, in feed order. Ranking that second group would
            // mean scoring every store of a common word ("Straße") for no better order.
            let wanted = (q.offset + limit) as usize;
            let mut ids: Vec<i64> = conn
                .prepare_cached(
                    "SELECT s.id FROM (SELECT rowid AS id FROM store_fts WHERE store_fts MATCH ?1 LIMIT ?3) m
                     JOIN stores s ON s.id = m.id ORDER BY length(s.name), s.name, s.id LIMIT ?2",
                )?
                .query_map(
                    params![format!("name : ({terms}){category}"), wanted, NAME_RANK_CANDIDATES],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            if ids.len() < wanted {
                let rest = format!(
                    "{{name discounts city street}} : ({terms}){category} NOT name : ({terms})"
                );
                let more: Vec<i64> = conn
                    .prepare_cached(
                        "SELECT rowid FROM store_fts WHERE store_fts MATCH ?1 LIMIT ?2",
                    )?
                    .query_map(params![rest, wanted - ids.len()], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                ids.extend(more);
            }
            let page: Vec<i64> = ids.into_iter().skip(q.offset as usize).collect();
            return summaries(&conn, &page, near);
        }
        let fts = format!("{{name discounts city street}} : ({terms}){category}");
        let here = near.unwrap_or_default();
        let (min_lat, max_lat, min_lon, max_lon) = match q.radius_m {
            Some(r) => bounding_box(here, r.max(0.0)),
            None => (-90.0, 90.0, -180.0, 180.0),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT f.rowid, s.latitude, s.longitude FROM store_fts f JOIN stores s ON s.id = f.rowid
             WHERE store_fts MATCH ?1
               AND (?2 = 0 OR (s.latitude BETWEEN ?3 AND ?4 AND s.longitude BETWEEN ?5 AND ?6))
             LIMIT ?7",
        )?;
        let mut found: Vec<(i64, f64)> = stmt
            .query_map(
                params![
                    fts,
                    q.radius_m.is_some(),
                    min_lat,
                    max_lat,
                    min_lon,
                    max_lon,
                    DISTANCE_CANDIDATES
                ],
                |r| {
                    let pos: Option<(f64, f64)> =
                        r.get::<_, Option<f64>>(1)?.zip(r.get::<_, Option<f64>>(2)?);
                    Ok((
                        r.get(0)?,
                        pos.map_or(f64::INFINITY, |p| distance_m(here, p)),
                    ))
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(r) = q.radius_m {
            found.retain(|(_, d)| *d <= r);
        }
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let ids: Vec<i64> = found
            .into_iter()
            .skip(q.offset as usize)
            .take(limit as usize)
            .map(|(id, _)| id)
            .collect();
        summaries(&conn, &ids, near)
    }

    fn browse(&self, category: Option<u32>, offset: u32, limit: u32) -> Result<Vec<StoreSummary>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM stores WHERE (?1 IS NULL OR category_id = ?1) ORDER BY name, id LIMIT ?2 OFFSET ?3",
        )?;
        let ids: Vec<i64> = stmt
            .query_map(params![category, limit, offset], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        summaries(&conn, &ids, None)
    }

    /// The nearest stores with coordinates, through the R*Tree: boxes grow around the position
    /// until enough stores lie inside the circle the box encloses.
    pub fn nearby(&self, q: &NearbyQuery) -> Result<Vec<StoreSummary>> {
        let position = q.position.pair();
        if !valid_position(position) {
            return Ok(Vec::new());
        }
        let limit = q.limit.clamp(1, MAX_LIMIT) as usize;
        let max_radius = q.radius_m.unwrap_or(20_100_000.0).max(0.0);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT r.id, r.min_lat, r.min_lon FROM store_rtree r
             WHERE r.min_lat >= ?1 AND r.max_lat <= ?2 AND r.min_lon >= ?3 AND r.max_lon <= ?4
               AND (?5 IS NULL OR EXISTS (SELECT 1 FROM stores s WHERE s.id = r.id AND s.category_id = ?5))",
        )?;
        let mut radius = max_radius.min(500.0);
        loop {
            let (a, b, c, d) = bounding_box(position, radius);
            let mut found: Vec<(i64, f64)> = stmt
                .query_map(params![a, b, c, d, q.category], |r| {
                    Ok((r.get(0)?, distance_m(position, (r.get(1)?, r.get(2)?))))
                })?
                .collect::<rusqlite::Result<Vec<(i64, f64)>>>()?
                .into_iter()
                .filter(|(_, dist)| *dist <= radius)
                .collect();
            if found.len() >= limit || radius >= max_radius {
                found.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
                found.truncate(limit);
                let ids: Vec<i64> = found.into_iter().map(|(id, _)| id).collect();
                return summaries(&conn, &ids, Some(position));
            }
            // Grow by the density seen so far, at least doubling.
            let factor = if found.is_empty() {
                4.0
            } else {
                ((limit as f64 / found.len() as f64).sqrt() * 1.3).max(2.0)
            };
            radius = (radius * factor).min(max_radius);
        }
    }

    pub fn set_favorite(&self, store_id: i64, favorite: bool, now: i64) -> Result<bool> {
        self.write(|tx| {
            if !favorite {
                return Ok(
                    tx.execute("DELETE FROM favorites WHERE store_id = ?1", [store_id])? > 0,
                );
            }
            let name: Option<String> = tx
                .query_row("SELECT name FROM stores WHERE id = ?1", [store_id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(name) = name else { return Ok(false) };
            tx.execute(
                "INSERT INTO favorites (store_id, added_at, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (store_id) DO NOTHING",
                params![store_id, now, name],
            )?;
            Ok(true)
        })
    }

    /// All favorites, newest first; `store` is `None` while the store is missing from the feed.
    pub fn favorites(&self, near: Option<Position>) -> Result<Vec<Favorite>> {
        let near = near.map(Position::pair);
        let conn = self.reader();
        let rows: Vec<(i64, String, i64)> = conn
            .prepare_cached(
                "SELECT store_id, name, added_at FROM favorites ORDER BY added_at DESC, store_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(store_id, name, added_at)| {
                Ok(Favorite {
                    store_id,
                    name,
                    added_at,
                    store: summary(&conn, store_id, near.filter(|p| valid_position(*p)))?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_new_search_interrupts_the_running_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(StoreDb::open(&dir.path().join("s.db")).unwrap());
        let slow = {
            let db = db.clone();
            std::thread::spawn(move || {
                let conn = db.searcher();
                conn.query_row(
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(crate::error::Error::from)
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        let results = db
            .search(&SearchQuery {
                text: "cafe".into(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert!(results.is_empty());
        assert!(matches!(
            slow.join().unwrap(),
            Err(crate::error::Error::Interrupted)
        ));
    }
}
