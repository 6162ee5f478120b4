//! Target areas of news items: circles, polygons and multipolygons with holes (true geometry,
//! not bounding boxes), validated at publish time.

use geo::{
    BoundingRect, Centroid, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Validation,
};
use serde::{Deserialize, Serialize};

const METRES_PER_DEGREE: f64 = 111_195.0;

/// Where a news item applies. Coordinates are (latitude, longitude) in the API and GeoJSON
/// order (longitude, latitude) inside polygons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Area {
    Circle {
        latitude: f64,
        longitude: f64,
        radius_m: f64,
    },
    /// Polygons with holes; a single polygon is a multipolygon of one.
    Polygons(#[serde(with = "packed")] MultiPolygon<f64>),
    /// The regions (Kreis/Kommune) with these ids, by the shapes the bundle carries for them.
    Regions(Vec<u32>),
}

fn coordinate_ok(c: Coord<f64>) -> bool {
    c.x.is_finite()
        && c.y.is_finite()
        && (-180.0..=180.0).contains(&c.x)
        && (-90.0..=90.0).contains(&c.y)
}

fn ring_problem(ring: &LineString<f64>, what: &str) -> Option<String> {
    if ring.0.len() < 4 {
        return Some(format!(
            "{what} has fewer than 4 points (3 corners and the closing point)"
        ));
    }
    if ring.0.first() != ring.0.last() {
        return Some(format!(
            "{what} is not closed: its last point differs from the first"
        ));
    }
    if let Some(bad) = ring.0.iter().find(|c| !coordinate_ok(**c)) {
        return Some(format!(
            "{what} has a coordinate out of range ({}, {})",
            bad.x, bad.y
        ));
    }
    None
}

impl Area {
    /// Why the area cannot be published, if it cannot: unclosed ring, too few points,
    /// self-intersection, coordinates out of range, a radius that is not positive.
    pub fn validate(&self) -> Result<(), String> {
        self.check_structure()?;
        match self {
            Area::Polygons(mp) => mp
                .check_validation()
                .map_err(|e| format!("invalid geometry: {e}")),
            _ => Ok(()),
        }
    }

    /// The checks that cost little: everything but self-intersection, which the publisher
    /// checked before signing. Used when a phone loads a signed bundle.
    pub fn check_structure(&self) -> Result<(), String> {
        match self {
            Area::Circle {
                latitude,
                longitude,
                radius_m,
            } => {
                if !coordinate_ok(Coord {
                    x: *longitude,
                    y: *latitude,
                }) {
                    return Err(format!(
                        "circle centre ({latitude}, {longitude}) is out of range"
                    ));
                }
                if !(radius_m.is_finite() && *radius_m > 0.0 && *radius_m <= 500_000.0) {
                    return Err(format!(
                        "circle radius {radius_m} m must be between 0 and 500 km"
                    ));
                }
                Ok(())
            }
            Area::Polygons(mp) => {
                if mp.0.is_empty() {
                    return Err("the area has no polygon".into());
                }
                for (i, p) in mp.0.iter().enumerate() {
                    if let Some(problem) =
                        ring_problem(p.exterior(), &format!("polygon {i} outer ring"))
                    {
                        return Err(problem);
                    }
                    for (j, hole) in p.interiors().iter().enumerate() {
                        if let Some(problem) = ring_problem(hole, &format!("polygon {i} hole {j}"))
                        {
                            return Err(problem);
                        }
                    }
                }
                Ok(())
            }
            Area::Regions(ids) if ids.is_empty() => Err("the area names no region".into()),
            Area::Regions(_) => Ok(()),
        }
    }
}

/// Compact encoding of polygons for bundles: each ring one byte string of little-endian i32
/// pairs (longitude, latitude) in microdegrees (about 0.1 m). Ten times smaller and faster to
/// read than a CBOR map per coordinate.
pub mod packed {
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_bytes::ByteBuf;

    const SCALE: f64 = 1e6;

    fn pack(ring: &LineString<f64>) -> ByteBuf {
        let mut out = Vec::with_capacity(ring.0.len() * 8);
        for c in &ring.0 {
            out.extend_from_slice(&((c.x * SCALE).round() as i32).to_le_bytes());
            out.extend_from_slice(&((c.y * SCALE).round() as i32).to_le_bytes());
        }
        ByteBuf::from(out)
    }

