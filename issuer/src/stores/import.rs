//! Importing stores for publishing: CSV as existing issuer tools export it, and GeoJSON
//! FeatureCollections. Bad records are reported and skipped; good ones go in.

use crate::batch::RowError;
use ehk_core::error::{Error, Result};
use ehk_core::stores::fold::fold;
use ehk_core::stores::model::{Category, Discount, StoreRecord};
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

#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub stores: Vec<StoreRecord>,
    /// For CSV the line number, for GeoJSON the feature number (1-based).
    pub errors: Vec<RowError>,
}

/// Text fields of one store as they come from a row or a feature.
#[derive(Default)]
struct Fields {
    id: String,
    name: String,
    street: String,
    house_number: String,
    postal_code: String,
    location: String,
    latitude: String,
    longitude: String,
    telephone: String,
    email: String,
    homepage: String,
    discount_de: String,
    discount_en: String,
    category_id: String,
    region_id: String,
}

/// A stable id from what identifies a store when the source has no id column.
fn derived_id(f: &Fields) -> i64 {
    let key = format!(
        "{}|{}|{}|{}|{}",
        fold(&f.name),
        f.postal_code.trim(),
        fold(&f.street),
        fold(&f.house_number),
        fold(&f.location)
    );
    let digest = Sha256::digest(key.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(bytes) >> 1) as i64
}

fn coordinate(text: &str, what: &str, limit: f64) -> Result<f64, String> {
    let normalized = text.trim().replace(',', ".");
    let value: f64 = normalized
        .parse()
        .map_err(|_| format!("{what} '{}' is not a number", text.trim()))?;
    if !value.is_finite() || value.abs() > limit {
        return Err(format!("{what} {value} is out of range"));
    }
    Ok(value)
}

fn to_record(f: Fields, categories: &[Category]) -> Result<StoreRecord, String> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err("name is empty".into());
    }
    let position = match (f.latitude.trim().is_empty(), f.longitude.trim().is_empty()) {
        (true, true) => None,
        (false, false) => Some((
            coordinate(&f.latitude, "latitude", 90.0)?,
            coordinate(&f.longitude, "longitude", 180.0)?,
        )),
        _ => return Err("only one of latitude and longitude is given".into()),
    };
    let category_id: u32 = f
        .category_id
        .trim()
        .parse()
        .map_err(|_| format!("category '{}' is not a number", f.category_id.trim()))?;
    if !categories.iter().any(|c| c.id == category_id) {
        return Err(format!("unknown category {category_id}"));
    }
    let region_id = match f.region_id.trim() {
        "" => None,
        r => Some(
            r.parse()
                .map_err(|_| format!("region id '{r}' is not a number"))?,
        ),
    };
    let id = match f.id.trim() {
        "" => derived_id(&f),
        text => text
            .parse()
            .map_err(|_| format!("id '{text}' is not a number"))?,
    };
    let discounts = if f.discount_de.trim().is_empty() && f.discount_en.trim().is_empty() {
        Vec::new()
    } else {
        vec![Discount {
            text_de: f.discount_de.trim().to_string(),
            text_en: f.discount_en.trim().to_string(),
            valid_from: None,
            valid_until: None,
        }]
    };
    Ok(StoreRecord {
        id,
        name: name.to_string(),
        category_id,
        street: f.street.trim().to_string(),
        house_number: f.house_number.trim().to_string(),
        postal_code: f.postal_code.trim().to_string(),
        city: f.location.trim().to_string(),
        phone: f.telephone.trim().to_string(),
        email: f.email.trim().to_string(),
        website: f.homepage.trim().to_string(),
        position,
        region_id,
        discounts,
    })
}

fn push(report: &mut ImportReport, line: u64, fields: Fields, categories: &[Category]) {
    match to_record(fields, categories) {
        Ok(store) => {
            if report.stores.iter().any(|s| s.id == store.id) {
                report.errors.push(RowError {
                    line,
                    reason: format!("store id {} appears twice", store.id),
                });
            } else {
                report.stores.push(store);
            }
        }
        Err(reason) => report.errors.push(RowError { line, reason }),
    }
}

/// Reads the issuers' CSV layout (optional extra columns: `id`, `regionId`).
pub fn import_csv(bytes: &[u8], categories: &[Category]) -> Result<ImportReport> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::malformed("CSV header", e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    if col("name").is_none() {
        return Err(Error::malformed(
            "CSV header",
            format!("expected {}", CSV_HEADER.join(",")),
        ));
    }
    let cols: Vec<Option<usize>> = CSV_HEADER.iter().map(|h| col(h)).collect();
    let (id_col, region_col) = (col("id"), col("regionId"));
    let mut report = ImportReport::default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report.errors.push(RowError {
                    line,
                    reason: "the row does not have as many fields as the header".into(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |c: Option<usize>| c.and_then(|i| record.get(i)).unwrap_or("").to_string();
        let fields = Fields {
            id: get(id_col),
            name: get(cols[0]),
            street: get(cols[1]),
            house_number: get(cols[2]),
            postal_code: get(cols[3]),
            location: get(cols[4]),
            latitude: get(cols[5]),
            longitude: get(cols[6]),
            telephone: get(cols[7]),
            email: get(cols[8]),
            homepage: get(cols[9]),
            discount_de: get(cols[10]),
            discount_en: get(cols[11]),
            category_id: get(cols[12]),
            region_id: get(region_col),
        };
        push(&mut report, line, fields, categories);
    }
    Ok(report)
}

/// Reads a GeoJSON FeatureCollection of Point features whose properties use the CSV column
/// names. A feature without geometry is a store without coordinates.
pub fn import_geojson(text: &str, categories: &[Category]) -> Result<ImportReport> {
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| Error::malformed("GeoJSON", e.to_string()))?;
    let geojson::GeoJson::FeatureCollection(collection) = geojson else {
        return Err(Error::malformed("GeoJSON", "expected a FeatureCollection"));
    };
    let mut report = ImportReport::default();
    for (i, feature) in collection.features.into_iter().enumerate() {
        let number = i as u64 + 1;
        let prop = |key: &str| -> String {
            match feature.property(key) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            }
        };
        let (latitude, longitude) = match feature.geometry.as_ref().map(|g| &g.value) {
            None => (String::new(), String::new()),
            Some(geojson::GeometryValue::Point { coordinates }) if coordinates.len() >= 2 => {
                (coordinates[1].to_string(), coordinates[0].to_string())
            }
            Some(_) => {
                report.errors.push(RowError {
                    line: number,
                    reason: "geometry is not a Point".into(),
                });
                continue;
            }
        };
        let mut id = prop("id");
        if id.is_empty() {
            if let Some(geojson::feature::Id::Number(n)) = &feature.id {
                id = n.to_string();
            }
        }
        let fields = Fields {
            id,
            name: prop("name"),
            street: prop("street"),
            house_number: prop("houseNumber"),
            postal_code: prop("postalCode"),
            location: prop("location"),
            latitude,
            longitude,
            telephone: prop("telephone"),
            email: prop("email"),
            homepage: prop("homepage"),
            discount_de: prop("discountDE"),
            discount_en: prop("discountEN"),
            category_id: prop("categoryId"),
            region_id: prop("regionId"),
        };
        push(&mut report, number, fields, categories);
    }
    Ok(report)
}
