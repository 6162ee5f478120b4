//! Why a card was rejected, and the warnings attached to an accepted one, with short German
//! and English texts for the screen and for screen readers. No text carries personal data.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    De,
    En,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidReason {
    /// The QR code is not an Ehrenamtskarte code at all.
    NotACard,
    /// The code is ours but its content is broken.
    DamagedEncoding,
    /// No trust list has been loaded yet, so no issuer can be checked.
    NoTrustList,
    UnknownIssuer,
    BadIssuerSignature,
    IssuerKeyWithdrawn,
    /// The issuer key was not valid at the time the card was issued.
    IssuerKeyNotValidAtIssuance,
    /// The issuer may not issue cards for this region, card type or project.
    IssuerNotAllowed,
    NotYetValid,
    Expired,
    Revoked,
    /// The presentation's time step lies outside the clock-skew window.
    StalePresentation,
    BadDeviceSignature,
    /// A device-bound card shown without the phone's live presentation (a copied credential).
    DevicePresentationRequired,
    /// The card claims an issue time after the verifier's clock (plus a small skew): a key's
    /// validity is checked against that claimed time, so it must not lie ahead.
    IssuedInFuture,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// This exact code was scanned before by this verifier.
    RepeatScan,
    /// Paper or PDF card: nothing binds it to a phone, so compare the name with a photo ID.
    StaticCard,
    /// The trust list has passed its expiry; verification goes on with the last good one.
    TrustListExpired,
    /// The issuer's revocation list has passed its expiry.
    RevocationListExpired,
    /// No revocation list from this card's issuer has been loaded.
    RevocationListMissing,
}

impl InvalidReason {
    pub const ALL: [InvalidReason; 15] = [
        InvalidReason::NotACard,
        InvalidReason::DamagedEncoding,
        InvalidReason::NoTrustList,
        InvalidReason::UnknownIssuer,
        InvalidReason::BadIssuerSignature,
        InvalidReason::IssuerKeyWithdrawn,
        InvalidReason::IssuerKeyNotValidAtIssuance,
        InvalidReason::IssuerNotAllowed,
        InvalidReason::NotYetValid,
        InvalidReason::Expired,
        InvalidReason::Revoked,
        InvalidReason::StalePresentation,
        InvalidReason::BadDeviceSignature,
        InvalidReason::DevicePresentationRequired,
        InvalidReason::IssuedInFuture,
    ];

