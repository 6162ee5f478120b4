//! German-aware folding for search: case, accents, ä/ae, ö/oe, ü/ue and ß/ss all meet in one
//! form, so "Muller", "Mueller" and "müller" find "Müller" and "Strasse" finds "Straße".
//!
//! The same function folds the indexed text and the query, so any collapse it makes (such as
//! "ue" to "u") is made on both sides alike.

/// Folds text into lowercase ASCII words separated by single spaces.
pub fn fold(text: &str) -> String {
    let mut mapped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ß' | 'ẞ' => mapped.push_str("ss"),
            'æ' | 'Æ' => mapped.push_str("ae"),
            'œ' | 'Œ' => mapped.push_str("oe"),
            _ => {
                for lower in c.to_lowercase() {
                    mapped.push(strip_accent(lower));
                }
            }
        }
    }
    let mut out = String::with_capacity(mapped.len());
    let mut prev: Option<char> = None;
    let mut pending_space = false;
    for c in mapped.chars() {
        if !c.is_alphanumeric() {
            pending_space = !out.is_empty();
            prev = None;
            continue;
        }
        // "ae", "oe", "ue" written for ä, ö, ü collapse onto the plain vowel.
        if c == 'e' && matches!(prev, Some('a' | 'o' | 'u')) {
            prev = Some('e');
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
        'ł' | 'ľ' | 'ĺ' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
        'ŕ' | 'ř' => 'r',
        'ś' | 'š' | 'ş' | 'ș' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// Street endings that German writes as one word with the name ("Hauptstraße"). The index adds
/// the ending as a word of its own, so "Straße" also finds "Hauptstraße".
const STREET_ENDINGS: [&str; 8] = [
    "strasse", "str", "weg", "platz", "gasse", "allee", "ring", "damm",
];

/// Folds a street for the index: the folded words, plus the ending of compound street names.
pub fn fold_street(text: &str) -> String {
    let folded = fold(text);
    let mut out = folded.clone();
    for word in folded.split(' ') {
        if let Some(ending) = STREET_ENDINGS
            .iter()
            .find(|e| word.len() > e.len() + 2 && word.ends_with(*e))
        {
            out.push(' ');
            out.push_str(ending);
        }
    }
    out
}

/// The token that stands for a category in the index's `category` column.
pub fn category_token(category: u32) -> String {
    format!("cat{category}")
}

/// The folded words of `text` as FTS5 prefix terms (`"mu"* "bak"*`), or `None` when nothing
/// is left to search for. A word of one or two letters before the last is taken as written
/// ("am" in "Café am Markt"): as a prefix it would match half the index. The last word is
/// always a prefix, since the holder may still be typing it. Folded words are alphanumeric
/// only, so quoting them is safe.
pub fn prefix_query(text: &str) -> Option<String> {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(8)
        .collect();
    let last = words.len().checked_sub(1)?;
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if i < last && t.chars().count() <= 2 {
                format!("\"{t}\"")
            } else {
                format!("\"{t}\"*")
            }
        })
        .collect();
    Some(terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_spellings_meet() {
        let target = fold("Müller");
        for query in ["Muller", "Mueller", "müller", "MÜLLER", "MUELLER"] {
            assert_eq!(fold(query), target, "{query}");
        }
        assert_eq!(fold("Straße"), fold("Strasse"));
        assert_eq!(fold("STRASSE"), fold("straße"));
        assert_eq!(fold("Göttingen"), fold("Goettingen"));
        assert_eq!(fold("Café Crème"), fold("cafe creme"));
        assert_eq!(fold("Bäckerei"), fold("Baeckerei"));
        assert_eq!(fold("Bäckerei"), fold("Backerei"));
    }

    #[test]
    fn separators_become_single_spaces() {
        assert_eq!(
            fold("  Hauptstr. 12a, 80331 München! "),
            "hauptstr 12a 80331 munchen"
        );
        assert_eq!(fold("---"), "");
    }

    #[test]
    fn compound_street_names_also_index_their_ending() {
        assert_eq!(fold_street("Hauptstraße"), "hauptstrasse strasse");
        assert_eq!(fold_street("Am Mühlenweg 3"), "am muhlenweg 3 weg");
        assert_eq!(fold_street("Weg"), "weg");
    }

    #[test]
    fn queries_are_safe_prefixes() {
        assert_eq!(prefix_query("Mue"), Some("\"mu\"*".to_string()));
        assert_eq!(
            prefix_query("Café \"x\" OR y*"),
            Some("\"cafe\"* \"x\" \"or\" \"y\"*".to_string())
        );
        assert_eq!(prefix_query(" -- "), None);
        assert_eq!(
            prefix_query("Café am Markt"),
            Some("\"cafe\"* \"am\" \"markt\"*".to_string())
        );
        assert_eq!(
            prefix_query("Café am"),
            Some("\"cafe\"* \"am\"*".to_string())
        );
    }
}
