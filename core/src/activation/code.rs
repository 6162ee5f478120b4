//! Activation codes as printed on a letter and typed or scanned by the holder.
//!
//! A code is 16 symbols of a 32-symbol alphabet without the characters people confuse (no 0,
//! O, 1, I) and a check symbol: `ABCD-EFGH-JKMN-PQRS-T`. The first six symbols name the code
//! (the service looks it up by them, so it can count wrong attempts per code); the other ten
//! are its secret (50 bits), which the service stores only hashed. The check symbol (Luhn mod
//! 32) catches every single mistyped symbol and most swapped neighbours before anything is
//! sent.
//!
//! The letter's QR code holds a link `https://HOST/activate#CODE`: the code sits in the
//! fragment, which browsers and apps never send to a server, so it never reaches a log.

use std::fmt;

/// The symbols of a code, in the order of their values 0–31.
pub const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Symbols that name the code.
pub const LOOKUP_LEN: usize = 6;
/// Symbols of the secret.
pub const SECRET_LEN: usize = 10;
/// Symbols of a whole code, check symbol included.
pub const CODE_LEN: usize = LOOKUP_LEN + SECRET_LEN + 1;
/// The path of the activation link on the service's host.
pub const LINK_PATH: &str = "/activate";
/// The app's own URL scheme, for phones where the https link does not open the app.
pub const APP_SCHEME: &str = "ehrenamtskarte";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("Der Code hat {found} statt {CODE_LEN} Zeichen / the code has {found} characters, not {CODE_LEN}")]
    Length { found: usize },
    #[error("Das Zeichen „{0}“ kommt in Codes nicht vor / '{0}' does not occur in codes")]
    Symbol(char),
    #[error("Der Code ist vertippt (Prüfzeichen passt nicht) / the code has a typing error (check symbol does not match)")]
    Check,
    #[error("Das ist kein Aktivierungslink / not an activation link: {0}")]
    Link(String),
}

/// A well-formed activation code (its check symbol matched). Whether the service knows it is
/// another question.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActivationCode {
    /// The 16 symbols without the check symbol.
    symbols: [u8; LOOKUP_LEN + SECRET_LEN],
}

// The secret never lands in a log through `{:?}`.
impl fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActivationCode({}-…)", self.lookup())
    }
}

fn value(symbol: u8) -> Option<u32> {
    ALPHABET.iter().position(|&s| s == symbol).map(|v| v as u32)
}

/// Luhn mod 32 over the symbols' values: the symbol that makes the whole code check.
fn check_symbol(symbols: &[u8]) -> u8 {
    let n = ALPHABET.len() as u32;
    let mut sum = 0;
    // From the right, the symbol next to the check symbol is doubled.
    for (i, &s) in symbols.iter().rev().enumerate() {
        let mut v = value(s).expect("symbols are from the alphabet");
        if i % 2 == 0 {
            v *= 2;
            v = v / n + v % n;
        }
        sum += v;
    }
    ALPHABET[((n - sum % n) % n) as usize]
}

impl ActivationCode {
    /// A new random code.
    pub fn generate() -> ActivationCode {
        let mut random = [0u8; LOOKUP_LEN + SECRET_LEN];
        getrandom::getrandom(&mut random).expect("the operating system provides randomness");
        ActivationCode {
            symbols: random.map(|b| ALPHABET[(b & 31) as usize]),
        }
    }

    /// Reads a code as typed: upper or lower case, with or without dashes and spaces. `0`
    /// and `O` are read as each other's neighbours never are: both are refused, as are `1`
    /// and `I`, with the symbol named.
    pub fn parse(text: &str) -> Result<ActivationCode, CodeError> {
        let cleaned: Vec<char> = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.len() != CODE_LEN {
            return Err(CodeError::Length {
                found: cleaned.len(),
            });
        }
        let mut bytes = [0u8; CODE_LEN];
        for (slot, c) in bytes.iter_mut().zip(&cleaned) {
            if !c.is_ascii() || value(*c as u8).is_none() {
                return Err(CodeError::Symbol(*c));
            }
            *slot = *c as u8;
        }
        let (symbols, check) = bytes.split_at(CODE_LEN - 1);
        if check_symbol(symbols) != check[0] {
            return Err(CodeError::Check);
        }
        let mut code = ActivationCode {
            symbols: [0; LOOKUP_LEN + SECRET_LEN],
        };
        code.symbols.copy_from_slice(symbols);
        Ok(code)
    }

