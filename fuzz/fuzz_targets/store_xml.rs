//! The issuer's partner store list as the Bavarian LBE XML export.
#![no_main]

use ehk_core::stores::model::default_categories;
use ehk_issuer::stores::lbe_xml::import_xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = import_xml(data, &default_categories());
});
