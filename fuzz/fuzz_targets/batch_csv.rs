//! The issuer's CSV batch of card requests: every good row is issued with the fixed issuer key.
#![no_main]

use ehk_fuzz::{world, NOW, PROJECT};
use ehk_issuer::batch::{issue_csv, BatchDefaults, NoProgress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let defaults = BatchDefaults {
        project_id: PROJECT,
        region_id: None,
        valid_from: None,
        valid_until: None,
    };
    let _ = issue_csv(&world().issuer, data, &defaults, NOW, &NoProgress);
});
