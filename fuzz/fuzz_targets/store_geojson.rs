//! The issuer's partner store list as a GeoJSON FeatureCollection.
#![no_main]

use ehk_core::stores::model::default_categories;
use ehk_issuer::stores::import::import_geojson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = import_geojson(text, &default_categories());
});
