//! Importing stores for publishing: CSV as issuers' tools export it (read by
//! [`crate::csv_input`]: UTF-8 or Windows-1252, comma, semicolon or tab, German or English
//! headers), the Bavarian LBE XML export ([`super::lbe_xml`]) and GeoJSON FeatureCollections.
//! Bad records are reported and skipped; good ones go in. None of these functions writes
//! anything: a dry run is reading the report.
//!
//! Categories come from the project's list, matched by id or by German or English name.

pub use crate::csv_input::RowError;
use crate::csv_input::{column_for, read_table, require_columns, Column, CsvFormat, TextEncoding};
use ehk_core::error::{Error, Result};
use ehk_core::stores::fold::fold;
use ehk_core::stores::model::{Category, Discount, Position, StoreRecord};
use sha2::{Digest, Sha256};

/// The columns existing issuer tools export, in this order.
pub const CSV_HEADER: [&str; 13] = [
    "name",
    "street",
    "houseNumber",
    "postalCode",
    "location",
    "latitude",
    "longitude",
    "telephone",
    "email",
    "homepage",
    "discountDE",
    "discountEN",
    "categoryId",
];

/// What a store list can say about a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreColumn {
    Id,
    Name,
    Street,
    HouseNumber,
    PostalCode,
    City,
    Latitude,
    Longitude,
    Phone,
    Email,
    Homepage,
    DiscountDe,
    DiscountEn,
    Category,
    Region,
}

/// Every header (or XML element, or GeoJSON property) name a store list may use, in
/// [`crate::csv_input::header_key`] form.
pub const STORE_COLUMNS: [Column<StoreColumn>; 15] = [
    Column {
        key: StoreColumn::Id,
        names: &["id", "storeid"],
    },
    Column {
        key: StoreColumn::Name,
        names: &["name", "firma", "akzeptanzstelle"],
    },
    Column {
        key: StoreColumn::Street,
        names: &["street", "strasse", "str"],
    },
    Column {
        key: StoreColumn::HouseNumber,
        names: &["housenumber", "hausnummer", "hausnr", "nr"],
    },
    Column {
        key: StoreColumn::PostalCode,
        names: &["postalcode", "plz", "postleitzahl", "zip", "zipcode"],
    },
    Column {
        key: StoreColumn::City,
        names: &["location", "ort", "stadt", "city"],
    },
    Column {
        key: StoreColumn::Latitude,
        names: &["latitude", "lat", "breitengrad", "breite"],
    },
    Column {
        key: StoreColumn::Longitude,
        names: &["longitude", "lon", "lng", "laengengrad", "laenge"],
    },
    Column {
        key: StoreColumn::Phone,
        names: &["telephone", "telefon", "phone", "tel"],
    },
    Column {
        key: StoreColumn::Email,
        names: &["email", "mail"],
    },
    Column {
        key: StoreColumn::Homepage,
        names: &[
            "homepage",
            "homepageurl",
            "website",
            "webseite",
            "url",
            "internet",
        ],
    },
    Column {
        key: StoreColumn::DiscountDe,
        names: &["discountde", "discount", "rabatt", "rabattde"],
    },
    Column {
        key: StoreColumn::DiscountEn,
        names: &["discounten", "rabatten"],
    },
    Column {
        key: StoreColumn::Category,
        names: &["categoryid", "category", "kategorie", "kategorieid"],
    },
    Column {
        key: StoreColumn::Region,
        names: &["regionid", "region"],
    },
];

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub stores: Vec<StoreRecord>,
    /// For CSV and XML the line number, for GeoJSON the feature number (1-based).
    pub errors: Vec<RowError>,
    /// How a CSV file was read (`None` for other formats).
    pub format: Option<CsvFormat>,
    /// How the bytes of a CSV or XML file were read as text.
    pub encoding: Option<TextEncoding>,
}

/// Where the fields of one store came from, to name them in errors as the file does.
#[derive(Clone, Copy)]
pub(crate) enum Source {
    Csv,
    Xml,
    GeoJson,
}

/// Text fields of one store as they come from a row, a record or a feature, each with the
/// name the source gave it.
pub(crate) struct Fields {
    source: Source,
    values: Vec<(StoreColumn, String, String)>,
}

impl Fields {
    pub(crate) fn new(source: Source) -> Fields {
        Fields {
            source,
            values: Vec::new(),
        }
    }

    /// Adds a field; false when the column is already there.
    pub(crate) fn insert(&mut self, column: StoreColumn, name: &str, value: &str) -> bool {
        if self.values.iter().any(|(c, _, _)| *c == column) {
            return false;
        }
        self.values
            .push((column, name.to_string(), value.trim().to_string()));
        true
    }

