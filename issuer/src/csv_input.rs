//! The one reader for the tables issuers bring from their own tools (card batches, store
//! lists): the text encoding, the delimiter, line endings, header names in German or English,
//! line numbers as an editor shows them, and dates as Germans and ISO write them.
//!
//! The rules, in one place:
//! - Encoding: valid UTF-8 (with or without a byte order mark) is UTF-8; anything else is
//!   Windows-1252 (what Excel writes on German Windows). UTF-16 is refused with a hint.
//! - Delimiter: whichever of `;`, `,` and tab occurs most often in the header line outside
//!   quotes (a tie or none: comma, unless a semicolon occurs).
//! - Header names match case-insensitively after trimming and folding: `ä→ae`, `ö→oe`,
//!   `ü→ue`, `ß→ss`, and spaces, `_`, `-` and `.` dropped, so `Gültig ab`, `gueltig_ab`,
//!   `validFrom` and `valid_from` each match their column's list of names. A header the
//!   program does not know is an error: a silently dropped column would lose data.
//! - Line numbers are 1-based physical lines counting the header; `\r\n`, `\n` and a lone `\r`
//!   each end one line, and a row that spans lines (a quoted field with a line break) is
//!   reported at the line where it starts.
//! - Rows whose cells are all empty (Excel leaves them at the end) are skipped.

use ehk_core::day::Day;
use ehk_core::error::{Error, Result};

/// A bad row: its line (or record number), and what is wrong, naming the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// How the bytes of a file were read as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8WithBom,
    Windows1252,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8WithBom => "UTF-8 with byte order mark",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

impl std::fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the reader found out about a table file, for the issuer to see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CsvFormat {
    pub encoding: TextEncoding,
    pub delimiter: u8,
}

impl std::fmt::Display for CsvFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let delimiter = match self.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("'{}'", d as char),
        };
        write!(f, "{}, {delimiter}-separated", self.encoding)
    }
}

/// Reads bytes as text: UTF-8 when they are valid UTF-8 (a leading byte order mark is
/// dropped), otherwise Windows-1252, which maps every byte to a character.
pub fn decode_text(bytes: &[u8]) -> Result<(String, TextEncoding)> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Error::malformed(
            "text file",
            "it is UTF-16; save it as UTF-8 (Excel: \"CSV UTF-8\") or Windows-1252",
        ));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_string(), TextEncoding::Utf8WithBom)),
            Err(e) => Err(Error::malformed(
                "text file",
                format!(
                    "it starts with a UTF-8 byte order mark but is not UTF-8 (line {})",
                    line_of_offset(rest, e.valid_up_to())
                ),
            )),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_string(), TextEncoding::Utf8)),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((text.into_owned(), TextEncoding::Windows1252))
        }
    }
}

/// The 1-based line of a byte offset: `\r\n`, `\n` and a lone `\r` each end a line.
fn line_of_offset(bytes: &[u8], offset: usize) -> u64 {
    LineIndex::new(bytes).line_of(offset)
}

/// Where each physical line starts, to turn byte offsets into the line numbers editors show.
pub(crate) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(crate) fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex(starts)
    }

    pub(crate) fn line_of(&self, offset: usize) -> u64 {
        self.0.partition_point(|&start| start <= offset) as u64
    }

    /// The line a record starts on. The csv crate's record position may point at line breaks
    /// before the record (the `\n` of a `\r\n`, skipped empty lines): that is where its own
    /// line count goes one off for CRLF files. No record starts with a bare line break.
    fn record_line(&self, text: &[u8], position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return 0 };
        let mut offset = position.byte() as usize;
        while matches!(text.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        self.line_of(offset)
    }
}

/// The form header names are compared in: see the module documentation.
pub fn header_key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.trim().trim_start_matches('\u{feff}').chars() {
        match c {
            ' ' | '_' | '-' | '.' | '\u{a0}' => {}
            'ä' | 'Ä' => key.push_str("ae"),
            'ö' | 'Ö' => key.push_str("oe"),
            'ü' | 'Ü' => key.push_str("ue"),
            'ß' | 'ẞ' => key.push_str("ss"),
            c => key.extend(c.to_lowercase()),
        }
    }
    key
}

/// A column a program understands, with every name (already in [`header_key`] form) that
/// means it.
#[derive(Clone, Copy, Debug)]
pub struct Column<K: 'static> {
    pub key: K,
    pub names: &'static [&'static str],
}

/// The column `header` means, if any.
pub fn column_for<K: Copy>(columns: &[Column<K>], header: &str) -> Option<K> {
    let key = header_key(header);
    columns
        .iter()
        .find(|c| c.names.contains(&key.as_str()))
        .map(|c| c.key)
}

/// A row that split into as many cells as the header has.
#[derive(Clone, Debug)]
pub struct CsvRow {
    pub line: u64,
    cells: Vec<String>,
}

