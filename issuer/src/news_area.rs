//! News areas as issuers write them: GeoJSON Polygons and MultiPolygons, checked in full
//! (including self-intersection) before they are signed.

use ehk_core::news::geometry::Area;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Reads a GeoJSON Polygon or MultiPolygon (a bare geometry, a Feature, or the first feature of
/// a FeatureCollection) into a checked area.
pub fn area_from_geojson(text: &str) -> Result<Area, String> {
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| format!("not GeoJSON: {e}"))?;
    let geometry = match geojson {
        geojson::GeoJson::Geometry(g) => Some(g),
        geojson::GeoJson::Feature(f) => f.geometry,
        geojson::GeoJson::FeatureCollection(fc) => {
            fc.features.into_iter().next().and_then(|f| f.geometry)
        }
    }
    .ok_or("no geometry")?;
    let value = serde_json::to_value(&geometry).map_err(|e| e.to_string())?;
    let coords = value.get("coordinates").cloned().unwrap_or_default();
    let area = match value.get("type").and_then(|t| t.as_str()) {
        Some("Polygon") => {
            let rings: Vec<Vec<Vec<f64>>> =
                serde_json::from_value(coords).map_err(|e| e.to_string())?;
            Area::Polygons(MultiPolygon(vec![polygon(&rings, "polygon")?]))
        }
        Some("MultiPolygon") => {
            let polys: Vec<Vec<Vec<Vec<f64>>>> =
                serde_json::from_value(coords).map_err(|e| e.to_string())?;
            Area::Polygons(MultiPolygon(
                polys
                    .iter()
                    .enumerate()
                    .map(|(i, p)| polygon(p, &format!("polygon {i}")))
                    .collect::<Result<_, _>>()?,
            ))
        }
        other => {
            return Err(format!(
                "expected a Polygon or MultiPolygon, found {other:?}"
            ))
        }
    };
    area.validate()?;
    Ok(area)
}

fn ring(points: &[Vec<f64>], what: &str) -> Result<LineString<f64>, String> {
    if points.len() < 4 {
        return Err(format!(
            "{what} has fewer than 4 points (3 corners and the closing point)"
        ));
    }
    if points.iter().any(|p| p.len() < 2) {
        return Err(format!("{what} has a position without two coordinates"));
    }
    if points.first() != points.last() {
        return Err(format!(
            "{what} is not closed: its last point differs from the first"
        ));
    }
    Ok(LineString(
        points.iter().map(|p| Coord { x: p[0], y: p[1] }).collect(),
    ))
}

fn polygon(rings: &[Vec<Vec<f64>>], what: &str) -> Result<Polygon<f64>, String> {
    let (outer, holes) = rings.split_first().ok_or(format!("{what} has no rings"))?;
    let holes = holes
        .iter()
        .enumerate()
        .map(|(i, h)| ring(h, &format!("{what} hole {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(
        ring(outer, &format!("{what} outer ring"))?,
        holes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_areas_are_checked() {
        let ok = r#"{"type":"Polygon","coordinates":[[[11,48],[11.1,48],[11.1,48.1],[11,48.1],[11,48]]]}"#;
        assert!(matches!(area_from_geojson(ok), Ok(Area::Polygons(_))));
        let unclosed =
            r#"{"type":"Polygon","coordinates":[[[11,48],[11.1,48],[11.1,48.1],[11,48.1]]]}"#;
        assert!(area_from_geojson(unclosed)
            .unwrap_err()
            .contains("not closed"));
        let few = r#"{"type":"Polygon","coordinates":[[[11,48],[11.1,48],[11,48]]]}"#;
        assert!(area_from_geojson(few).unwrap_err().contains("fewer than 4"));
        let crossing = r#"{"type":"Polygon","coordinates":[[[11,48],[11.1,48.1],[11.1,48],[11,48.1],[11,48]]]}"#;
        assert!(area_from_geojson(crossing)
            .unwrap_err()
            .contains("invalid geometry"));
        let range = r#"{"type":"Polygon","coordinates":[[[11,48],[200,48],[11,48.1],[11,48]]]}"#;
        assert!(area_from_geojson(range)
            .unwrap_err()
            .contains("out of range"));
        assert!(area_from_geojson(r#"{"type":"Point","coordinates":[1,2]}"#).is_err());
        assert!(area_from_geojson("nonsense").is_err());
        let multi = r#"{"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[
            [[[11,48],[11.1,48],[11.1,48.1],[11,48.1],[11,48]],[[11.04,48.04],[11.06,48.04],[11.06,48.06],[11.04,48.06],[11.04,48.04]]],
            [[[12,48],[12.1,48],[12.1,48.1],[12,48]]]]}}"#;
        let Ok(Area::Polygons(mp)) = area_from_geojson(multi) else {
            panic!("valid multipolygon")
        };
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].interiors().len(), 1);
    }
}