    fn get(&self, column: StoreColumn) -> &str {
        self.values
            .iter()
            .find(|(c, _, _)| *c == column)
            .map_or("", |(_, _, v)| v.as_str())
    }

    fn label(&self, column: StoreColumn) -> String {
        let name = self
            .values
            .iter()
            .find(|(c, _, _)| *c == column)
            .map(|(_, n, _)| n.as_str());
        match (self.source, name) {
            (Source::Csv, Some(n)) => format!("column '{n}'"),
            (Source::Xml, Some(n)) => format!("element <{n}>"),
            (Source::GeoJson, Some(n)) => format!("property '{n}'"),
            (_, None) => format!("{column:?}").to_lowercase(),
        }
    }
}

/// A stable id from what identifies a store when the source has no id column.
fn derived_id(f: &Fields) -> i64 {
    let key = format!(
        "{}|{}|{}|{}|{}",
        fold(f.get(StoreColumn::Name)),
        f.get(StoreColumn::PostalCode),
        fold(f.get(StoreColumn::Street)),
        fold(f.get(StoreColumn::HouseNumber)),
        fold(f.get(StoreColumn::City))
    );
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 1) as i64
}

fn coordinate(f: &Fields, column: StoreColumn, limit: f64) -> Result<f64, String> {
    let text = f.get(column);
    let value: f64 = text
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("{}: '{text}' is not a number", f.label(column)))?;
    if !value.is_finite() || value.abs() > limit {
        return Err(format!("{}: {value} is out of range", f.label(column)));
    }
    Ok(value)
}

/// The id of the category `text` names: its id, or its German or English name in any case.
pub fn find_category(text: &str, categories: &[Category]) -> Option<u32> {
    let text = text.trim();
    if let Ok(id) = text.parse::<u32>() {
        return categories.iter().find(|c| c.id == id).map(|c| c.id);
    }
    let wanted = text.to_lowercase();
    categories
        .iter()
        .find(|c| c.name_de.to_lowercase() == wanted || c.name_en.to_lowercase() == wanted)
        .map(|c| c.id)
}

fn to_record(f: &Fields, categories: &[Category]) -> Result<StoreRecord, String> {
    use StoreColumn as C;
    let name = f.get(C::Name);
    if name.is_empty() {
        return Err(format!("{}: empty", f.label(C::Name)));
    }
    let position = match (
        f.get(C::Latitude).is_empty(),
        f.get(C::Longitude).is_empty(),
    ) {
        (true, true) => None,
        (false, false) => Some((
            coordinate(f, C::Latitude, 90.0)?,
            coordinate(f, C::Longitude, 180.0)?,
        )),
        _ => return Err("only one of latitude and longitude is given".into()),
    };
    let category = f.get(C::Category);
    if category.is_empty() {
        return Err(format!("{}: empty", f.label(C::Category)));
    }
    let category_id = find_category(category, categories).ok_or_else(|| {
        format!(
            "{}: unknown category '{category}' (the project has {})",
            f.label(C::Category),
            categories
                .iter()
                .map(|c| format!("{} {}", c.id, c.name_de))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let region_id = match f.get(C::Region) {
        "" => None,
        r => Some(
            r.parse()
                .map_err(|_| format!("{}: region id '{r}' is not a number", f.label(C::Region)))?,
        ),
    };
    let id = match f.get(C::Id) {
        "" => derived_id(f),
        text => text
            .parse()
            .map_err(|_| format!("{}: id '{text}' is not a number", f.label(C::Id)))?,
    };
    let (discount_de, discount_en) = (f.get(C::DiscountDe), f.get(C::DiscountEn));
    let discounts = if discount_de.is_empty() && discount_en.is_empty() {
        Vec::new()
    } else {
        vec![Discount {
            text_de: discount_de.to_string(),
            text_en: discount_en.to_string(),
            valid_from: None,
            valid_until: None,
        }]
    };
    Ok(StoreRecord {
        id,
        name: name.to_string(),
        category_id,
        street: f.get(C::Street).to_string(),
        house_number: f.get(C::HouseNumber).to_string(),
        postal_code: f.get(C::PostalCode).to_string(),
        city: f.get(C::City).to_string(),
        phone: f.get(C::Phone).to_string(),
        email: f.get(C::Email).to_string(),
        website: f.get(C::Homepage).to_string(),
        position: position.map(Position::from),
        region_id,
        discounts,
    })
}

pub(crate) fn push(report: &mut ImportReport, line: u64, fields: &Fields, categories: &[Category]) {
    match to_record(fields, categories) {
        Ok(store) => {
            if let Some(first) = report.stores.iter().position(|s| s.id == store.id) {
                report.errors.push(RowError {
                    line,
                    reason: format!(
                        "store id {} appears twice (the same name and address as store {})",
                        store.id,
                        first + 1
                    ),
                });
            } else {
                report.stores.push(store);
            }
        }
        Err(reason) => report.errors.push(RowError { line, reason }),
    }
}

const WHAT: &str = "store CSV";

/// Reads a store list as CSV. Header names may be English (`name, street, houseNumber,
/// postalCode, location, latitude, longitude, telephone, email, homepage, discountDE,
/// discountEN, categoryId`, optional `id`, `regionId`) or German (`Name, Straße, Hausnummer,
/// PLZ, Ort, Breitengrad, Längengrad, Telefon, E-Mail, Homepage, Rabatt, Kategorie`); see
/// [`STORE_COLUMNS`]. `Name` and a category column are required; an unknown column fails the
/// whole file.
pub fn import_csv(bytes: &[u8], categories: &[Category]) -> Result<ImportReport> {
    let table = read_table(bytes, &STORE_COLUMNS, WHAT)?;
    require_columns(
        &table,
        &[
            (StoreColumn::Name, "Name"),
            (StoreColumn::Category, "Kategorie"),
        ],
        WHAT,
    )?;
    let mut report = ImportReport {
        format: Some(table.format),
        encoding: Some(table.format.encoding),
        ..Default::default()
    };
    for row in &table.rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                report.errors.push(e.clone());
                continue;
            }
        };
        let mut fields = Fields::new(Source::Csv);
        for column in STORE_COLUMNS.iter().map(|c| c.key) {
            if let Some(label) = table.label(column) {
                fields.insert(column, label, table.cell(row, column));
            }
        }
        push(&mut report, row.line, &fields, categories);
    }
    Ok(report)
}

