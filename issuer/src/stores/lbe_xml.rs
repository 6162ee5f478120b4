//! The Bavarian LBE ("Landesamt") XML export of partner stores: one element per store, whose
//! child elements are its fields:
//!
//! ```xml
//! <akzeptanzstellen>
//!   <akzeptanzstelle>
//!     <name>Bäckerei Müller</name><strasse>Hauptstraße</strasse><hausnummer>1</hausnummer>
//!     <plz>80331</plz><ort>München</ort><breitengrad>48.137</breitengrad>
//!     <laengengrad>11.575</laengengrad><telefon/><email/><homepage_url/>
//!     <rabatt>10 % auf alles</rabatt><kategorie>0</kategorie>
//!   </akzeptanzstelle>
//! </akzeptanzstellen>
//! ```
//!
//! The root and record element names do not matter, and the list may sit one or more wrapper
//! elements deep. Field names are those of a store CSV header ([`STORE_COLUMNS`]), so English
//! names work too. An element the program does not know fails the whole file, naming it and
//! its line. A document type declaration (and with it every entity expansion) is refused, and
//! the file size and node count are limited.

use super::import::{push, Fields, ImportReport, RowError, Source, STORE_COLUMNS};
use crate::csv_input::{column_for, decode_text, TextEncoding};
use ehk_core::error::{Error, Result};
use ehk_core::stores::model::Category;
use roxmltree::{Document, Node, ParsingOptions};

/// The largest XML file read: LBE exports of every Bavarian store are a few megabytes.
pub const MAX_XML_BYTES: usize = 64 << 20;
const MAX_XML_NODES: u32 = 4_000_000;
const WHAT: &str = "store XML";

fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(|n| n.is_element())
}

/// A store record: an element whose child elements have no elements inside.
fn is_record(node: Node) -> bool {
    elements(node).all(|field| elements(field).next().is_none())
}

/// Text directly inside `node` that is not whitespace (a field outside any element).
fn stray_text<'a, 'input>(node: Node<'a, 'input>) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|n| n.is_text() && !n.text().unwrap_or("").trim().is_empty())
}

/// The encoding the XML declaration names, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let declaration = head.strip_prefix("\u{feff}").unwrap_or(&head);
    let declaration = &declaration[..declaration.find("?>")?];
    if !declaration.starts_with("<?xml") {
        return None;
    }
    let rest = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// Reads the text: the declared encoding when it is Windows-1252 or ISO-8859-1, otherwise
/// the rule of every table file (UTF-8 when valid, else Windows-1252).
fn xml_text(bytes: &[u8]) -> Result<(String, TextEncoding)> {
    if let Some(label) = declared_encoding(bytes) {
        match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
            Some(e) if e == encoding_rs::WINDOWS_1252 => {
                let (text, _) = e.decode_without_bom_handling(bytes);
                return Ok((text.into_owned(), TextEncoding::Windows1252));
            }
            Some(e) if e == encoding_rs::UTF_8 => {}
            _ => {
                return Err(Error::malformed(
                    WHAT,
                    format!(
                        "line 1: encoding '{label}' is not supported; use UTF-8 or Windows-1252"
                    ),
                ))
            }
        }
    }
    decode_text(bytes)
}

