//! Issuing many cards from a CSV file, as issuer offices export them. Bad rows are reported
//! with their line numbers and skipped; good rows are issued.
//!
//! Header (any order, case-insensitive; only `name` is required):
//! `name,birthday,cardType,regionId,validFrom,validUntil,deviceKey`.

use crate::issue::{issue_card, CardRequest};
use ehk_core::card::claims::{CardClaims, CardType};
use ehk_core::card::qr::QrPayload;
use ehk_core::day::Day;
use ehk_core::error::{Error, Result};
use ehk_core::keys::{public_key_from_hex, IssuerKey};
pub use ehk_core::progress::{NoProgress, Progress};

/// Values for cells a row leaves empty.
#[derive(Clone, Debug)]
pub struct BatchDefaults {
    pub project_id: u32,
    pub region_id: Option<u32>,
    /// Default: the day of issue.
    pub valid_from: Option<Day>,
    /// Default: three years after valid-from.
    pub valid_until: Option<Day>,
}

#[derive(Clone, Debug)]
pub struct IssuedRow {
    pub line: u64,
    pub claims: CardClaims,
    pub qr_text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct BatchReport {
    pub issued: Vec<IssuedRow>,
    pub errors: Vec<RowError>,
}

const COLUMNS: [&str; 7] = [
    "name",
    "birthday",
    "cardType",
    "regionId",
    "validFrom",
    "validUntil",
    "deviceKey",
];

/// Issues a card for every good row. Fails as a whole only when the CSV has no usable header.
pub fn issue_csv(
    key: &IssuerKey,
    csv_bytes: &[u8],
    defaults: &BatchDefaults,
    now: i64,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::malformed("CSV header", e.to_string()))?
        .clone();
    let index: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|c| headers.iter().position(|h| h.eq_ignore_ascii_case(c)))
        .collect();
    if index[0].is_none() {
        return Err(Error::malformed("CSV header", "no 'name' column"));
    }
    let records: Vec<_> = reader.records().collect();
    let total = records.len() as u64;
    let mut report = BatchReport::default();
    for (i, record) in records.into_iter().enumerate() {
        progress.progress(i as u64, total);
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        len, expected_len, ..
                    } => {
                        format!("{len} fields where the header has {expected_len}")
                    }
                    _ => "unreadable row".to_string(),
                };
                report.errors.push(RowError { line, reason });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let cell = |c: usize| index[c].and_then(|i| record.get(i)).unwrap_or("");
        let fields = CardFields {
            name: cell(0),
            birthday: cell(1),
            card_type: cell(2),
            region_id: cell(3),
            valid_from: cell(4),
            valid_until: cell(5),
            device_key: cell(6),
        };
        let issued = request_from_fields(&fields, defaults, now).and_then(|request| {
            issue_card(key, &request, now).map_err(|e| match e {
                Error::InvalidRequest(reason) => reason,
                other => other.to_string(),
            })
        });
        match issued {
            Ok((credential, claims)) => report.issued.push(IssuedRow {
                line,
                claims,
                qr_text: QrPayload::Credential(credential).encode(),
            }),
            Err(reason) => report.errors.push(RowError { line, reason }),
        }
    }
    progress.progress(total, total);
    Ok(report)
}

fn optional_day(text: &str, what: &str) -> Result<Option<Day>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Day::parse(text)
        .map(Some)
        .ok_or_else(|| format!("{what} '{text}' is not a YYYY-MM-DD date"))
}

/// A card request as text, one CSV row or the issuer's form fields; empty means "not given".
#[derive(Clone, Copy, Debug, Default)]
pub struct CardFields<'a> {
    pub name: &'a str,
    pub birthday: &'a str,
    pub card_type: &'a str,
    pub region_id: &'a str,
    pub valid_from: &'a str,
    pub valid_until: &'a str,
    pub device_key: &'a str,
}

