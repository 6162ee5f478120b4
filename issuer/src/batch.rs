//! Issuing many cards from a CSV file, as issuer offices export them. Bad rows are reported
//! with their line numbers and skipped; good rows are issued. [`check_csv`] makes every check
//! without signing (a dry run).
//!
//! The file is read by [`crate::csv_input`] (UTF-8 or Windows-1252, comma, semicolon or tab,
//! CRLF or LF). Header names, in any order and any case; only a name is required:
//!
//! | column | names |
//! |---|---|
//! | holder name | `Name`, or `Vorname` and `Nachname` (joined "Vorname Nachname") |
//! | birthday | `Geburtsdatum`, `birth_date`, `birthday`, `Geburtstag` |
//! | card type | `Kartentyp`, `card_type` (`Standard`, `blau`, `Gold`; empty: standard) |
//! | region | `Region`, `region_id` (a number; empty: the default) |
//! | first valid day | `Startdatum`, `Gültig ab`, `valid_from`, `start` |
//! | last valid day | `Ablaufdatum`, `Gültig bis`, `valid_until`, `expires` |
//! | device key | `deviceKey`, `device_key` (64 hex digits) |
//!
//! Dates are `d.m.yyyy`, `dd.mm.yyyy` or `yyyy-mm-dd`. A column not in this table fails the
//! whole file: a dropped `Kartentyp` would turn gold cards into standard ones.

pub use crate::csv_input::RowError;
use crate::csv_input::{parse_date, read_table, Column, CsvFormat, CsvRow, CsvTable};
use crate::issue::{check_request, issue_card, CardRequest};
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

#[derive(Clone, Debug, Default)]
pub struct BatchReport {
    pub issued: Vec<IssuedRow>,
    pub errors: Vec<RowError>,
    /// How the file was read; `None` only for an empty report.
    pub format: Option<CsvFormat>,
}

/// A row that passed every check: the card a real run would sign.
#[derive(Clone, Debug)]
pub struct PlannedRow {
    pub line: u64,
    pub request: CardRequest,
}

/// What [`check_csv`] found: the cards that would be issued and the rows that would be skipped.
#[derive(Clone, Debug)]
pub struct BatchPlan {
    pub format: CsvFormat,
    pub cards: Vec<PlannedRow>,
    pub errors: Vec<RowError>,
}

/// The columns of a card batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardColumn {
    Name,
    FirstName,
    LastName,
    Birthday,
    CardType,
    Region,
    ValidFrom,
    ValidUntil,
    DeviceKey,
}

impl CardColumn {
    /// The name used in messages about fields that did not come from a file.
    fn default_label(self) -> &'static str {
        match self {
            CardColumn::Name => "name",
            CardColumn::FirstName => "first name",
            CardColumn::LastName => "last name",
            CardColumn::Birthday => "birthday",
            CardColumn::CardType => "card type",
            CardColumn::Region => "region id",
            CardColumn::ValidFrom => "valid from",
            CardColumn::ValidUntil => "valid until",
            CardColumn::DeviceKey => "device key",
        }
    }
}

/// Every header name a card batch understands, in [`crate::csv_input::header_key`] form.
pub const CARD_COLUMNS: [Column<CardColumn>; 9] = [
    Column {
        key: CardColumn::Name,
        names: &["name", "holdername", "karteninhaber"],
    },
    Column {
        key: CardColumn::FirstName,
        names: &["vorname", "firstname", "givenname"],
    },
    Column {
        key: CardColumn::LastName,
        names: &[
            "nachname",
            "familienname",
            "lastname",
            "surname",
            "familyname",
        ],
    },
    Column {
        key: CardColumn::Birthday,
        names: &[
            "geburtsdatum",
            "geburtstag",
            "birthdate",
            "birthday",
            "dateofbirth",
        ],
    },
    Column {
        key: CardColumn::CardType,
        names: &["kartentyp", "kartenart", "cardtype"],
    },
    Column {
        key: CardColumn::Region,
        names: &["region", "regionid"],
    },
    Column {
        key: CardColumn::ValidFrom,
        names: &["startdatum", "gueltigab", "validfrom", "start", "startdate"],
    },
    Column {
        key: CardColumn::ValidUntil,
        names: &[
            "ablaufdatum",
            "gueltigbis",
            "enddatum",
            "validuntil",
            "expires",
            "expiry",
            "enddate",
        ],
    },
    Column {
        key: CardColumn::DeviceKey,
        names: &["devicekey", "geraeteschluessel"],
    },
];

