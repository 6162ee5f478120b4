//! One rule for replacing a signed, versioned list (trust list, revocation list, news bundle)
//! with another: never an older version, and never other content under the same version.

use crate::card::verify::UpdateOutcome;
use crate::error::{Error, Result};

/// Whether `offered` may replace `current` (each a version and the signed bytes):
/// `Updated` for a newer version, `Unchanged` for the very same list, an error for an older
/// version or for different content under the same version (a signer re-using a version
/// number would let two phones hold two different lists of the same version).
pub fn not_older(
    what: &'static str,
    offered: (u64, &[u8]),
    current: (u64, &[u8]),
) -> Result<UpdateOutcome> {
    match offered.0.cmp(&current.0) {
        std::cmp::Ordering::Greater => Ok(UpdateOutcome::Updated),
        std::cmp::Ordering::Equal if offered.1 == current.1 => Ok(UpdateOutcome::Unchanged),
        _ => Err(Error::VersionNotNewer {
            what,
            offered: offered.0,
            current: current.0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_same_older_and_rewritten() {
        assert_eq!(
            not_older("x", (2, b"b"), (1, b"a")).unwrap(),
            UpdateOutcome::Updated
        );
        assert_eq!(
            not_older("x", (1, b"a"), (1, b"a")).unwrap(),
            UpdateOutcome::Unchanged
        );
        assert!(not_older("x", (1, b"b"), (1, b"a")).is_err());
        assert!(not_older("x", (0, b"a"), (1, b"a")).is_err());
    }
}