/// Checks and completes the fields into a request; the error says what is wrong, without
/// quoting the name.
pub fn request_from_fields(
    f: &CardFields,
    defaults: &BatchDefaults,
    now: i64,
) -> Result<CardRequest, String> {
    let CardFields {
        name,
        birthday,
        card_type,
        region_id: region,
        valid_from,
        valid_until,
        device_key,
    } = *f;
    let name = name.trim();
    if name.is_empty() {
        return Err("name is empty".into());
    }
    let card_type =
        CardType::parse(card_type).ok_or_else(|| format!("unknown card type '{card_type}'"))?;
    let region_id = if region.is_empty() {
        defaults
            .region_id
            .ok_or("no region id (column regionId, or a default)")?
    } else {
        region
            .parse()
            .map_err(|_| format!("region id '{region}' is not a number"))?
    };
    let today = Day::in_berlin(now).ok_or("the clock is out of range")?;
    let valid_from = optional_day(valid_from, "validFrom")?
        .or(defaults.valid_from)
        .unwrap_or(today);
    let valid_until = match card_type {
        CardType::Gold => None,
        CardType::Standard => Some(
            optional_day(valid_until, "validUntil")?
                .or(defaults.valid_until)
                .unwrap_or_else(|| valid_from.add_days(3 * 365)),
        ),
    };
    let device_key = if device_key.is_empty() {
        None
    } else {
        Some(
            public_key_from_hex(device_key)
                .map_err(|_| "deviceKey is not a 64-hex-digit Ed25519 public key".to_string())?
                .to_bytes(),
        )
    };
    Ok(CardRequest {
        holder_name: name.to_string(),
        birthday: optional_day(birthday, "birthday")?,
        card_type,
        project_id: defaults.project_id,
        region_id,
        valid_from,
        valid_until,
        device_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    struct Recorder(RefCell<Vec<(u64, u64)>>);

    impl Progress for Recorder {
        fn progress(&self, done: u64, total: u64) {
            self.0.borrow_mut().push((done, total));
        }
    }

    #[test]
    fn good_rows_issued_bad_rows_reported_by_line() {
        let key = IssuerKey::generate().unwrap();
        let csv = "name,birthday,cardType,regionId,validFrom,validUntil,deviceKey\n\
                   Erika Mustermann,1980-05-17,standard,9162,2026-01-01,2028-12-31,\n\
                   ,,,,,,\n\
                   Max Mustermann,,gold,,,,\n\
                   Anna Schmidt,17.05.1980,,,,,\n\
                   Too,Many,,,,,,,\n\
                   Olga Becker,,,abc,,,\n\
                   Jens Ohm,,,,2026-05-01,2026-04-01,\n";
        let defaults = BatchDefaults {
            project_id: 1,
            region_id: Some(9162),
            valid_from: None,
            valid_until: None,
        };
        let progress = Recorder(RefCell::new(Vec::new()));
        let report = issue_csv(&key, csv.as_bytes(), &defaults, 1_795_953_600, &progress).unwrap();
        let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 5, 6, 7, 8]);
        assert!(
            report.errors[1].reason.contains("birthday"),
            "{:?}",
            report.errors[1]
        );
        assert!(
            report.errors[2].reason.contains("9 fields"),
            "{:?}",
            report.errors[2]
        );
        assert_eq!(report.issued.len(), 2);
        assert_eq!(report.issued[0].line, 2);
        assert_eq!(report.issued[1].claims.card_type, CardType::Gold);
        assert_eq!(report.issued[1].claims.valid_until, None);
        assert_eq!(report.issued[1].claims.region_id, 9162);
        let seen = progress.0.borrow();
        assert_eq!(seen.first(), Some(&(0, 7)));
        assert_eq!(seen.last(), Some(&(7, 7)));
    }

    #[test]
    fn header_without_name_fails_as_a_whole() {
        let key = IssuerKey::generate().unwrap();
        let defaults = BatchDefaults {
            project_id: 1,
            region_id: None,
            valid_from: None,
            valid_until: None,
        };
        assert!(issue_csv(&key, b"vorname,nachname\nA,B\n", &defaults, 0, &NoProgress).is_err());
        assert!(issue_csv(&key, b"\xff\xfe", &defaults, 0, &NoProgress).is_err());
    }
}