/// Reads a GeoJSON FeatureCollection of Point features whose properties use the CSV column
/// names (English or German). A feature without geometry is a store without coordinates; a
/// property the program does not know makes its feature an error.
pub fn import_geojson(text: &str, categories: &[Category]) -> Result<ImportReport> {
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| Error::malformed("GeoJSON", e.to_string()))?;
    let geojson::GeoJson::FeatureCollection(collection) = geojson else {
        return Err(Error::malformed("GeoJSON", "expected a FeatureCollection"));
    };
    let mut report = ImportReport::default();
    'features: for (i, feature) in collection.features.into_iter().enumerate() {
        let number = i as u64 + 1;
        let mut fields = Fields::new(Source::GeoJson);
        let mut fail = |reason: String| {
            report.errors.push(RowError {
                line: number,
                reason,
            })
        };
        match feature.geometry.as_ref().map(|g| &g.value) {
            None => {}
            Some(geojson::GeometryValue::Point { coordinates }) if coordinates.len() >= 2 => {
                fields.insert(
                    StoreColumn::Latitude,
                    "geometry",
                    &coordinates[1].to_string(),
                );
                fields.insert(
                    StoreColumn::Longitude,
                    "geometry",
                    &coordinates[0].to_string(),
                );
            }
            Some(_) => {
                fail("geometry is not a Point".into());
                continue;
            }
        }
        for (key, value) in feature.properties.iter().flatten() {
            let Some(column) = column_for(&STORE_COLUMNS, key) else {
                fail(format!("unknown property '{key}'"));
                continue 'features;
            };
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Null => String::new(),
                _ => {
                    fail(format!("property '{key}' is not a string or a number"));
                    continue 'features;
                }
            };
            if !fields.insert(column, key, &text) {
                fail(format!(
                    "property '{key}' repeats another property's meaning"
                ));
                continue 'features;
            }
        }
        if fields.get(StoreColumn::Id).is_empty() {
            if let Some(geojson::feature::Id::Number(n)) = &feature.id {
                fields.values.retain(|(c, _, _)| *c != StoreColumn::Id);
                fields.insert(StoreColumn::Id, "id", &n.to_string());
            }
        }
        push(&mut report, number, &fields, categories);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ehk_core::stores::model::default_categories;

    /// A project with more categories than the ten every project starts with.
    fn fourteen_categories() -> Vec<Category> {
        let mut categories = default_categories();
        for (id, de, en) in [
            (10, "Handwerk", "Crafts"),
            (11, "Tiere", "Animals"),
            (12, "Fahrräder", "Bicycles"),
            (13, "Optiker", "Opticians"),
        ] {
            categories.push(Category {
                id,
                name_de: de.into(),
                name_en: en.into(),
                icon: "other".into(),
            });
        }
        categories
    }

    #[test]
    fn german_excel_export_with_project_categories() {
        let csv = "\u{feff}Name;Straße;Hausnummer;PLZ;Ort;Breitengrad;Längengrad;Telefon;E-Mail;Homepage;Rabatt;Kategorie\r\n\
                   Radl Maier;Hauptstr.;3;90402;Nürnberg;49,45;11,08;;;;\"10 %; auf Schläuche\";12\r\n\
                   Brillen Weiß;Markt;1;90402;Nürnberg;;;;;;5 %;optiker\r\n\
                   Zoo Huber;Weg;2;90402;Nürnberg;;;;;;;Zoo\r\n\
                   Alles Mögliche;Weg;4;90402;Nürnberg;;;;;;;\r\n\
                   \"Mehr\r\nZeilen\";Weg;5;90402;Nürnberg;;;;;;;Sonstiges\r\n\
                   Letzte;Weg;6;90402;Nürnberg;;;;;;;13\r\n";
        let report = import_csv(csv.as_bytes(), &fourteen_categories()).unwrap();
        assert_eq!(report.format.unwrap().delimiter, b';');
        assert_eq!(report.encoding, Some(TextEncoding::Utf8WithBom));
        let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 5], "{:?}", report.errors);
        assert_eq!(
            report.errors[0].reason,
            "column 'Kategorie': unknown category 'Zoo' (the project has 0 Essen & Trinken, \
             1 Medien & Bücher, 2 Gesundheit & Wellness, 3 Sport & Freizeit, 4 Kultur & Museen, \
             5 Mobilität, 6 Mode & Einkaufen, 7 Dienstleistungen, 8 Bildung, 9 Sonstiges, \
             10 Handwerk, 11 Tiere, 12 Fahrräder, 13 Optiker)"
        );
        assert!(report.errors[1].reason.contains("'Kategorie': empty"));
        let ids: Vec<u32> = report.stores.iter().map(|s| s.category_id).collect();
        assert_eq!(ids, vec![12, 13, 9, 13]);
        let radl = &report.stores[0];
        assert_eq!(radl.street, "Hauptstr.");
        assert_eq!(radl.position, Some((49.45, 11.08).into()));
        assert_eq!(radl.discounts[0].text_de, "10 %; auf Schläuche");
        assert_eq!(report.stores[2].name, "Mehr\r\nZeilen");
    }

    #[test]
    fn windows_1252_store_names() {
        let csv = b"name,categoryId,Ort\nB\xe4ckerei Gro\xdf,0,F\xfcrth\n";
        let report = import_csv(csv, &default_categories()).unwrap();
        assert_eq!(report.encoding, Some(TextEncoding::Windows1252));
        assert_eq!(report.stores[0].name, "Bäckerei Groß");
        assert_eq!(report.stores[0].city, "Fürth");
    }

    #[test]
    fn header_problems_name_the_columns() {
        let err = |csv: &str| {
            import_csv(csv.as_bytes(), &default_categories())
                .unwrap_err()
                .to_string()
        };
        assert!(err("Name;Kategorie;Öffnungszeiten\nA;0;9-18\n").contains("'Öffnungszeiten'"));
        assert!(err("Name;Ort\nA;B\n").contains("missing column(s) 'Kategorie'"));
        assert!(err("Ort;Kategorie\n").contains("'Name'"));
        assert!(err("Strasse;Straße;Name;Kategorie\n").contains("mean the same"));
        assert!(err("").contains("empty"));
        let header_only = import_csv(b"Name;Kategorie\r\n", &default_categories()).unwrap();
        assert!(header_only.stores.is_empty() && header_only.errors.is_empty());
    }

    #[test]
    fn geojson_properties_may_be_german_but_not_unknown() {
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":null,"properties":{"Name":"Apotheke","Kategorie":"Gesundheit & Wellness","Straße":"Markt"}},
            {"type":"Feature","geometry":null,"properties":{"name":"X","categoryId":0,"marker-color":"red"}}
        ]}"#;
        let report = import_geojson(text, &default_categories()).unwrap();
        assert_eq!(report.stores.len(), 1);
        assert_eq!(report.stores[0].category_id, 2);
        assert_eq!(report.stores[0].street, "Markt");
        assert_eq!(report.errors[0].line, 2);
        assert!(report.errors[0].reason.contains("'marker-color'"));
    }
}