    /// Reads what the holder has: an activation link (`https://HOST/activate#CODE` or the
    /// app scheme `ehrenamtskarte://activate#CODE`), or the code itself. For a link, also the
    /// origin it names (`https://HOST`, `None` for the app scheme and a bare code), which the
    /// phone compares with its service before sending anything.
    pub fn from_link_or_code(text: &str) -> Result<(ActivationCode, Option<String>), CodeError> {
        let text = text.trim();
        let Some((before, fragment)) = text.split_once('#') else {
            if text.contains("://") {
                return Err(CodeError::Link("the link holds no code".into()));
            }
            return Ok((ActivationCode::parse(text)?, None));
        };
        let code = ActivationCode::parse(fragment)?;
        if before.starts_with("https://") || before.starts_with("http://") {
            let (origin, path) = split_origin(before).map_err(CodeError::Link)?;
            if path.trim_end_matches('/') != LINK_PATH {
                return Err(CodeError::Link(format!("path {path:?}")));
            }
            return Ok((code, Some(origin)));
        }
        let scheme = format!("{APP_SCHEME}://");
        match before.strip_prefix(&scheme) {
            Some(rest) if rest.trim_end_matches('/') == LINK_PATH.trim_start_matches('/') => {
                Ok((code, None))
            }
            _ => Err(CodeError::Link(
                "only https and the app's scheme are links".into(),
            )),
        }
    }

    /// The six symbols that name the code.
    pub fn lookup(&self) -> &str {
        std::str::from_utf8(&self.symbols[..LOOKUP_LEN]).expect("ASCII")
    }

    /// The secret symbols (for the service to hash; never stored or logged as they are).
    pub fn secret(&self) -> &str {
        std::str::from_utf8(&self.symbols[LOOKUP_LEN..]).expect("ASCII")
    }

    /// The 17 symbols without dashes, as sent to the service and put into links.
    pub fn compact(&self) -> String {
        let mut s = String::with_capacity(CODE_LEN);
        s.push_str(std::str::from_utf8(&self.symbols).expect("ASCII"));
        s.push(check_symbol(&self.symbols) as char);
        s
    }

