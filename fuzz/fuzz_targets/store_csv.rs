//! The issuer's partner store list as CSV.
#![no_main]

use ehk_core::stores::model::default_categories;
use ehk_issuer::stores::import::import_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import_csv(data, &default_categories());
});
