//! The issuer's CSV batch of card requests: the dry run reads and checks every row (the shared
//! table reader, header names, dates, card types); a batch of at most a few good rows is also
//! issued with the fixed issuer key, and must issue exactly what the dry run planned.
#![no_main]

use ehk_fuzz::{world, NOW, PROJECT};
use ehk_issuer::batch::{check_csv, issue_csv, BatchDefaults, NoProgress};
use libfuzzer_sys::fuzz_target;

/// Signing every row of every input would make the target a signature benchmark.
const ISSUE_AT_MOST: usize = 3;

fuzz_target!(|data: &[u8]| {
    let defaults = BatchDefaults {
        project_id: PROJECT,
        region_id: None,
        valid_from: None,
        valid_until: None,
    };
    let Ok(plan) = check_csv(data, &defaults, NOW) else {
        assert!(issue_csv(&world().issuer, data, &defaults, NOW, &NoProgress).is_err());
        return;
    };
    if plan.cards.len() <= ISSUE_AT_MOST {
        let report = issue_csv(&world().issuer, data, &defaults, NOW, &NoProgress)
            .expect("a file the dry run read is issued");
        assert_eq!(report.issued.len(), plan.cards.len());
        assert_eq!(report.errors.len(), plan.errors.len());
    }
});