/// A table file read and its header understood; rows that could not be split come as errors,
/// in file order with the good ones.
#[derive(Clone, Debug)]
pub struct CsvTable<K> {
    pub format: CsvFormat,
    /// The column of each header cell (None: a header cell left empty), with the header as
    /// written.
    header: Vec<(Option<K>, String)>,
    pub rows: Vec<std::result::Result<CsvRow, RowError>>,
}

impl<K: Copy + Eq> CsvTable<K> {
    fn index(&self, key: K) -> Option<usize> {
        self.header.iter().position(|(k, _)| *k == Some(key))
    }

    pub fn has(&self, key: K) -> bool {
        self.index(key).is_some()
    }

    /// The header of a column as the file writes it, for error messages.
    pub fn label(&self, key: K) -> Option<&str> {
        self.index(key).map(|i| self.header[i].1.as_str())
    }

    /// The trimmed cell of `row` in `key`'s column; empty when the file has no such column.
    pub fn cell<'a>(&self, row: &'a CsvRow, key: K) -> &'a str {
        self.index(key)
            .and_then(|i| row.cells.get(i))
            .map_or("", |s| s.as_str())
    }
}

fn detect_delimiter(text: &str) -> u8 {
    let (mut comma, mut semicolon, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semicolon += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab > semicolon {
        b'\t'
    } else if semicolon > 0 && semicolon >= comma {
        b';'
    } else {
        b','
    }
}

fn quoted_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a table file whose header may only name `columns`. `what` names the file kind in
/// errors ("card CSV", "store CSV"). Fails as a whole when the file is empty or its header
/// has unknown or repeated columns; the caller checks which columns it requires.
pub fn read_table<K: Copy + Eq>(
    bytes: &[u8],
    columns: &[Column<K>],
    what: &'static str,
) -> Result<CsvTable<K>> {
    let (text, encoding) = decode_text(bytes)?;
    if text.trim().is_empty() {
        return Err(Error::malformed(what, "the file is empty: no header line"));
    }
    let delimiter = detect_delimiter(&text);
    let lines = LineIndex::new(text.as_bytes());
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header_record = match records.next() {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(Error::malformed(what, format!("line 1: {e}"))),
        None => return Err(Error::malformed(what, "the file is empty: no header line")),
    };
    let header_line = lines.record_line(text.as_bytes(), header_record.position());
    let mut header = Vec::new();
    let mut unknown = Vec::new();
    for (i, name) in header_record.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').trim();
        if name.is_empty() {
            header.push((None, String::new()));
            continue;
        }
        match column_for(columns, name) {
            Some(key) => {
                if let Some((_, first)) = header.iter().find(|(k, _)| *k == Some(key)) {
                    return Err(Error::malformed(
                        what,
                        format!(
                            "line {header_line}: columns '{first}' and '{name}' (column {}) mean the same",
                            i + 1
                        ),
                    ));
                }
                header.push((Some(key), name.to_string()));
            }
            None => unknown.push(name.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(Error::malformed(
            what,
            format!(
                "line {header_line}: unknown column(s) {}",
                quoted_list(unknown.iter().map(|s| s.as_str()))
            ),
        ));
    }
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = lines.record_line(text.as_bytes(), e.position());
                rows.push(Err(RowError {
                    line,
                    reason: "unreadable row".into(),
                }));
                continue;
            }
        };
        let line = lines.record_line(text.as_bytes(), record.position());
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            rows.push(Err(RowError {
                line,
                reason: format!(
                    "{} fields where the header has {}",
                    record.len(),
                    header.len()
                ),
            }));
            continue;
        }
        if let Some(i) = header
            .iter()
            .zip(record.iter())
            .position(|((k, _), cell)| k.is_none() && !cell.is_empty())
        {
            rows.push(Err(RowError {
                line,
                reason: format!("a value in column {} which has no header", i + 1),
            }));
            continue;
        }
        rows.push(Ok(CsvRow {
            line,
            cells: record.iter().map(str::to_string).collect(),
        }));
    }
    Ok(CsvTable {
        format: CsvFormat {
            encoding,
            delimiter,
        },
        header,
        rows,
    })
}

/// Fails naming the `required` columns the table lacks.
pub fn require_columns<K: Copy + Eq>(
    table: &CsvTable<K>,
    required: &[(K, &str)],
    what: &'static str,
) -> Result<()> {
    let missing: Vec<&str> = required
        .iter()
        .filter(|(k, _)| !table.has(*k))
        .map(|(_, name)| *name)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::malformed(
            what,
            format!("missing column(s) {}", quoted_list(missing)),
        ))
    }
}

fn number(text: &str, min_digits: usize, max_digits: usize) -> Option<u32> {
    if text.len() < min_digits
        || text.len() > max_digits
        || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    text.parse().ok()
}