    fn unpack(bytes: &[u8]) -> Result<LineString<f64>, String> {
        if bytes.len() % 8 != 0 {
            return Err("ring bytes are not whole coordinate pairs".into());
        }
        Ok(LineString(
            bytes
                .chunks_exact(8)
                .map(|c| Coord {
                    x: i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 / SCALE,
                    y: i32::from_le_bytes([c[4], c[5], c[6], c[7]]) as f64 / SCALE,
                })
                .collect(),
        ))
    }

    pub fn serialize<S: Serializer>(mp: &MultiPolygon<f64>, s: S) -> Result<S::Ok, S::Error> {
        let polygons: Vec<Vec<ByteBuf>> =
            mp.0.iter()
                .map(|p| {
                    std::iter::once(p.exterior())
                        .chain(p.interiors())
                        .map(pack)
                        .collect()
                })
                .collect();
        polygons.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<MultiPolygon<f64>, D::Error> {
        let polygons: Vec<Vec<ByteBuf>> = Vec::deserialize(d)?;
        let mut out = Vec::with_capacity(polygons.len());
        for rings in polygons {
            let mut rings = rings
                .iter()
                .map(|r| unpack(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(serde::de::Error::custom)?;
            if rings.is_empty() {
                return Err(serde::de::Error::custom("a polygon without rings"));
            }
            let exterior = rings.remove(0);
            out.push(Polygon::new(exterior, rings));
        }
        Ok(MultiPolygon(out))
    }
}

/// A shape ready for tests at a position: the multipolygon or circle, and its bounds.
#[derive(Clone, Debug)]
pub enum Shape {
    Circle { center: (f64, f64), radius_m: f64 },
    Polygons(MultiPolygon<f64>),
}

/// (min_lat, min_lon, max_lat, max_lon)
pub type Bounds = (f64, f64, f64, f64);

impl Shape {
    pub fn bounds(&self) -> Option<Bounds> {
        match self {
            Shape::Circle { center, radius_m } => {
                let dlat = radius_m / METRES_PER_DEGREE;
                let dlon = radius_m / (METRES_PER_DEGREE * center.0.to_radians().cos().max(0.01));
                Some((
                    center.0 - dlat,
                    center.1 - dlon,
                    center.0 + dlat,
                    center.1 + dlon,
                ))
            }
            Shape::Polygons(mp) => mp
                .bounding_rect()
                .map(|r| (r.min().y, r.min().x, r.max().y, r.max().x)),
        }
    }

    /// A point to measure distances to: the circle's centre or the polygons' centroid.
    pub fn anchor(&self) -> Option<(f64, f64)> {
        match self {
            Shape::Circle { center, .. } => Some(*center),
            Shape::Polygons(mp) => mp.centroid().map(|c| (c.y(), c.x())),
        }
    }

    pub fn contains(&self, p: (f64, f64)) -> bool {
        match self {
            Shape::Circle { center, radius_m } => {
                crate::stores::model::distance_m(*center, p) <= *radius_m
            }
            Shape::Polygons(mp) => mp.contains(&Point::new(p.1, p.0)),
        }
    }

    /// Inside, and at least `margin_m` metres from the edge: a fix whose accuracy circle lies
    /// wholly inside the area.
    pub fn contains_with_margin(&self, p: (f64, f64), margin_m: f64) -> bool {
        self.contains(p) && self.margin_inside(p, margin_m)
    }

    /// For a position already known to be inside: whether it lies at least `margin_m` metres
    /// from the edge.
    pub(crate) fn margin_inside(&self, p: (f64, f64), margin_m: f64) -> bool {
        let margin = margin_m.max(0.0);
        if margin == 0.0 {
            return true;
        }
        match self {
            Shape::Circle { center, radius_m } => {
                crate::stores::model::distance_m(*center, p) + margin <= *radius_m
            }
            Shape::Polygons(mp) => boundary_distance_m(mp, p) >= margin,
        }
    }

    /// The smallest circle around the anchor that covers the shape: (centre, radius in metres).
    pub fn bounding_circle(&self) -> Option<((f64, f64), f64)> {
        match self {
            Shape::Circle { center, radius_m } => Some((*center, *radius_m)),
            Shape::Polygons(mp) => {
                let c = self.anchor()?;
                let r =
                    mp.0.iter()
                        .flat_map(|p| p.exterior().0.iter())
                        .map(|v| crate::stores::model::distance_m(c, (v.y, v.x)))
                        .fold(0.0, f64::max);
                Some((c, r))
            }
        }
    }
}

/// Distance in metres from `p` to the nearest edge of the multipolygon, in a local
/// equirectangular projection around `p` (exact enough for areas of a few kilometres).
fn boundary_distance_m(mp: &MultiPolygon<f64>, p: (f64, f64)) -> f64 {
    let cos = p.0.to_radians().cos();
    let local = |c: &Coord<f64>| {
        (
            (c.x - p.1) * cos * METRES_PER_DEGREE,
            (c.y - p.0) * METRES_PER_DEGREE,
        )
    };
    let mut best = f64::INFINITY;
    let rings = mp.0.iter().flat_map(|poly: &Polygon<f64>| {
        std::iter::once(poly.exterior()).chain(poly.interiors().iter())
    });
    for ring in rings {
        for w in ring.0.windows(2) {
            let (ax, ay) = local(&w[0]);
            let (bx, by) = local(&w[1]);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (qx, qy) = (ax + t * dx, ay + t * dy);
            best = best.min((qx * qx + qy * qy).sqrt());
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn square_with_hole() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon!(
            exterior: [(x: 11.0, y: 48.0), (x: 11.1, y: 48.0), (x: 11.1, y: 48.1), (x: 11.0, y: 48.1), (x: 11.0, y: 48.0)],
            interiors: [[(x: 11.04, y: 48.04), (x: 11.06, y: 48.04), (x: 11.06, y: 48.06), (x: 11.04, y: 48.06), (x: 11.04, y: 48.04)]],
        )])
    }

    #[test]
    fn holes_and_margins() {
        let shape = Shape::Polygons(square_with_hole());
        assert!(shape.contains((48.02, 11.02)));
        assert!(!shape.contains((48.05, 11.05)), "inside the hole");
        assert!(!shape.contains((48.2, 11.05)));
        // 48.0045 is about 500 m from the southern edge.
        assert!(shape.contains_with_margin((48.0045, 11.05), 400.0));
        assert!(!shape.contains_with_margin((48.0045, 11.05), 600.0));
        let circle = Shape::Circle {
            center: (48.0, 11.0),
            radius_m: 1_000.0,
        };
        assert!(circle.contains_with_margin((48.0, 11.0), 900.0));
        assert!(!circle.contains_with_margin((48.005, 11.0), 500.0));
    }

    #[test]
    fn validation_catches_broken_geometry() {
        assert!(Area::Polygons(square_with_hole()).validate().is_ok());
        let bow_tie = MultiPolygon(vec![polygon![
            (x: 11.0, y: 48.0), (x: 11.1, y: 48.1), (x: 11.1, y: 48.0), (x: 11.0, y: 48.1), (x: 11.0, y: 48.0)
        ]]);
        assert!(Area::Polygons(bow_tie)
            .validate()
            .unwrap_err()
            .contains("invalid geometry"));
        let too_few = MultiPolygon(vec![
            polygon![(x: 11.0, y: 48.0), (x: 11.1, y: 48.0), (x: 11.0, y: 48.0)],
        ]);
        assert!(Area::Polygons(too_few).validate().is_err());
        let out_of_range = MultiPolygon(vec![polygon![
            (x: 11.0, y: 48.0), (x: 191.0, y: 48.0), (x: 11.0, y: 48.1), (x: 11.0, y: 48.0)
        ]]);
        assert!(Area::Polygons(out_of_range)
            .validate()
            .unwrap_err()
            .contains("out of range"));
        assert!(Area::Circle {
            latitude: 48.0,
            longitude: 11.0,
            radius_m: 0.0
        }
        .validate()
        .is_err());
        assert!(Area::Circle {
            latitude: 95.0,
            longitude: 11.0,
            radius_m: 10.0
        }
        .validate()
        .is_err());
        assert!(Area::Regions(vec![]).validate().is_err());
    }
}
