//! A deterministic generator of realistic synthetic stores spread over German cities, for
//! benchmarks, tests and the demo. The same seed and count give the same stores.

use ehk_core::stores::model::{default_categories, Discount, Region, Snapshot, StoreRecord};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// (city, postal code prefix, latitude, longitude, weight by population, region id)
const CITIES: &[(&str, &str, f64, f64, u32, u32)] = &[
    ("Berlin", "10", 52.5200, 13.4050, 36, 11000),
    ("Hamburg", "20", 53.5511, 9.9937, 18, 2000),
    ("München", "80", 48.1374, 11.5755, 15, 9162),
    ("Köln", "50", 50.9375, 6.9603, 11, 5315),
    ("Frankfurt am Main", "60", 50.1109, 8.6821, 8, 6412),
    ("Stuttgart", "70", 48.7758, 9.1829, 6, 8111),
    ("Düsseldorf", "40", 51.2277, 6.7735, 6, 5111),
    ("Leipzig", "04", 51.3397, 12.3731, 6, 14713),
    ("Dortmund", "44", 51.5136, 7.4653, 6, 5913),
    ("Essen", "45", 51.4556, 7.0116, 6, 5113),
    ("Bremen", "28", 53.0793, 8.8017, 6, 4011),
    ("Dresden", "01", 51.0504, 13.7373, 6, 14612),
    ("Hannover", "30", 52.3759, 9.7320, 5, 3241),
    ("Nürnberg", "90", 49.4521, 11.0767, 5, 9564),
    ("Duisburg", "47", 51.4344, 6.7623, 5, 5112),
    ("Bochum", "44", 51.4818, 7.2162, 4, 5911),
    ("Wuppertal", "42", 51.2562, 7.1508, 4, 5124),
    ("Bielefeld", "33", 52.0302, 8.5325, 3, 5711),
    ("Bonn", "53", 50.7374, 7.0982, 3, 5314),
    ("Münster", "48", 51.9607, 7.6261, 3, 5515),
    ("Mannheim", "68", 49.4875, 8.4660, 3, 8222),
    ("Karlsruhe", "76", 49.0069, 8.4037, 3, 8212),
    ("Augsburg", "86", 48.3705, 10.8978, 3, 9761),
    ("Wiesbaden", "65", 50.0782, 8.2398, 3, 6414),
    ("Mönchengladbach", "41", 51.1805, 6.4428, 2, 5116),
    ("Gelsenkirchen", "45", 51.5177, 7.0857, 2, 5513),
    ("Aachen", "52", 50.7753, 6.0839, 2, 5334),
    ("Braunschweig", "38", 52.2689, 10.5268, 2, 3101),
    ("Kiel", "24", 54.3233, 10.1228, 2, 1002),
    ("Chemnitz", "09", 50.8278, 12.9214, 2, 14511),
    ("Halle (Saale)", "06", 51.4825, 11.9697, 2, 15002),
    ("Magdeburg", "39", 52.1205, 11.6276, 2, 15003),
    ("Freiburg im Breisgau", "79", 47.9990, 7.8421, 2, 8311),
    ("Krefeld", "47", 51.3388, 6.5853, 2, 5114),
    ("Mainz", "55", 49.9929, 8.2473, 2, 7315),
    ("Lübeck", "23", 53.8655, 10.6866, 2, 1003),
    ("Erfurt", "99", 50.9848, 11.0299, 2, 16051),
    ("Rostock", "18", 54.0924, 12.0991, 2, 13003),
    ("Kassel", "34", 51.3127, 9.4797, 2, 6611),
    ("Regensburg", "93", 49.0134, 12.1016, 2, 9362),
    ("Würzburg", "97", 49.7913, 9.9534, 1, 9663),
    ("Erlangen", "91", 49.5897, 11.0040, 1, 9562),
    ("Bamberg", "96", 49.8988, 10.9028, 1, 9461),
    ("Passau", "94", 48.5665, 13.4312, 1, 9262),
    ("Ingolstadt", "85", 48.7665, 11.4258, 1, 9161),
    ("Koblenz", "56", 50.3569, 7.5890, 1, 7111),
    ("Trier", "54", 49.7490, 6.6371, 1, 7211),
    ("Saarbrücken", "66", 49.2402, 6.9969, 1, 10041),
    ("Potsdam", "14", 52.3906, 13.0645, 1, 12054),
    ("Schwerin", "19", 53.6355, 11.4012, 1, 13004),
];

const STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schulstraße",
    "Gartenstraße",
    "Dorfstraße",
    "Bergstraße",
    "Kirchstraße",
    "Lindenstraße",
    "Schillerstraße",
    "Goethestraße",
    "Marktplatz",
    "Am Rathaus",
    "Ringstraße",
    "Mühlenweg",
    "Friedrichstraße",
    "Wilhelmstraße",
    "Poststraße",
    "Königstraße",
    "Rosenweg",
    "Jahnstraße",
    "Mozartstraße",
    "Beethovenstraße",
    "Uhlandstraße",
    "Kantstraße",
    "Ludwigstraße",
    "Maximilianstraße",
    "Domplatz",
    "Am Stadtpark",
    "Fischergasse",
    "Weißgerbergasse",
];

const SURNAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Öztürk",
    "Yılmaz",
    "Nowak",
    "Kowalski",
    "Weiß",
    "Groß",
    "Jäger",
    "Köhler",
    "Böhm",
    "Günther",
];

/// Per category: kinds of store, and discounts as (German, English) with `{n}` a percentage.
const KINDS: &[(&[&str], &[(&str, &str)])] = &[
    (
        &[
            "Bäckerei",
            "Café",
            "Restaurant",
            "Eisdiele",
            "Pizzeria",
            "Metzgerei",
            "Weinstube",
            "Brauhaus",
        ],
        &[
            (
                "{n} % Rabatt auf alle Backwaren",
                "{n}% off all baked goods",
            ),
            (
                "Ein Heißgetränk gratis zum Frühstück",
                "A free hot drink with breakfast",
            ),
            ("{n} % auf die Rechnung ab 20 €", "{n}% off bills from €20"),
        ],
    ),
    (
        &[
            "Buchhandlung",
            "Zeitschriftenladen",
            "Antiquariat",
            "Musikladen",
        ],
        &[
            (
                "{n} % Rabatt auf Bücher (außer preisgebundene)",
                "{n}% off books (except fixed-price titles)",
            ),
            (
                "Gratis Lesezeichen und {n} % auf Hörbücher",
                "Free bookmark and {n}% off audiobooks",
            ),
        ],
    ),
    (
        &[
            "Apotheke",
            "Physiotherapie",
            "Friseur",
            "Kosmetikstudio",
            "Optiker",
        ],
        &[
            (
                "{n} % auf freiverkäufliche Produkte",
                "{n}% off over-the-counter products",
            ),
            ("{n} % auf jeden Haarschnitt", "{n}% off every haircut"),
        ],
    ),
    (
        &[
            "Schwimmbad",
            "Kletterhalle",
            "Fitnessstudio",
            "Minigolf",
            "Kino",
            "Bowlingcenter",
        ],
        &[
            (
                "Ermäßigter Eintritt: {n} % günstiger",
                "Reduced admission: {n}% off",
            ),
            ("Zweiter Eintritt frei", "Second admission free"),
        ],
    ),
    (
        &["Museum", "Theater", "Galerie", "Zoo", "Konzerthaus"],
        &[
            (
                "Freier Eintritt für Ehrenamtliche",
                "Free admission for volunteers",
            ),
            ("{n} % auf Eintrittskarten", "{n}% off tickets"),
        ],
    ),
    (
        &["Fahrradladen", "Carsharing", "Taxi", "Fahrschule"],
        &[
            ("{n} % auf Reparaturen", "{n}% off repairs"),
            ("Keine Anmeldegebühr", "No registration fee"),
        ],
    ),
    (
        &[
            "Modehaus",
            "Schuhgeschäft",
            "Spielwarenladen",
            "Blumenladen",
            "Schreibwaren",
        ],
        &[
            (
                "{n} % Rabatt auf das gesamte Sortiment",
                "{n}% off the whole range",
            ),
            (
                "{n} % auf einen Artikel Ihrer Wahl",
                "{n}% off one item of your choice",
            ),
        ],
    ),
    (
        &[
            "Reinigung",
            "Schlüsseldienst",
            "Copyshop",
            "Änderungsschneiderei",
        ],
        &[("{n} % auf alle Dienstleistungen", "{n}% off all services")],
    ),
    (
        &[
            "Volkshochschule",
            "Musikschule",
            "Sprachschule",
            "Tanzschule",
        ],
        &[
            ("{n} % auf Kursgebühren", "{n}% off course fees"),
            ("Schnupperstunde gratis", "Free trial lesson"),
        ],
    ),
    (
        &["Laden", "Hofladen", "Weltladen"],
        &[("{n} % Rabatt für Ehrenamtliche", "{n}% off for volunteers")],
    ),
];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

