//! Which news items apply at a position, through an R-tree over the areas' bounding boxes so
//! that 10 000 areas are not 10 000 geometry tests, and which regions the phone should ask
//! the operating system to monitor.

use crate::news::geometry::{Area, Shape};
use crate::news::model::{NewsBundle, NewsCategory, NewsItem};
use crate::stores::model::distance_m;
use crate::stores::model::StoreSummary;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;
use serde::{Deserialize, Serialize};

/// The smallest radius the operating systems monitor reliably.
pub const MIN_MONITOR_RADIUS_M: f64 = 100.0;
/// The id of the refresh circle among the regions to monitor (the others carry item ids).
pub const REFRESH_REGION_ID: &str = "refresh";
const MIN_REFRESH_RADIUS_M: f64 = 200.0;
const MAX_REFRESH_RADIUS_M: f64 = 50_000.0;

struct Entry {
    item: NewsItem,
    shapes: Vec<Shape>,
    /// Covers all shapes: for region selection.
    circle: ((f64, f64), f64),
    anchor: (f64, f64),
}

/// An item whose area contains a position; `whole_fix_inside` when the position lies at least
/// the fix's accuracy inside it.
pub(crate) struct Containment<'a> {
    pub item: &'a NewsItem,
    pub distance_m: f64,
    pub whole_fix_inside: bool,
}

/// An item that applies at a position, with the distance to its area's centre.
#[derive(Clone, Debug, PartialEq)]
pub struct NewsHit {
    pub item: NewsItem,
    pub distance_m: f64,
}

/// A circle for the operating system's geofencing. `refresh` marks the large circle around the
/// holder: leaving it means "ask the core again".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonitorRegion {
    pub id: String,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_m: f64,
    pub refresh: bool,
}

pub struct NewsIndex {
    entries: Vec<Entry>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, (usize, usize)>>,
}

fn shapes_of(item: &NewsItem, bundle_regions: &[crate::news::model::RegionShape]) -> Vec<Shape> {
    match &item.area {
        Area::Circle {
            latitude,
            longitude,
            radius_m,
        } => vec![Shape::Circle {
            center: (*latitude, *longitude),
            radius_m: *radius_m,
        }],
        Area::Polygons(mp) => vec![Shape::Polygons(mp.clone())],
        Area::Regions(ids) => bundle_regions
            .iter()
            .filter(|r| ids.contains(&r.id))
            .map(|r| Shape::Polygons(r.shape.clone()))
            .collect(),
    }
}

impl NewsIndex {
    /// Indexes the items of all bundles (one per publisher); items without a usable shape are
    /// left out.
    pub fn new(bundles: &[NewsBundle]) -> NewsIndex {
        NewsIndex::with_favorite_offers(bundles, &[], 0.0)
    }

    /// As [`NewsIndex::new`], plus an offer for each favorite store with a discount, applying
    /// within `radius_m` of the store: the opt-in "you are near a favorite" notification, under
    /// the same policy as news.
    pub fn with_favorite_offers(
        bundles: &[NewsBundle],
        favorites: &[StoreSummary],
        radius_m: f64,
    ) -> NewsIndex {
        let offers = favorites.iter().filter_map(|s| {
            let (latitude, longitude) = s.position?;
            if s.discount_de.is_empty() && s.discount_en.is_empty() {
                return None;
            }
            let item = NewsItem {
                id: format!("favorite-{}", s.id),
                title_de: s.name.clone(),
                title_en: s.name.clone(),
                body_de: s.discount_de.clone(),
                body_en: s.discount_en.clone(),
                category: NewsCategory::Offer,
                priority: 0,
                valid_from: i64::MIN,
                valid_until: i64::MAX,
                store_id: Some(s.id),
                area: Area::Circle {
                    latitude,
                    longitude,
                    radius_m,
                },
            };
            let shape = Shape::Circle {
                center: (latitude, longitude),
                radius_m,
            };
            Some((item, vec![shape]))
        });
        let items: Vec<(NewsItem, Vec<Shape>)> = bundles
            .iter()
            .flat_map(|b| {
                b.items
                    .iter()
                    .map(move |i| (i.clone(), shapes_of(i, &b.regions)))
            })
            .chain(offers)
            .collect();
        NewsIndex::from_items(items)
    }

