//! Table files as an attacker (or a broken export) writes them: thousands of mutations of real
//! looking card batches, store lists and LBE XML exports. Nothing may panic, and every row
//! error must name a line that exists in the file.

use ehk_core::stores::model::default_categories;
use ehk_issuer::batch::{check_csv, BatchDefaults};
use ehk_issuer::stores::import::import_csv;
use ehk_issuer::stores::lbe_xml::import_xml;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CARDS: &[u8] = b"\xef\xbb\xbfVorname;Nachname;Geburtsdatum;Kartentyp;G\xc3\xbcltig ab;G\xc3\xbcltig bis;Region\r\n\
    Erika;Mustermann;17.5.1980;Standard;1.1.2026;31.12.2028;9162\r\n\
    \"Max;\r\nMoritz\";Mustermann;;Gold;;;\r\n\
    Anna;Schmidt;;blau;1.3.2026;31.02.2027;\r\n";

const STORES: &[u8] = b"Name,Stra\xdfe,PLZ,Ort,Breitengrad,L\xe4ngengrad,Rabatt,Kategorie\n\
    B\xe4ckerei,Hauptstr.,80331,M\xfcnchen,\"48,1\",\"11,5\",\"10 %, alles\",0\n\
    Buch,Markt,80331,M\xfcnchen,,,,Medien & B\xfccher\n";

const XML: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<liste>\n\
    <s id=\"3\"><name>B\xc3\xa4ckerei</name><breitengrad>48.1</breitengrad><laengengrad>11.5</laengengrad>\
    <rabatt><![CDATA[<10 %>]]></rabatt><kategorie>0</kategorie></s>\n\
    <s><name>Buch &amp; Co</name><kategorie>Media &amp; books</kategorie></s>\n</liste>\n";

const INTERESTING: &[u8] = b"\";,\t\r\n\xff\xef\xbb\xbf<>&/!.-0123456789 ";

fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..rng.gen_range(1..8) {
        let at = rng.gen_range(0..=bytes.len());
        let byte = if rng.gen_bool(0.7) {
            INTERESTING[rng.gen_range(0..INTERESTING.len())]
        } else {
            rng.gen()
        };
        match rng.gen_range(0..3) {
            0 if at < bytes.len() => bytes[at] = byte,
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, byte),
        }
    }
    if rng.gen_bool(0.05) {
        bytes.truncate(rng.gen_range(0..=bytes.len()));
    }
    bytes
}

/// Lines an editor would show: a final line without a line break counts too.
fn line_count(bytes: &[u8]) -> u64 {
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks as u64 + 1
}

#[test]
fn mutated_tables_never_panic_and_name_real_lines() {
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let defaults = BatchDefaults {
        project_id: 1,
        region_id: Some(9162),
        valid_from: None,
        valid_until: None,
    };
    let categories = default_categories();
    for _ in 0..3_000 {
        let cards = mutate(&mut rng, CARDS);
        if let Ok(plan) = check_csv(&cards, &defaults, 1_795_953_600) {
            for line in plan
                .errors
                .iter()
                .map(|e| e.line)
                .chain(plan.cards.iter().map(|c| c.line))
            {
                assert!(
                    (2..=line_count(&cards)).contains(&line),
                    "line {line} in {:?}",
                    String::from_utf8_lossy(&cards)
                );
            }
        }
        let stores = mutate(&mut rng, STORES);
        if let Ok(report) = import_csv(&stores, &categories) {
            for e in &report.errors {
                assert!((2..=line_count(&stores)).contains(&e.line), "{e:?}");
            }
        }
        let xml = mutate(&mut rng, XML);
        if let Ok(report) = import_xml(&xml, &categories) {
            for e in &report.errors {
                assert!((1..=line_count(&xml)).contains(&e.line), "{e:?}");
            }
        }
    }
}
