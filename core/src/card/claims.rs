//! The claims inside a card credential, as a CBOR map with small integer keys.
//!
//! | key | claim | encoding |
//! |---|---|---|
//! | 1 | card id | 8 random bytes |
//! | 2 | holder name | text |
//! | 3 | birthday (optional) | days since 1970-01-01 |
//! | 4 | card type (absent = standard) | 1 = gold |
//! | 5 | project id | unsigned |
//! | 6 | region id (issuing Kreis/Kommune) | unsigned |
//! | 7 | valid from | days since 1970-01-01, Europe/Berlin |
//! | 8 | valid until (absent for gold) | days, inclusive |
//! | 9 | issued at | Unix seconds |
//! | 10 | holder device public key (optional) | 32 bytes Ed25519 |

use crate::cbor::{encode_map, int, CborError, IntMap};
use crate::day::Day;
use ciborium::value::Value;

pub const CARD_ID_LEN: usize = 8;
pub const MAX_NAME_CHARS: usize = 80;

pub type CardId = [u8; CARD_ID_LEN];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardType {
    /// Valid for a limited time (typically three years).
    Standard,
    /// Never expires (long-serving volunteers).
    Gold,
}

impl CardType {
    pub fn as_str(self) -> &'static str {
        match self {
            CardType::Standard => "standard",
            CardType::Gold => "gold",
        }
    }

    pub fn parse(text: &str) -> Option<CardType> {
        match text.trim().to_ascii_lowercase().as_str() {
            "standard" | "blau" | "blue" | "" => Some(CardType::Standard),
            "gold" | "golden" => Some(CardType::Gold),
            _ => None,
        }
    }

    /// Bit used in a trust list's set of allowed card types.
    pub fn bit(self) -> u8 {
        match self {
            CardType::Standard => 1,
            CardType::Gold => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardClaims {
    pub card_id: CardId,
    pub holder_name: String,
    pub birthday: Option<Day>,
    pub card_type: CardType,
    pub project_id: u32,
    pub region_id: u32,
    pub valid_from: Day,
    /// `None` exactly for gold cards.
    pub valid_until: Option<Day>,
    pub issued_at: i64,
    pub device_key: Option<[u8; 32]>,
}

const KNOWN_KEYS: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

impl CardClaims {
    pub fn encode(&self) -> Vec<u8> {
        let mut entries = vec![
            (1, Value::Bytes(self.card_id.to_vec())),
            (2, Value::Text(self.holder_name.clone())),
        ];
        if let Some(b) = self.birthday {
            entries.push((3, int(b.0)));
        }
        if self.card_type == CardType::Gold {
            entries.push((4, int(1u8)));
        }
        entries.push((5, int(self.project_id)));
        entries.push((6, int(self.region_id)));
        entries.push((7, int(self.valid_from.0)));
        if let Some(u) = self.valid_until {
            entries.push((8, int(u.0)));
        }
        entries.push((9, int(self.issued_at)));
        if let Some(k) = self.device_key {
            entries.push((10, Value::Bytes(k.to_vec())));
        }
        encode_map(entries)
    }

    pub fn decode(bytes: &[u8]) -> Result<CardClaims, CborError> {
        let mut m = IntMap::decode(bytes, KNOWN_KEYS)?;
        let card_id: CardId = m
            .bytes(1)?
            .try_into()
            .map_err(|_| CborError("card id must be 8 bytes".into()))?;
        let holder_name = m.text(2)?;
        check_name(&holder_name).map_err(CborError)?;
        let birthday = m.opt_int_as::<i32>(3)?.map(Day);
        let card_type = match m.opt_int(4)? {
            None => CardType::Standard,
            Some(1) => CardType::Gold,
            Some(_) => return Err(CborError("unknown card type".into())),
        };
        let project_id = m.int(5)?;
        let region_id = m.int(6)?;
        let valid_from = Day(m.int(7)?);
        let valid_until = m.opt_int_as::<i32>(8)?.map(Day);
        let issued_at = m.int(9)?;
        let device_key = match m.opt_bytes(10)? {
            None => None,
            Some(k) => Some(
                k.try_into()
                    .map_err(|_| CborError("device key must be 32 bytes".into()))?,
            ),
        };
        let claims = CardClaims {
            card_id,
            holder_name,
            birthday,
            card_type,
            project_id,
            region_id,
            valid_from,
            valid_until,
            issued_at,
            device_key,
        };
        claims.check_validity_period().map_err(CborError)?;
        // One card, one byte string: the issuer's encoder writes keys in ascending order with
        // the shortest heads and leaves defaults out; anything else is refused.
        if claims.encode() != bytes {
            return Err(CborError("not the canonical encoding of the claims".into()));
        }
        Ok(claims)
    }

    pub fn check_validity_period(&self) -> Result<(), String> {
        match (self.card_type, self.valid_until) {
            (CardType::Standard, None) => Err("a standard card needs a valid-until day".into()),
            (CardType::Gold, Some(_)) => Err("a gold card never expires".into()),
            (CardType::Standard, Some(until)) if until < self.valid_from => {
                Err("valid-until is before valid-from".into())
            }
            _ => Ok(()),
        }
    }

    pub fn card_id_hex(&self) -> String {
        hex::encode(self.card_id)
    }
}

/// Characters that change how a name looks without being seen: bidirectional overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) turn "Erika" into what
/// reads as another name, and zero-width characters (U+200B–U+200D, U+2060–U+2064, U+FEFF,
/// U+180E) hide inside it.
pub fn is_hidden_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A holder name is 1 to 80 characters of printable text without surrounding whitespace and
/// without hidden formatting characters. Issuing and decoding both check it, so a card whose
/// name would read differently from what it says is refused at the shop too.
pub fn check_name(name: &str) -> Result<(), String> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err("holder name is empty".into());
    }
    if chars > MAX_NAME_CHARS {
        return Err(format!(
            "holder name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    if name.trim() != name {
        return Err("holder name has leading or trailing whitespace".into());
    }
    if name.chars().any(char::is_control) {
        return Err("holder name contains control characters".into());
    }
    if name.chars().any(is_hidden_format_char) {
        return Err("holder name contains invisible or direction-changing characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_with_bidi_overrides_or_zero_width_characters_are_refused() {
        assert!(check_name("Erika Mustermann").is_ok());
        assert!(check_name("Erika \u{202E}nnamretsuM").is_err());
        assert!(check_name(&format!("Erika{}", "\u{200B}".repeat(30))).is_err());
        assert!(check_name("Ali\u{2066}Veli").is_err());
        // Letters of every script stay.
        assert!(check_name("Zoë Çelik-Øster Ђорђе 明").is_ok());
    }

    use super::*;

    fn sample() -> CardClaims {
        CardClaims {
            card_id: [1, 2, 3, 4, 5, 6, 7, 8],
            holder_name: "Erika Mustermann".into(),
            birthday: Day::from_ymd(1980, 5, 17),
            card_type: CardType::Standard,
            project_id: 1,
            region_id: 9162,
            valid_from: Day::from_ymd(2026, 1, 1).unwrap(),
            valid_until: Day::from_ymd(2028, 12, 31),
            issued_at: 1_767_225_600,
            device_key: Some([9; 32]),
        }
    }

    #[test]
    fn round_trip() {
        let c = sample();
        assert_eq!(CardClaims::decode(&c.encode()).unwrap(), c);
        let gold = CardClaims {
            card_type: CardType::Gold,
            valid_until: None,
            birthday: Some(Day(-3000)),
            device_key: None,
            ..sample()
        };
        assert_eq!(CardClaims::decode(&gold.encode()).unwrap(), gold);
    }

    #[test]
    fn rejects_inconsistent_claims() {
        let no_end = CardClaims {
            valid_until: None,
            ..sample()
        };
        assert!(CardClaims::decode(&no_end.encode()).is_err());
        let backwards = CardClaims {
            valid_until: Day::from_ymd(2025, 1, 1),
            ..sample()
        };
        assert!(CardClaims::decode(&backwards.encode()).is_err());
        let empty = CardClaims {
            holder_name: String::new(),
            ..sample()
        };
        assert!(CardClaims::decode(&empty.encode()).is_err());
    }

    #[test]
    fn names() {
        assert!(check_name("Jürgen Weiß-Özdemir").is_ok());
        assert!(check_name(" x").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(81)).is_err());
    }
}