/// `count` stores with ids 1..=count, as a snapshot of the given version.
pub fn synthetic_snapshot(count: usize, seed: u64, version: u64) -> Snapshot {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total_weight: u32 = CITIES.iter().map(|c| c.4).sum();
    let mut stores = Vec::with_capacity(count);
    for id in 1..=count as i64 {
        let mut w = rng.gen_range(0..total_weight);
        let city = CITIES
            .iter()
            .find(|c| {
                if w < c.4 {
                    true
                } else {
                    w -= c.4;
                    false
                }
            })
            .unwrap_or(&CITIES[0]);
        let category = rng.gen_range(0..KINDS.len());
        let (kinds, offers) = KINDS[category];
        let kind = pick(&mut rng, kinds);
        let surname = pick(&mut rng, SURNAMES);
        let street = pick(&mut rng, STREETS);
        let name = match rng.gen_range(0..3) {
            0 => format!("{kind} {surname}"),
            1 => format!("{kind} am {}", street.trim_start_matches("Am ")),
            _ => format!("{surname}s {kind}"),
        };
        // Spread around the centre, denser near it: about 5 km typical, up to 15 km.
        let r_km = rng.gen_range(0.0f64..1.0).powf(1.5) * 15.0;
        let angle = rng.gen_range(0.0..std::f64::consts::TAU);
        let lat = city.2 + r_km / 111.2 * angle.sin();
        let lon = city.3 + r_km / (111.2 * city.2.to_radians().cos()) * angle.cos();
        let (offer_de, offer_en) = pick(&mut rng, offers);
        let n = [5, 10, 15, 20, 25][rng.gen_range(0..5)].to_string();
        let domain: String = surname
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        stores.push(StoreRecord {
            id,
            name,
            category_id: category as u32,
            street: street.to_string(),
            house_number: rng.gen_range(1..180).to_string(),
            postal_code: format!("{}{:03}", city.1, rng.gen_range(0..1000)),
            city: city.0.to_string(),
            // Not every small shop lists every contact: about 70 % a phone, 45 % a website, 35 %
            // an e-mail address.
            phone: if rng.gen_bool(0.7) {
                format!(
                    "+49 {} {}",
                    rng.gen_range(30..999),
                    rng.gen_range(100_000..9_999_999)
                )
            } else {
                String::new()
            },
            email: if rng.gen_bool(0.35) {
                format!("info@{domain}{id}.example")
            } else {
                String::new()
            },
            website: if rng.gen_bool(0.45) {
                format!("https://{domain}{id}.example")
            } else {
                String::new()
            },
            // One store in fifty has no coordinates (an address the issuer could not geocode).
            position: (id % 50 != 0).then_some((lat, lon)),
            region_id: Some(city.5),
            discounts: vec![Discount {
                text_de: offer_de.replace("{n}", &n),
                text_en: offer_en.replace("{n}", &n),
                valid_from: None,
                valid_until: None,
            }],
        });
    }
    let mut regions: Vec<Region> = CITIES
        .iter()
        .map(|c| Region {
            id: c.5,
            name: c.0.to_string(),
        })
        .collect();
    regions.sort_by_key(|r| r.id);
    regions.dedup_by_key(|r| r.id);
    Snapshot {
        version,
        categories: default_categories(),
        regions,
        stores,
    }
}

/// A copy of `snapshot` as the next version with `changes` stores edited, added or removed.
pub fn evolve(snapshot: &Snapshot, changes: usize, seed: u64) -> Snapshot {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut next = snapshot.clone();
    next.version += 1;
    let mut next_id = next.stores.iter().map(|s| s.id).max().unwrap_or(0) + 1;
    let fresh = synthetic_snapshot(changes, seed ^ 0x5eed, next.version);
    for (i, mut template) in fresh.stores.into_iter().enumerate() {
        match i % 4 {
            // Edit a discount.
            0 | 1 if !next.stores.is_empty() => {
                let k = rng.gen_range(0..next.stores.len());
                next.stores[k].discounts = template.discounts;
            }
            // Remove a store.
            2 if !next.stores.is_empty() => {
                let k = rng.gen_range(0..next.stores.len());
                next.stores.remove(k);
            }
            // Add a store.
            _ => {
                template.id = next_id;
                next_id += 1;
                next.stores.push(template);
            }
        }
    }
    next.stores.sort_by_key(|s| s.id);
    next
}