/// A calendar day written `d.m.yyyy`, `dd.mm.yyyy` or `yyyy-mm-dd`; `None` for anything else
/// and for days that do not exist (31.2.2027).
pub fn parse_date(text: &str) -> Option<Day> {
    let text = text.trim();
    let parts: Vec<&str> = text.split(['.', '-']).collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if text.contains('-') && !text.contains('.') => {
            (number(y, 4, 4)?, number(m, 1, 2)?, number(d, 1, 2)?)
        }
        [d, m, y] if text.contains('.') && !text.contains('-') => {
            (number(y, 4, 4)?, number(m, 1, 2)?, number(d, 1, 2)?)
        }
        _ => return None,
    };
    Day::from_ymd(year as i32, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Col {
        Name,
        City,
    }

    const COLUMNS: [Column<Col>; 2] = [
        Column {
            key: Col::Name,
            names: &["name"],
        },
        Column {
            key: Col::City,
            names: &["ort", "city"],
        },
    ];

    fn lines(table: &CsvTable<Col>) -> Vec<std::result::Result<(u64, String), u64>> {
        table
            .rows
            .iter()
            .map(|r| match r {
                Ok(row) => Ok((row.line, table.cell(row, Col::City).to_string())),
                Err(e) => Err(e.line),
            })
            .collect()
    }

    #[test]
    fn line_numbers_are_the_same_for_crlf_and_lf() {
        let lf = "Name;Ort\nA;X\n\"B\nzwei Zeilen\";Y\nC;Z;zu viel\nD;W\n";
        let crlf = lf.replace('\n', "\r\n");
        let cr = lf.replace('\n', "\r");
        for text in [lf.to_string(), crlf, cr] {
            let table = read_table(text.as_bytes(), &COLUMNS, "test CSV").unwrap();
            assert_eq!(
                lines(&table),
                vec![
                    Ok((2, "X".into())),
                    Ok((3, "Y".into())),
                    Err(5),
                    Ok((6, "W".into()))
                ],
                "{text:?}"
            );
        }
    }

    #[test]
    fn encodings_and_delimiters_are_detected() {
        let table = read_table(b"Name,Ort\nM\xfcller,K\xf6ln\n", &COLUMNS, "t").unwrap();
        assert_eq!(table.format.encoding, TextEncoding::Windows1252);
        assert_eq!(table.format.delimiter, b',');
        let Ok(row) = &table.rows[0] else { panic!() };
        assert_eq!(table.cell(row, Col::Name), "Müller");
        assert_eq!(table.cell(row, Col::City), "Köln");

        let bom = "\u{feff}name;CITY\r\n\"Weiß; Söhne\";Fürth\r\n";
        let table = read_table(bom.as_bytes(), &COLUMNS, "t").unwrap();
        assert_eq!(table.format.encoding, TextEncoding::Utf8WithBom);
        assert_eq!(table.format.delimiter, b';');
        let Ok(row) = &table.rows[0] else { panic!() };
        assert_eq!(table.cell(row, Col::Name), "Weiß; Söhne");

        let table = read_table(b"Name\tOrt\nA\tB, C\n", &COLUMNS, "t").unwrap();
        assert_eq!(table.format.delimiter, b'\t');
        assert_eq!(lines(&table), vec![Ok((2, "B, C".into()))]);

        assert!(read_table(b"\xff\xfeN\0", &COLUMNS, "t").is_err());
    }

    #[test]
    fn header_problems_fail_as_a_whole() {
        let err = |text: &str| {
            read_table(text.as_bytes(), &COLUMNS, "t")
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("empty"));
        assert!(err(" \r\n\n").contains("empty"));
        assert!(err("Name,Kartentyp\nA,gold\n").contains("'Kartentyp'"));
        assert!(err("Name,Ort,City\n").contains("'Ort' and 'City'"));
        let header_only = read_table(b"Name,Ort\r\n", &COLUMNS, "t").unwrap();
        assert!(header_only.rows.is_empty());
    }

    #[test]
    fn empty_rows_are_skipped_and_headerless_values_refused() {
        let table = read_table(b"Name;Ort;\nA;B;\n;;\nC;D;lost?\n", &COLUMNS, "t").unwrap();
        assert_eq!(lines(&table), vec![Ok((2, "B".into())), Err(4)]);
    }

    #[test]
    fn header_names_fold() {
        assert_eq!(header_key(" Gültig ab "), "gueltigab");
        assert_eq!(header_key("valid_from"), "validfrom");
        assert_eq!(header_key("validFrom"), "validfrom");
        assert_eq!(header_key("Straße"), "strasse");
        assert_eq!(header_key("E-Mail"), "email");
    }

    #[test]
    fn dates_german_and_iso() {
        let d = |y, m, d| Day::from_ymd(y, m, d);
        assert_eq!(parse_date("1.2.2027"), d(2027, 2, 1));
        assert_eq!(parse_date("01.02.2027"), d(2027, 2, 1));
        assert_eq!(parse_date(" 2027-02-01 "), d(2027, 2, 1));
        assert_eq!(parse_date("29.2.2028"), d(2028, 2, 29));
        for bad in [
            "31.2.2027",
            "29.2.2027",
            "2027-02-30",
            "1.2.27",
            "1-2-2027",
            "2027.02.01",
            "+1.2.2027",
            "1.13.2027",
            "",
            "1.2.2027.",
            "2027-02-01T00:00",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