/// Reads an LBE XML export; bad records are reported by the line their element starts on.
pub fn import_xml(bytes: &[u8], categories: &[Category]) -> Result<ImportReport> {
    if bytes.len() > MAX_XML_BYTES {
        return Err(Error::malformed(
            WHAT,
            format!("the file is larger than {} MiB", MAX_XML_BYTES >> 20),
        ));
    }
    let (text, encoding) = xml_text(bytes)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(&text, options).map_err(|e| {
        let detail = match &e {
            roxmltree::Error::DtdDetected => {
                "a <!DOCTYPE> declaration is not accepted (its entities could expand without end)"
                    .to_string()
            }
            other => other.to_string(),
        };
        Error::malformed(WHAT, format!("line {}: {detail}", e.pos().row))
    })?;
    let line = |node: Node| doc.text_pos_at(node.range().start).row as u64;

    let mut list = doc.root_element();
    loop {
        let mut children = elements(list);
        match (children.next(), children.next()) {
            (Some(only), None) if !is_record(only) => list = only,
            _ => break,
        }
    }
    if let Some(t) = stray_text(list) {
        return Err(Error::malformed(
            WHAT,
            format!(
                "line {}: text in <{}> outside a store element",
                line(t),
                list.tag_name().name()
            ),
        ));
    }

    let mut report = ImportReport {
        encoding: Some(encoding),
        ..Default::default()
    };
    for record in elements(list) {
        let record_line = line(record);
        let record_name = record.tag_name().name();
        if !is_record(record) {
            let nested = elements(record)
                .find(|f| elements(*f).next().is_some())
                .unwrap_or(record);
            return Err(Error::malformed(
                WHAT,
                format!(
                    "line {}: <{}> has elements inside; a store's fields hold only text",
                    line(nested),
                    nested.tag_name().name()
                ),
            ));
        }
        if let Some(t) = stray_text(record) {
            return Err(Error::malformed(
                WHAT,
                format!("line {}: text in <{record_name}> outside a field", line(t)),
            ));
        }
        let mut fields = Fields::new(Source::Xml);
        let mut duplicate = None;
        for attribute in record.attributes() {
            match column_for(&STORE_COLUMNS, attribute.name()) {
                Some(column) => {
                    if !fields.insert(column, attribute.name(), attribute.value()) {
                        duplicate = Some(attribute.name().to_string());
                    }
                }
                None => {
                    return Err(Error::malformed(
                        WHAT,
                        format!(
                            "line {record_line}: unknown attribute '{}' of <{record_name}>",
                            attribute.name()
                        ),
                    ))
                }
            }
        }
        for field in elements(record) {
            let name = field.tag_name().name();
            let Some(column) = column_for(&STORE_COLUMNS, name) else {
                return Err(Error::malformed(
                    WHAT,
                    format!("line {}: unknown element <{name}>", line(field)),
                ));
            };
            if let Some(attribute) = field.attributes().next() {
                return Err(Error::malformed(
                    WHAT,
                    format!(
                        "line {}: unknown attribute '{}' of <{name}>",
                        line(field),
                        attribute.name()
                    ),
                ));
            }
            let value: String = field
                .descendants()
                .filter(|n| n.is_text())
                .filter_map(|n| n.text())
                .collect();
            if !fields.insert(column, name, &value) && duplicate.is_none() {
                duplicate = Some(name.to_string());
            }
        }
        match duplicate {
            Some(name) => report.errors.push(RowError {
                line: record_line,
                reason: format!("<{name}> repeats a field the store already has"),
            }),
            None => push(&mut report, record_line, &fields, categories),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehk_core::stores::model::default_categories;

    const LBE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<akzeptanzstellen>
  <akzeptanzstelle>
    <name>Bäckerei Müller</name>
    <strasse>Hauptstraße</strasse>
    <hausnummer>1</hausnummer>
    <plz>80331</plz>
    <ort>München</ort>
    <breitengrad>48,137</breitengrad>
    <laengengrad>11.575</laengengrad>
    <telefon>089 1</telefon>
    <email>a@b.de</email>
    <homepage_url>https://b.de</homepage_url>
    <rabatt><![CDATA[10 % auf <alles>]]></rabatt>
    <kategorie>Essen &amp; Trinken</kategorie>
  </akzeptanzstelle>
  <akzeptanzstelle>
    <name>Falsche Kategorie</name>
    <kategorie>Zoo</kategorie>
  </akzeptanzstelle>
  <akzeptanzstelle>
    <name>Ohne Ort</name>
    <kategorie>1</kategorie>
    <telefon/>
  </akzeptanzstelle>
</akzeptanzstellen>
"#;

    #[test]
    fn lbe_export_reads_with_lines() {
        let report = import_xml(LBE.as_bytes(), &default_categories()).unwrap();
        assert_eq!(report.stores.len(), 2, "{:?}", report.errors);
        let s = &report.stores[0];
        assert_eq!(s.name, "Bäckerei Müller");
        assert_eq!(s.street, "Hauptstraße");
        assert_eq!(s.city, "München");
        assert_eq!(s.position, Some((48.137, 11.575).into()));
        assert_eq!(s.website, "https://b.de");
        assert_eq!(s.discounts[0].text_de, "10 % auf <alles>");
        assert_eq!(s.category_id, 0);
        assert_eq!(report.stores[1].position, None);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].line, 17);
        assert!(report.errors[0].reason.contains("<kategorie>"));
        assert!(report.errors[0].reason.contains("'Zoo'"));
        assert_eq!(report.encoding, Some(TextEncoding::Utf8));
    }

    #[test]
    fn any_wrapper_and_names_and_windows_1252() {
        let xml = b"<?xml version='1.0' encoding='ISO-8859-1'?>\r\n<export><liste>\r\n\
                    <store id='7'><name>Caf\xe9 Cr\xe8me</name><kategorie>0</kategorie></store>\r\n\
                    </liste></export>";
        let report = import_xml(xml, &default_categories()).unwrap();
        assert_eq!(report.encoding, Some(TextEncoding::Windows1252));
        assert_eq!(report.stores[0].name, "Café Crème");
        assert_eq!(report.stores[0].id, 7);
        // Undeclared, not UTF-8: Windows-1252 as for every table.
        let xml = b"<a><b><name>M\xfcller</name><kategorie>0</kategorie></b></a>";
        let report = import_xml(xml, &default_categories()).unwrap();
        assert_eq!(report.stores[0].name, "Müller");
    }

    #[test]
    fn unknown_elements_and_hostile_input_fail_with_a_line() {
        let err = |xml: &str| {
            import_xml(xml.as_bytes(), &default_categories())
                .unwrap_err()
                .to_string()
        };
        let unknown = "<a>\n<b><name>X</name>\n<oeffnungszeiten>9-18</oeffnungszeiten></b></a>";
        assert!(
            err(unknown).contains("line 3: unknown element <oeffnungszeiten>"),
            "{}",
            err(unknown)
        );
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<a><b><name>&lol2;</name><kategorie>0</kategorie></b></a>"#;
        assert!(err(bomb).contains("line 1: a <!DOCTYPE>"), "{}", err(bomb));
        assert!(err("<a><b><name>X</name>").contains("line 1"));
        assert!(err("").contains("line 1"));
        let nested = "<a><b><name>X</name></b>\n<b><name>X<i>y</i></name></b></a>";
        assert!(
            err(nested).contains("line 2: <name> has elements inside"),
            "{}",
            err(nested)
        );
        assert!(err("<a><b><name lang='de'>X</name></b></a>").contains("attribute 'lang'"));
        assert!(err("<a>Text<b><name>X</name></b></a>").contains("outside a store"));
        assert!(err("<?xml version='1.0' encoding='UTF-16'?><a/>").contains("UTF-16"));
        let big = vec![b' '; MAX_XML_BYTES + 1];
        assert!(import_xml(&big, &default_categories()).is_err());
    }

    #[test]
    fn a_repeated_field_is_a_record_error() {
        let xml = "<a>\n<b><name>X</name><name>Y</name><kategorie>0</kategorie></b>\n\
                   <b><name>Z</name><kategorie>0</kategorie></b></a>";
        let report = import_xml(xml.as_bytes(), &default_categories()).unwrap();
        assert_eq!(report.stores.len(), 1);
        assert_eq!(report.errors[0].line, 2);
    }
}