    pub fn from_items(items: impl IntoIterator<Item = (NewsItem, Vec<Shape>)>) -> NewsIndex {
        let mut entries = Vec::new();
        let mut boxes = Vec::new();
        for (item, shapes) in items {
            let circles: Vec<((f64, f64), f64)> =
                shapes.iter().filter_map(Shape::bounding_circle).collect();
            let Some(first) = circles.first().copied() else {
                continue;
            };
            // A circle around the first shape's centre that reaches every shape's circle.
            let circle = circles.iter().fold(first, |(c, r), (c2, r2)| {
                (c, r.max(distance_m(c, *c2) + r2))
            });
            let anchor = shapes.first().and_then(Shape::anchor).unwrap_or(circle.0);
            let index = entries.len();
            for (k, shape) in shapes.iter().enumerate() {
                if let Some((min_lat, min_lon, max_lat, max_lon)) = shape.bounds() {
                    boxes.push(GeomWithData::new(
                        Rectangle::from_corners([min_lon, min_lat], [max_lon, max_lat]),
                        (index, k),
                    ));
                }
            }
            entries.push(Entry {
                item,
                shapes,
                circle,
                anchor,
            });
        }
        NewsIndex {
            entries,
            tree: RTree::bulk_load(boxes),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries valid at `now` whose area contains the position, each once, with the distance
    /// to the area's centre; `margin_m` > 0 asks for the position to lie that far inside.
    pub(crate) fn containing(
        &self,
        p: (f64, f64),
        now: i64,
        margin_m: f64,
    ) -> Vec<Containment<'_>> {
        let mut hits: Vec<(usize, Containment)> = Vec::new();
        for candidate in self.tree.locate_all_at_point(&[p.1, p.0]) {
            let (index, shape) = candidate.data;
            let entry = &self.entries[index];
            if !entry.item.valid_at(now) || !entry.shapes[shape].contains(p) {
                continue;
            }
            let whole_fix_inside = entry.shapes[shape].margin_inside(p, margin_m);
            match hits.iter_mut().find(|(i, _)| *i == index) {
                Some((_, hit)) => hit.whole_fix_inside |= whole_fix_inside,
                None => hits.push((
                    index,
                    Containment {
                        item: &entry.item,
                        distance_m: distance_m(p, entry.anchor),
                        whole_fix_inside,
                    },
                )),
            }
        }
        hits.into_iter().map(|(_, hit)| hit).collect()
    }

    /// The items valid now whose area contains the position, by true geometry, highest
    /// priority first, then nearest.
    pub fn news_at(&self, p: (f64, f64), now: i64) -> Vec<NewsHit> {
        let mut hits: Vec<NewsHit> = self
            .containing(p, now, 0.0)
            .into_iter()
            .map(|hit| NewsHit {
                item: hit.item.clone(),
                distance_m: hit.distance_m,
            })
            .collect();
        hits.sort_by(|a, b| {
            b.item
                .priority
                .cmp(&a.item.priority)
                .then(a.distance_m.total_cmp(&b.distance_m))
                .then(a.item.id.cmp(&b.item.id))
        });
        hits
    }

    /// At most `max` circles: the nearest areas valid now or later (a polygon by its bounding
    /// circle, at least 100 m), and a refresh circle around the holder that ends before the
    /// nearest area left out, so the holder cannot reach an unmonitored area without the
    /// shell asking again.
    pub fn regions_to_monitor(&self, p: (f64, f64), max: usize, now: i64) -> Vec<MonitorRegion> {
        if max == 0 {
            return Vec::new();
        }
        let mut by_edge: Vec<(f64, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.item.valid_until >= now)
            .map(|(i, e)| ((fast_distance_m(p, e.circle.0) - e.circle.1).max(0.0), i))
            .collect();
        let keep = (max - 1).min(by_edge.len());
        if keep < by_edge.len() {
            by_edge.select_nth_unstable_by(keep, |a, b| a.0.total_cmp(&b.0));
        }
        let next_edge = by_edge.get(keep).map(|(d, _)| *d);
        let mut chosen: Vec<(f64, usize)> = by_edge[..keep].to_vec();
        chosen.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut regions: Vec<MonitorRegion> = chosen
            .into_iter()
            .map(|(_, i)| {
                let e = &self.entries[i];
                MonitorRegion {
                    id: e.item.id.clone(),
                    latitude: e.circle.0 .0,
                    longitude: e.circle.0 .1,
                    radius_m: e.circle.1.max(MIN_MONITOR_RADIUS_M),
                    refresh: false,
                }
            })
            .collect();
        let refresh = next_edge
            .map_or(MAX_REFRESH_RADIUS_M, |d| d * 0.9)
            .clamp(MIN_REFRESH_RADIUS_M, MAX_REFRESH_RADIUS_M);
        regions.push(MonitorRegion {
            id: REFRESH_REGION_ID.into(),
            latitude: p.0,
            longitude: p.1,
            radius_m: refresh,
            refresh: true,
        });
        regions
    }
}

/// Equirectangular distance: within a fraction of a percent of the great circle over the
/// distances that matter for choosing regions, and much cheaper.
fn fast_distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let x = (b.1 - a.1).to_radians() * ((a.0 + b.0) / 2.0).to_radians().cos();
    let y = (b.0 - a.0).to_radians();
    (x * x + y * y).sqrt() * 6_371_008.8
}