const WHAT: &str = "card CSV";

/// A field's problem, before it is worded for a file (with the header as written) or a form.
struct FieldError {
    column: Option<CardColumn>,
    reason: String,
}

impl FieldError {
    fn new(column: CardColumn, reason: impl Into<String>) -> FieldError {
        FieldError {
            column: Some(column),
            reason: reason.into(),
        }
    }

    fn worded(self, label: impl Fn(CardColumn) -> String) -> String {
        match self.column {
            Some(c) => format!("{}: {}", label(c), self.reason),
            None => self.reason,
        }
    }
}

/// Reads the file and checks its header: the part of a batch that fails as a whole.
fn read_cards(csv_bytes: &[u8]) -> Result<CsvTable<CardColumn>> {
    let table = read_table(csv_bytes, &CARD_COLUMNS, WHAT)?;
    let first = table.has(CardColumn::FirstName);
    let last = table.has(CardColumn::LastName);
    if table.has(CardColumn::Name) && (first || last) {
        return Err(Error::malformed(
            WHAT,
            "both a full-name column and Vorname/Nachname columns; keep one of them",
        ));
    }
    let has_name = table.has(CardColumn::Name) || (first && last);
    if !has_name {
        let missing = match (first, last) {
            (true, false) => "'Nachname' (next to 'Vorname')",
            (false, true) => "'Vorname' (next to 'Nachname')",
            _ => "'Name' (or 'Vorname' and 'Nachname')",
        };
        return Err(Error::malformed(WHAT, format!("missing column {missing}")));
    }
    Ok(table)
}

/// One row as a checked request, or its error worded with the file's headers.
fn plan_row(
    table: &CsvTable<CardColumn>,
    row: &CsvRow,
    defaults: &BatchDefaults,
    now: i64,
) -> std::result::Result<CardRequest, String> {
    let cell = |c| table.cell(row, c);
    let joined;
    let name = if table.has(CardColumn::Name) {
        cell(CardColumn::Name)
    } else {
        joined = format!(
            "{} {}",
            cell(CardColumn::FirstName),
            cell(CardColumn::LastName)
        );
        joined.trim()
    };
    let fields = CardFields {
        name,
        birthday: cell(CardColumn::Birthday),
        card_type: cell(CardColumn::CardType),
        region_id: cell(CardColumn::Region),
        valid_from: cell(CardColumn::ValidFrom),
        valid_until: cell(CardColumn::ValidUntil),
        device_key: cell(CardColumn::DeviceKey),
    };
    let label = |c: CardColumn| match (c, table.label(c)) {
        (CardColumn::Name, None) => format!(
            "'{}'/'{}'",
            table.label(CardColumn::FirstName).unwrap_or("Vorname"),
            table.label(CardColumn::LastName).unwrap_or("Nachname")
        ),
        (_, Some(header)) => format!("column '{header}'"),
        (c, None) => c.default_label().to_string(),
    };
    let request = checked_request(&fields, defaults, now).map_err(|e| e.worded(label))?;
    check_request(&request, now).map_err(|e| match e {
        Error::InvalidRequest(reason) => reason,
        other => other.to_string(),
    })?;
    Ok(request)
}

/// Checks every row without signing anything: the cards a real run would issue, and the rows
/// it would skip. Fails as a whole only when the file is empty or its header is not usable.
pub fn check_csv(csv_bytes: &[u8], defaults: &BatchDefaults, now: i64) -> Result<BatchPlan> {
    let table = read_cards(csv_bytes)?;
    let mut plan = BatchPlan {
        format: table.format,
        cards: Vec::new(),
        errors: Vec::new(),
    };
    for row in &table.rows {
        match row {
            Err(e) => plan.errors.push(e.clone()),
            Ok(row) => match plan_row(&table, row, defaults, now) {
                Ok(request) => plan.cards.push(PlannedRow {
                    line: row.line,
                    request,
                }),
                Err(reason) => plan.errors.push(RowError {
                    line: row.line,
                    reason,
                }),
            },
        }
    }
    Ok(plan)
}

