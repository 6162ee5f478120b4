//! A news area as an issuer writes it: a GeoJSON Polygon or MultiPolygon, checked in full.
#![no_main]

use ehk_issuer::news_area::area_from_geojson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = area_from_geojson(text);
});
