//! Stores, discounts, categories and regions as they travel in the feed and come out of
//! searches.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: u32,
    pub name_de: String,
    pub name_en: String,
    /// A key the apps map to an icon of their own.
    pub icon: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub id: u32,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    pub text_de: String,
    pub text_en: String,
    /// Days since 1970-01-01 (Europe/Berlin), inclusive.
    pub valid_from: Option<i32>,
    pub valid_until: Option<i32>,
}

/// One partner store with its discounts. `id` is stable across feed versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreRecord {
    pub id: i64,
    pub name: String,
    pub category_id: u32,
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    /// `None` for a store without coordinates: kept and searchable, never "nearby".
    pub position: Option<(f64, f64)>,
    pub region_id: Option<u32>,
    pub discounts: Vec<Discount>,
}

/// The whole store list of one feed version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u64,
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    /// Sorted by id.
    pub stores: Vec<StoreRecord>,
}

/// What changed between two feed versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub from_version: u64,
    pub to_version: u64,
    pub categories: Vec<Category>,
    pub regions: Vec<Region>,
    pub upserts: Vec<StoreRecord>,
    pub deletes: Vec<i64>,
}

impl Delta {
    /// The changes that turn `old` into `new`; both sorted by store id.
    pub fn between(old: &Snapshot, new: &Snapshot) -> Delta {
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < old.stores.len() || j < new.stores.len() {
            match (old.stores.get(i), new.stores.get(j)) {
                (Some(a), Some(b)) if a.id == b.id => {
                    if a != b {
                        upserts.push(b.clone());
                    }
                    i += 1;
                    j += 1;
                }
                (Some(a), Some(b)) if a.id < b.id => {
                    deletes.push(a.id);
                    i += 1;
                }
                (Some(_), Some(b)) | (None, Some(b)) => {
                    upserts.push(b.clone());
                    j += 1;
                }
                (Some(a), None) => {
                    deletes.push(a.id);
                    i += 1;
                }
                (None, None) => break,
            }
        }
        Delta {
            from_version: old.version,
            to_version: new.version,
            categories: new.categories.clone(),
            regions: new.regions.clone(),
            upserts,
            deletes,
        }
    }
}

/// A line of a result list.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreSummary {
    pub id: i64,
    pub name: String,
    pub category_id: u32,
    pub street: String,
    pub house_number: String,
    pub postal_code: String,
    pub city: String,
    pub position: Option<(f64, f64)>,
    /// The first discount's German and English text.
    pub discount_de: String,
    pub discount_en: String,
    /// Metres from the search position, when one was given and the store has coordinates.
    pub distance_m: Option<f64>,
    pub favorite: bool,
}

/// The categories every project starts with; issuers may publish their own.
pub fn default_categories() -> Vec<Category> {
    [
        (0, "Essen & Trinken", "Food & drink", "food"),
        (1, "Medien & Bücher", "Media & books", "media"),
        (2, "Gesundheit & Wellness", "Health & wellness", "health"),
        (3, "Sport & Freizeit", "Sports & leisure", "sports"),
        (4, "Kultur & Museen", "Culture & museums", "culture"),
        (5, "Mobilität", "Mobility", "mobility"),
        (6, "Mode & Einkaufen", "Fashion & shopping", "shopping"),
        (7, "Dienstleistungen", "Services", "services"),
        (8, "Bildung", "Education", "education"),
        (9, "Sonstiges", "Other", "other"),
    ]
    .into_iter()
    .map(|(id, de, en, icon)| Category {
        id,
        name_de: de.into(),
        name_en: en.into(),
        icon: icon.into(),
    })
    .collect()
}

/// Refuses anything but a real position on Earth: finite degrees, latitude -90..=90 and
/// longitude -180..=180. Every position from a shell passes here.
pub fn check_position(p: (f64, f64)) -> crate::error::Result<()> {
    let ok = p.0.is_finite()
        && p.1.is_finite()
        && (-90.0..=90.0).contains(&p.0)
        && (-180.0..=180.0).contains(&p.1);
    if ok {
        Ok(())
    } else {
        Err(crate::error::Error::InvalidRequest(
            "position out of range".into(),
        ))
    }
}

/// Great-circle distance in metres.
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(a.1, a.0), Point::new(b.1, b.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(id: i64, name: &str) -> StoreRecord {
        StoreRecord {
            id,
            name: name.into(),
            category_id: 0,
            street: String::new(),
            house_number: String::new(),
            postal_code: String::new(),
            city: String::new(),
            phone: String::new(),
            email: String::new(),
            website: String::new(),
            position: None,
            region_id: None,
            discounts: vec![],
        }
    }

    #[test]
    fn delta_between_snapshots() {
        let snap = |v, stores| Snapshot {
            version: v,
            categories: vec![],
            regions: vec![],
            stores,
        };
        let old = snap(1, vec![store(1, "a"), store(2, "b"), store(4, "d")]);
        let new = snap(
            2,
            vec![store(2, "B"), store(3, "c"), store(4, "d"), store(5, "e")],
        );
        let d = Delta::between(&old, &new);
        assert_eq!(d.deletes, vec![1]);
        assert_eq!(
            d.upserts.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![2, 3, 5]
        );
        assert_eq!((d.from_version, d.to_version), (1, 2));
    }

    #[test]
    fn distances() {
        // Munich Marienplatz to Nuremberg Hauptmarkt: about 151 km.
        let d = distance_m((48.1374, 11.5755), (49.4539, 11.0775));
        assert!((d - 151_000.0).abs() < 2_000.0, "{d}");
        assert_eq!(distance_m((50.0, 8.0), (50.0, 8.0)), 0.0);
    }
}