/// Issues a card for every good row. Fails as a whole only when the file is empty or its
/// header is not usable (unknown, repeated or missing columns).
pub fn issue_csv(
    key: &IssuerKey,
    csv_bytes: &[u8],
    defaults: &BatchDefaults,
    now: i64,
    progress: &dyn Progress,
) -> Result<BatchReport> {
    let table = read_cards(csv_bytes)?;
    let total = table.rows.len() as u64;
    let mut report = BatchReport {
        format: Some(table.format),
        ..Default::default()
    };
    for (i, row) in table.rows.iter().enumerate() {
        progress.progress(i as u64, total);
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                report.errors.push(e.clone());
                continue;
            }
        };
        let line = row.line;
        let issued = plan_row(&table, row, defaults, now).and_then(|request| {
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

fn optional_day(text: &str, column: CardColumn) -> std::result::Result<Option<Day>, FieldError> {
    if text.is_empty() {
        return Ok(None);
    }
    const FORMS: &str = "d.m.yyyy or yyyy-mm-dd";
    parse_date(text).map(Some).ok_or_else(|| {
        // A birthday is personal data, and row errors end up in logs and on screens: it is
        // not quoted, the line number finds it.
        let reason = if column == CardColumn::Birthday {
            format!("not a real date in the form {FORMS}")
        } else {
            format!("'{text}' is not a real date in the form {FORMS}")
        };
        FieldError::new(column, reason)
    })
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
/// quoting the name or the birthday. Dates may be `d.m.yyyy` or `yyyy-mm-dd`.
pub fn request_from_fields(
    f: &CardFields,
    defaults: &BatchDefaults,
    now: i64,
) -> std::result::Result<CardRequest, String> {
    checked_request(f, defaults, now).map_err(|e| e.worded(|c| c.default_label().to_string()))
}

fn checked_request(
    f: &CardFields,
    defaults: &BatchDefaults,
    now: i64,
) -> std::result::Result<CardRequest, FieldError> {
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
        return Err(FieldError::new(CardColumn::Name, "empty"));
    }
    let card_type = CardType::parse(card_type).ok_or_else(|| {
        FieldError::new(
            CardColumn::CardType,
            format!("unknown card type '{card_type}' (Standard, blau or Gold)"),
        )
    })?;
    let region_id = if region.trim().is_empty() {
        defaults.region_id.ok_or_else(|| {
            FieldError::new(CardColumn::Region, "empty, and no default region was given")
        })?
    } else {
        region.trim().parse().map_err(|_| {
            FieldError::new(
                CardColumn::Region,
                format!("region id '{region}' is not a number"),
            )
        })?
    };
    let today = Day::in_berlin(now).ok_or(FieldError {
        column: None,
        reason: "the clock is out of range".into(),
    })?;
    let valid_from = optional_day(valid_from, CardColumn::ValidFrom)?
        .or(defaults.valid_from)
        .unwrap_or(today);
    let valid_until = match card_type {
        CardType::Gold => {
            if optional_day(valid_until, CardColumn::ValidUntil)?.is_some() {
                return Err(FieldError::new(
                    CardColumn::ValidUntil,
                    "a gold card never expires; leave the last valid day empty",
                ));
            }
            None
        }
        CardType::Standard => Some(
            optional_day(valid_until, CardColumn::ValidUntil)?
                .or(defaults.valid_until)
                .unwrap_or_else(|| valid_from.add_days(3 * 365)),
        ),
    };
    let device_key = if device_key.is_empty() {
        None
    } else {
        Some(
            public_key_from_hex(device_key)
                .map_err(|_| {
                    FieldError::new(
                        CardColumn::DeviceKey,
                        "not a 64-hex-digit Ed25519 public key",
                    )
                })?
                .to_bytes(),
        )
    };
    Ok(CardRequest {
        holder_name: name.to_string(),
        birthday: optional_day(birthday, CardColumn::Birthday)?,
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
    use crate::csv_input::TextEncoding;
    use std::cell::RefCell;

    struct Recorder(RefCell<Vec<(u64, u64)>>);

    impl Progress for Recorder {
        fn progress(&self, done: u64, total: u64) {
            self.0.borrow_mut().push((done, total));
        }
    }

    /// 2026-11-29 12:00 UTC.
    const NOW: i64 = 1_795_953_600;

    fn defaults() -> BatchDefaults {
        BatchDefaults {
            project_id: 1,
            region_id: Some(9162),
            valid_from: None,
            valid_until: None,
        }
    }

    fn issue(csv: &[u8]) -> Result<BatchReport> {
        let key = IssuerKey::generate().unwrap();
        issue_csv(&key, csv, &defaults(), NOW, &NoProgress)
    }

    fn error_lines(report: &BatchReport) -> Vec<u64> {
        report.errors.iter().map(|e| e.line).collect()
    }

    #[test]
    fn good_rows_issued_bad_rows_reported_by_line() {
        let key = IssuerKey::generate().unwrap();
        let csv = "name,birthday,cardType,regionId,validFrom,validUntil,deviceKey\n\
                   Erika Mustermann,1980-05-17,standard,9162,2026-01-01,2028-12-31,\n\
                   ,1980-05-17,,,,,\n\
                   Max Mustermann,,gold,,,,\n\
                   Anna Schmidt,31.02.1980,,,,,\n\
                   Too,Many,,,,,,,\n\
                   Olga Becker,,,abc,,,\n\
                   Jens Ohm,,,,2026-05-01,2026-04-01,\n\
                   ,,,,,,\n";
        let progress = Recorder(RefCell::new(Vec::new()));
        let report = issue_csv(&key, csv.as_bytes(), &defaults(), NOW, &progress).unwrap();
        assert_eq!(error_lines(&report), vec![3, 5, 6, 7, 8]);
        assert!(
            report.errors[1].reason.contains("'birthday'")
                && !report.errors[1].reason.contains("31.02.1980"),
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
        let err = |csv: &[u8]| issue(csv).unwrap_err().to_string();
        assert!(err(b"vorname,geburtsdatum\nA,1.1.1990\n").contains("'Nachname'"));
        assert!(err(b"Nachname\nB\n").contains("'Vorname'"));
        assert!(err(b"Geburtsdatum;Region\n1.1.1990;1\n").contains("'Name'"));
        assert!(err(b"Name;Vorname;Nachname\nA B;A;B\n").contains("keep one"));
        assert!(err(b"\xff\xfe").contains("UTF-16"));
    }

    #[test]
    fn german_excel_export_semicolon_bom_crlf() {
        let csv = "\u{feff}Vorname;Nachname;Geburtsdatum;Kartentyp;Gültig ab;Gültig bis;Region\r\n\
                   Erika;Mustermann;17.5.1980;Blau;01.01.2026;31.12.2028;9162\r\n\
                   Max;Mustermann;;Gold;;;\r\n\
                   \"Anna; Maria\";Schmidt;1980-05-17;standard;;;\r\n";
        let report = issue(csv.as_bytes()).unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let format = report.format.unwrap();
        assert_eq!(format.encoding, TextEncoding::Utf8WithBom);
        assert_eq!(format.delimiter, b';');
        let claims: Vec<&CardClaims> = report.issued.iter().map(|r| &r.claims).collect();
        assert_eq!(claims[0].holder_name, "Erika Mustermann");
        assert_eq!(claims[0].birthday, Day::from_ymd(1980, 5, 17));
        assert_eq!(claims[0].card_type, CardType::Standard);
        assert_eq!(claims[0].valid_from, Day::from_ymd(2026, 1, 1).unwrap());
        assert_eq!(claims[0].valid_until, Day::from_ymd(2028, 12, 31));
        assert_eq!(claims[1].card_type, CardType::Gold);
        assert_eq!(claims[1].region_id, 9162);
        assert_eq!(claims[2].holder_name, "Anna; Maria Schmidt");
        assert_eq!(
            report.issued.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
    }

    #[test]
    fn windows_1252_names_come_out_right() {
        let csv = b"Name;Geburtsdatum\r\nJ\xfcrgen Wei\xdf;1.2.1970\r\nBj\xf6rn \xc4rger;\r\n";
        let report = issue(csv).unwrap();
        assert_eq!(report.format.unwrap().encoding, TextEncoding::Windows1252);
        let names: Vec<&str> = report
            .issued
            .iter()
            .map(|r| r.claims.holder_name.as_str())
            .collect();
        assert_eq!(names, vec!["Jürgen Weiß", "Björn Ärger"]);
    }

    #[test]
    fn crlf_and_lf_report_the_same_lines() {
        let lf = "Name,Ablaufdatum\n\
                  Erika Mustermann,31.12.2028\n\
                  \"Anna\nSchmidt\",31.12.2028\n\
                  Max Mustermann,31.02.2027\n\
                  Olga Becker,2028-12-31\n";
        for text in [lf.to_string(), lf.replace('\n', "\r\n")] {
            let report = issue(text.as_bytes()).unwrap();
            assert_eq!(error_lines(&report), vec![3, 5], "{:?}", report.errors);
            assert!(report.errors[0].reason.contains("control"));
            assert_eq!(
                report.errors[1].reason,
                "column 'Ablaufdatum': '31.02.2027' is not a real date in the form d.m.yyyy or yyyy-mm-dd"
            );
            let lines: Vec<u64> = report.issued.iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![2, 6]);
        }
    }

    #[test]
    fn an_unknown_column_fails_with_its_name() {
        let err = issue(b"Name;Kartentyp;Bemerkung\nA;Gold;VIP\n").unwrap_err();
        assert!(err.to_string().contains("'Bemerkung'"), "{err}");
        let err = issue(b"Name;Card Type;Kartentyp\nA;Gold;Gold\n").unwrap_err();
        assert!(err.to_string().contains("mean the same"), "{err}");
    }

    #[test]
    fn an_unknown_card_type_is_a_row_error_naming_column_and_value() {
        let report = issue(b"Name;Kartentyp\nA B;platin\nC D;GOLD\n").unwrap();
        assert_eq!(error_lines(&report), vec![2]);
        assert!(
            report.errors[0].reason.contains("'Kartentyp'")
                && report.errors[0].reason.contains("'platin'"),
            "{:?}",
            report.errors
        );
        assert_eq!(report.issued[0].claims.card_type, CardType::Gold);
    }

    #[test]
    fn a_gold_card_with_a_last_day_is_refused() {
        let report = issue(b"Name;Kartentyp;Gueltig bis\nA B;Gold;31.12.2030\n").unwrap();
        assert_eq!(error_lines(&report), vec![2]);
        assert!(report.errors[0].reason.contains("'Gueltig bis'"));
    }

    #[test]
    fn empty_and_header_only_files() {
        assert!(issue(b"").unwrap_err().to_string().contains("empty"));
        assert!(issue(b"\xef\xbb\xbf\r\n").is_err());
        let report = issue(b"Name;Geburtsdatum\r\n").unwrap();
        assert!(report.issued.is_empty() && report.errors.is_empty());
    }

    #[test]
    fn check_csv_signs_nothing_and_finds_what_issue_csv_finds() {
        let csv = "Name;Kartentyp;Startdatum;Ablaufdatum\n\
                   Erika Mustermann;;1.3.2027;28.2.2029\n\
                   Max Mustermann;gold;;\n\
                   Jens Ohm;;2026-05-01;2026-04-01\n";
        let plan = check_csv(csv.as_bytes(), &defaults(), NOW).unwrap();
        assert_eq!(plan.cards.len(), 2);
        assert_eq!(plan.cards[0].line, 2);
        assert_eq!(plan.cards[0].request.holder_name, "Erika Mustermann");
        assert_eq!(
            plan.cards[0].request.valid_until,
            Day::from_ymd(2029, 2, 28)
        );
        assert_eq!(plan.cards[1].request.card_type, CardType::Gold);
        assert_eq!(
            plan.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![4],
            "the validity period is checked too"
        );
        let report = issue(csv.as_bytes()).unwrap();
        assert_eq!(report.issued.len(), plan.cards.len());
        assert_eq!(report.errors, plan.errors);
    }

    #[test]
    fn form_fields_accept_german_dates_and_name_the_field() {
        let fields = CardFields {
            name: "Erika Mustermann",
            birthday: "17.5.1980",
            ..Default::default()
        };
        let request = request_from_fields(&fields, &defaults(), NOW).unwrap();
        assert_eq!(request.birthday, Day::from_ymd(1980, 5, 17));
        let fields = CardFields {
            birthday: "31.2.1980",
            ..fields
        };
        let err = request_from_fields(&fields, &defaults(), NOW).unwrap_err();
        assert!(
            err.starts_with("birthday: ") && !err.contains("31.2"),
            "{err}"
        );
    }
}