    /// A stable machine-readable code, used in JSON output and by the bindings.
    pub fn code(self) -> &'static str {
        match self {
            InvalidReason::NotACard => "not_a_card",
            InvalidReason::DamagedEncoding => "damaged_encoding",
            InvalidReason::NoTrustList => "no_trust_list",
            InvalidReason::UnknownIssuer => "unknown_issuer",
            InvalidReason::BadIssuerSignature => "bad_issuer_signature",
            InvalidReason::IssuerKeyWithdrawn => "issuer_key_withdrawn",
            InvalidReason::IssuerKeyNotValidAtIssuance => "issuer_key_not_valid_at_issuance",
            InvalidReason::IssuerNotAllowed => "issuer_not_allowed",
            InvalidReason::NotYetValid => "not_yet_valid",
            InvalidReason::Expired => "expired",
            InvalidReason::Revoked => "revoked",
            InvalidReason::StalePresentation => "stale_presentation",
            InvalidReason::BadDeviceSignature => "bad_device_signature",
            InvalidReason::DevicePresentationRequired => "device_presentation_required",
            InvalidReason::IssuedInFuture => "issued_in_future",
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        use InvalidReason::*;
        match (self, lang) {
            (NotACard, Lang::De) => "Das ist keine Ehrenamtskarte.",
            (NotACard, Lang::En) => "This is not a volunteer card.",
            (DamagedEncoding, Lang::De) => "Der Code ist beschädigt oder unvollständig.",
            (DamagedEncoding, Lang::En) => "The code is damaged or incomplete.",
            (NoTrustList, Lang::De) => {
                "Keine Vertrauensliste geladen. Bitte einmal online aktualisieren."
            }
            (NoTrustList, Lang::En) => "No trust list loaded. Please update once while online.",
            (UnknownIssuer, Lang::De) => "Unbekannte ausgebende Stelle.",
            (UnknownIssuer, Lang::En) => "Unknown issuer.",
            (BadIssuerSignature, Lang::De) => {
                "Die Signatur ist ungültig: Die Karte wurde verändert oder gefälscht."
            }
            (BadIssuerSignature, Lang::En) => "Invalid signature: the card was altered or forged.",
            (IssuerKeyWithdrawn, Lang::De) => {
                "Der Schlüssel der ausgebenden Stelle wurde zurückgezogen."
            }
            (IssuerKeyWithdrawn, Lang::En) => "The issuer's key has been withdrawn.",
            (IssuerKeyNotValidAtIssuance, Lang::De) => {
                "Der Schlüssel der ausgebenden Stelle war bei der Ausstellung nicht gültig."
            }
            (IssuerKeyNotValidAtIssuance, Lang::En) => {
                "The issuer's key was not valid when the card was issued."
            }
            (IssuerNotAllowed, Lang::De) => {
                "Die ausgebende Stelle darf diese Karte nicht ausstellen."
            }
            (IssuerNotAllowed, Lang::En) => "The issuer may not issue this card.",
            (IssuedInFuture, Lang::De) => {
                "Die Karte gibt ein Ausstellungsdatum in der Zukunft an (oder die Uhr dieses Geräts geht nach)."
            }
            (IssuedInFuture, Lang::En) => {
                "The card claims to be issued in the future (or this device's clock is behind)."
            }
            (NotYetValid, Lang::De) => "Die Karte ist noch nicht gültig.",
            (NotYetValid, Lang::En) => "The card is not valid yet.",
            (Expired, Lang::De) => "Die Karte ist abgelaufen.",
            (Expired, Lang::En) => "The card has expired.",
            (Revoked, Lang::De) => "Die Karte wurde gesperrt.",
            (Revoked, Lang::En) => "The card has been revoked.",
            (StalePresentation, Lang::De) => {
                "Der Code ist nicht aktuell (Bildschirmfoto oder falsche Uhrzeit)."
            }
            (StalePresentation, Lang::En) => "The code is not current (screenshot or wrong clock).",
            (BadDeviceSignature, Lang::De) => {
                "Der Code stammt nicht vom Gerät der Karteninhaberin oder des Karteninhabers."
            }
            (BadDeviceSignature, Lang::En) => {
                "The code does not come from the card holder's device."
            }
            (DevicePresentationRequired, Lang::De) => {
                "Diese Karte gilt nur als Live-Code aus der App."
            }
            (DevicePresentationRequired, Lang::En) => {
                "This card is only valid as a live code from the app."
            }
        }
    }
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Flag::RepeatScan,
        Flag::StaticCard,
        Flag::TrustListExpired,
        Flag::RevocationListExpired,
        Flag::RevocationListMissing,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Flag::RepeatScan => "repeat_scan",
            Flag::StaticCard => "static_card",
            Flag::TrustListExpired => "trust_list_expired",
            Flag::RevocationListExpired => "revocation_list_expired",
            Flag::RevocationListMissing => "revocation_list_missing",
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        use Flag::*;
        match (self, lang) {
            (RepeatScan, Lang::De) => "Dieser Code wurde hier schon einmal gescannt.",
            (RepeatScan, Lang::En) => "This code has been scanned here before.",
            (StaticCard, Lang::De) => {
                "Papierkarte: Bitte den Namen mit einem Lichtbildausweis vergleichen."
            }
            (StaticCard, Lang::En) => "Paper card: please compare the name with a photo ID.",
            (TrustListExpired, Lang::De) => {
                "Die Vertrauensliste ist abgelaufen. Bitte online aktualisieren."
            }
            (TrustListExpired, Lang::En) => {
                "The trust list has expired. Please update while online."
            }
            (RevocationListExpired, Lang::De) => {
                "Die Sperrliste ist veraltet. Bitte online aktualisieren."
            }
            (RevocationListExpired, Lang::En) => {
                "The revocation list is out of date. Please update while online."
            }
            (RevocationListMissing, Lang::De) => {
                "Keine Sperrliste für diese ausgebende Stelle geladen."
            }
            (RevocationListMissing, Lang::En) => "No revocation list loaded for this issuer.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_reason_and_flag_has_distinct_texts_and_codes() {
        let mut seen = HashSet::new();
        for r in InvalidReason::ALL {
            for lang in [Lang::De, Lang::En] {
                assert!(!r.text(lang).is_empty());
                assert!(seen.insert(r.text(lang)), "{r:?} {lang:?} text repeated");
            }
            assert!(seen.insert(r.code()));
        }
        for f in Flag::ALL {
            for lang in [Lang::De, Lang::En] {
                assert!(seen.insert(f.text(lang)), "{f:?} {lang:?} text repeated");
            }
            assert!(seen.insert(f.code()));
        }
    }
}