    /// Groups of four for printing and reading aloud: `ABCD-EFGH-JKMN-PQRS-T`.
    pub fn grouped(&self) -> String {
        let compact = self.compact();
        compact
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// The link for the letter's QR code: `BASE/activate#CODE`, where `base` is the service's
    /// https origin (a trailing slash is ignored).
    pub fn link(&self, base: &str) -> String {
        format!(
            "{}{LINK_PATH}#{}",
            base.trim_end_matches('/'),
            self.compact()
        )
    }
}

/// Splits an https URL (or an http one to this machine, for development) into its origin,
/// lower-cased and without a default port, and its path. Refuses user names, queries and
/// everything but https.
pub fn split_origin(url: &str) -> Result<(String, &str), String> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        ("http", rest)
    } else {
        return Err("only https addresses".into());
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty()
        || !authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        return Err("no usable host".into());
    }
    if path.contains(['?', '#']) {
        return Err("a query or fragment in the address".into());
    }
    let authority = authority.to_ascii_lowercase();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host
        }
        _ => authority.as_str(),
    };
    if scheme == "http" && !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err("plain http only to this machine".into());
    }
    let authority = authority
        .strip_suffix(if scheme == "https" { ":443" } else { ":80" })
        .unwrap_or(&authority);
    Ok((format!("{scheme}://{authority}"), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_reads_back_in_every_written_form() {
        for _ in 0..200 {
            let code = ActivationCode::generate();
            assert_eq!(ActivationCode::parse(&code.compact()).unwrap(), code);
            assert_eq!(ActivationCode::parse(&code.grouped()).unwrap(), code);
            let spaced = code.grouped().to_lowercase().replace('-', " ");
            assert_eq!(ActivationCode::parse(&spaced).unwrap(), code);
            let (from_link, origin) =
                ActivationCode::from_link_or_code(&code.link("https://Karte.Example.org/"))
                    .unwrap();
            assert_eq!(from_link, code);
            assert_eq!(origin.as_deref(), Some("https://karte.example.org"));
            assert_eq!(code.grouped().len(), CODE_LEN + 4);
        }
    }

    #[test]
    fn every_single_mistyped_symbol_is_caught() {
        let code = ActivationCode::generate().compact();
        for i in 0..CODE_LEN {
            for &other in ALPHABET {
                if other == code.as_bytes()[i] {
                    continue;
                }
                let mut typo = code.clone().into_bytes();
                typo[i] = other;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    ActivationCode::parse(&typo),
                    Err(CodeError::Check),
                    "{typo}"
                );
            }
        }
    }

    #[test]
    fn swapped_neighbours_are_mostly_caught() {
        let mut caught = 0;
        let mut swaps = 0;
        for _ in 0..100 {
            let code = ActivationCode::generate().compact();
            for i in 0..CODE_LEN - 1 {
                let mut b = code.clone().into_bytes();
                if b[i] == b[i + 1] {
                    continue;
                }
                b.swap(i, i + 1);
                swaps += 1;
                if ActivationCode::parse(std::str::from_utf8(&b).unwrap()).is_err() {
                    caught += 1;
                }
            }
        }
        // Luhn mod 32 misses only the swap of two symbols whose values are 0 and 31 apart.
        assert!(caught * 100 >= swaps * 95, "{caught} of {swaps}");
    }

    #[test]
    fn confusable_and_foreign_symbols_are_named() {
        let code = ActivationCode::generate().compact();
        for bad in ['0', 'O', '1', 'I', 'Ä', '€'] {
            let mut s: Vec<char> = code.chars().collect();
            s[3] = bad;
            let s: String = s.into_iter().collect();
            assert_eq!(ActivationCode::parse(&s), Err(CodeError::Symbol(bad)));
        }
        assert_eq!(
            ActivationCode::parse("ABC"),
            Err(CodeError::Length { found: 3 })
        );
        assert!(matches!(
            ActivationCode::parse(&"A".repeat(10_000)),
            Err(CodeError::Length { .. })
        ));
    }

    #[test]
    fn links_elsewhere_or_without_a_code_are_refused() {
        let code = ActivationCode::generate().compact();
        let app = format!("{APP_SCHEME}://activate#{code}");
        assert_eq!(
            ActivationCode::from_link_or_code(&app).unwrap().1,
            None,
            "the app scheme names no origin"
        );
        for bad in [
            format!("http://karte.example.org/activate#{code}"),
            format!("https://karte.example.org/other#{code}"),
            format!("https://user@evil.example/activate#{code}"),
            format!("https:///activate#{code}"),
            format!("https://karte.example.org/activate?x=1#{code}"),
            format!("http://localhost.evil.example/activate#{code}"),
            format!("javascript://activate#{code}"),
            "https://karte.example.org/activate".to_string(),
        ] {
            assert!(
                matches!(
                    ActivationCode::from_link_or_code(&bad),
                    Err(CodeError::Link(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn origins_are_compared_in_one_spelling() {
        assert_eq!(
            split_origin("https://Karte.Example.org:443/").unwrap(),
            ("https://karte.example.org".to_string(), "/")
        );
        assert_eq!(
            split_origin("http://127.0.0.1:8080").unwrap().0,
            "http://127.0.0.1:8080"
        );
        for bad in [
            "http://karte.example.org",
            "ftp://karte.example.org",
            "https://a b",
            "https://x.org/p?q",
        ] {
            assert!(split_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let code = ActivationCode::generate();
        let shown = format!("{code:?}");
        assert!(shown.contains(code.lookup()));
        assert!(!shown.contains(code.secret()));
    }
}
