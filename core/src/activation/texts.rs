//! What the holder is told about an activation, in German and English, written once for both
//! apps: why it did not work, the move question and its buttons, the typing hint and the
//! success line. The shells map the core's error to an [`ActivationProblem`] (the bindings do
//! that too) and show [`ActivationProblem::text`]; they hold no texts of their own.

use crate::card::reason::{InvalidReason, Lang};

/// Why an activation did not work, as the holder should hear it. The move question is not a
/// problem: an activation that ends in "active on another phone" asks ([`ActivationPrompt`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivationProblem {
    /// The app has no issuer service or no project configured.
    NotConfigured,
    /// A typing error, or a QR code that is no activation letter.
    CodeUnreadable,
    /// A link to another service than the app's (never sent anywhere).
    ForeignLink {
        origin: String,
    },
    /// Unknown, expired, replaced by a newer letter, or locked after too many tries.
    CodeInvalid,
    /// The phone's clock is off; nothing was sent, so no attempt was used up.
    ClockWrong {
        server_time: i64,
        phone_time: i64,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    /// The service said no (for example, the card was revoked); `detail` is its message.
    ServiceRefused {
        code: String,
        detail: String,
    },
    /// No connection or no answer: try again.
    Offline,
    /// The card from the service did not pass the phone's own check.
    CardRefused {
        reason: InvalidReason,
    },
    /// The device key cannot be reached (Keystore or Keychain locked or lost).
    KeyStore,
    /// The holder (or the app) cancelled; nothing was stored, the code still works here.
    Cancelled,
    /// Anything else (storage, an internal error): the details are in the log.
    Failed,
}

/// The activation texts that are not problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationPrompt {
    /// The card is active on another phone: move it here?
    MoveQuestion,
    /// The button that moves the card.
    MoveConfirm,
    /// The button that keeps it where it is.
    MoveDecline,
    /// Above the field where the code is typed.
    TypeCodeHint,
}

fn pick(lang: Lang, de: String, en: String) -> String {
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

/// Whole minutes, rounded, at least 1 (never "0 minutes" on the screen).
fn minutes(secs: u64, round_up: bool) -> u64 {
    let m = if round_up {
        secs.div_ceil(60)
    } else {
        (secs + 30) / 60
    };
    m.max(1)
}

impl ActivationProblem {
    pub fn text(&self, lang: Lang) -> String {
        use ActivationProblem::*;
        let s = |de: &str, en: &str| pick(lang, de.to_string(), en.to_string());
        match self {
            NotConfigured => s(
                "Die Aktivierung ist in dieser App nicht eingerichtet.",
                "Activation is not set up in this app.",
            ),
            CodeUnreadable => s(
                "Das ist kein gültiger Aktivierungscode. Bitte prüfen Sie die Eingabe (17 Zeichen aus Ihrem Schreiben).",
                "This is not a valid activation code. Please check what you entered (17 characters from your letter).",
            ),
            ForeignLink { origin } => pick(
                lang,
                format!("Dieser Link gehört nicht zum Dienst dieser App ({origin}). Es wurde nichts gesendet."),
                format!("This link does not belong to this app's service ({origin}). Nothing was sent."),
            ),
            CodeInvalid => s(
                "Der Code ist ungültig oder abgelaufen. Wenden Sie sich an die Stelle, die Ihre Karte ausgestellt hat.",
                "The code is invalid or has expired. Please contact the office that issued your card.",
            ),
            ClockWrong {
                server_time,
                phone_time,
            } => {
                let m = minutes(server_time.abs_diff(*phone_time), false);
                pick(
                    lang,
                    format!("Die Uhr dieses Telefons geht um etwa {m} Minuten falsch. Bitte stellen Sie Datum und Uhrzeit richtig ein und versuchen Sie es erneut."),
                    format!("This phone's clock is off by about {m} minutes. Please set the date and time correctly and try again."),
                )
            }
            RateLimited { retry_after_secs } => {
                let m = minutes(*retry_after_secs, true);
                pick(
                    lang,
                    format!("Zu viele Versuche. Bitte versuchen Sie es in {m} Minuten erneut."),
                    format!("Too many attempts. Please try again in {m} minutes."),
                )
            }
            ServiceRefused { detail, .. } => pick(
                lang,
                format!("Der Dienst hat die Aktivierung abgelehnt: {detail}"),
                format!("The service refused the activation: {detail}"),
            ),
            Offline => s(
                "Keine Verbindung zum Dienst. Bitte prüfen Sie die Internetverbindung und versuchen Sie es erneut.",
                "No connection to the service. Please check the internet connection and try again.",
            ),
            CardRefused { reason } => reason.text(lang).to_string(),
            KeyStore => s(
                "Der Schlüssel dieses Telefons ist nicht erreichbar. Ist das Telefon entsperrt?",
                "This phone's key cannot be reached. Is the phone unlocked?",
            ),
            Cancelled => s(
                "Die Aktivierung wurde abgebrochen. Sie können den Code auf diesem Telefon erneut verwenden.",
                "The activation was cancelled. You can use the code on this phone again.",
            ),
            Failed => s(
                "Die Aktivierung ist fehlgeschlagen.",
                "The activation failed.",
            ),
        }
    }
}

impl ActivationPrompt {
    pub fn text(self, lang: Lang) -> String {
        let (de, en) = match self {
            ActivationPrompt::MoveQuestion => (
                "Die Karte ist auf einem anderen Telefon aktiv. Hierher umziehen? Die Karte auf dem anderen Telefon funktioniert dann nicht mehr.",
                "The card is active on another phone. Move it here? The card on the other phone will then stop working.",
            ),
            ActivationPrompt::MoveConfirm => ("Hierher umziehen", "Move it here"),
            ActivationPrompt::MoveDecline => ("Abbrechen", "Cancel"),
            ActivationPrompt::TypeCodeHint => (
                "Geben Sie den Aktivierungscode aus Ihrem Schreiben ein (17 Zeichen, z. B. ABCD-EFGH-JKMN-PQRS-T).",
                "Enter the activation code from your letter (17 characters, e.g. ABCD-EFGH-JKMN-PQRS-T).",
            ),
        };
        pick(lang, de.to_string(), en.to_string())
    }
}

/// The line shown after a card was activated (`moved`: it came from another phone).
pub fn activated_text(holder_name: &str, moved: bool, lang: Lang) -> String {
    match (lang, moved) {
        (Lang::De, true) => format!("Die Karte von {holder_name} ist jetzt auf diesem Telefon."),
        (Lang::De, false) => format!("Die Karte von {holder_name} ist aktiviert."),
        (Lang::En, true) => format!("{holder_name}'s card is now on this phone."),
        (Lang::En, false) => format!("{holder_name}'s card is activated."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_problem() -> Vec<ActivationProblem> {
        use ActivationProblem::*;
        vec![
            NotConfigured,
            CodeUnreadable,
            ForeignLink {
                origin: "https://evil.example".into(),
            },
            CodeInvalid,
            ClockWrong {
                server_time: 1_000_000,
                phone_time: 1_000_000 - 7 * 60 - 10,
            },
            RateLimited {
                retry_after_secs: 61,
            },
            ServiceRefused {
                code: "revoked".into(),
                detail: "Die Karte wurde gesperrt".into(),
            },
            Offline,
            CardRefused {
                reason: InvalidReason::Revoked,
            },
            KeyStore,
            Cancelled,
            Failed,
        ]
    }

    #[test]
    fn every_problem_has_distinct_texts_in_both_languages() {
        let problems = every_problem();
        for lang in [Lang::De, Lang::En] {
            let texts: std::collections::HashSet<String> =
                problems.iter().map(|p| p.text(lang)).collect();
            assert_eq!(
                texts.len(),
                problems.len(),
                "{lang:?}: two problems share a text"
            );
        }
        for p in &problems {
            assert_ne!(p.text(Lang::De), p.text(Lang::En), "{p:?}");
        }
    }

    #[test]
    fn texts_carry_their_figures() {
        let clock = ActivationProblem::ClockWrong {
            server_time: 1_000_000,
            phone_time: 1_000_000 - 7 * 60 - 10,
        };
        assert!(clock.text(Lang::De).contains("etwa 7 Minuten"));
        // Late or early, the same distance.
        let ahead = ActivationProblem::ClockWrong {
            server_time: 0,
            phone_time: 9 * 60,
        };
        assert!(ahead.text(Lang::En).contains("about 9 minutes"));
        // Waiting time rounds up and never reads "0 minutes".
        let wait = |s| ActivationProblem::RateLimited {
            retry_after_secs: s,
        };
        assert!(wait(61).text(Lang::En).contains("in 2 minutes"));
        assert!(wait(0).text(Lang::De).contains("in 1 Minuten"));
        let foreign = ActivationProblem::ForeignLink {
            origin: "https://evil.example".into(),
        };
        assert!(foreign.text(Lang::De).contains("https://evil.example"));
        assert_eq!(
            ActivationProblem::CardRefused {
                reason: InvalidReason::Revoked
            }
            .text(Lang::En),
            InvalidReason::Revoked.text(Lang::En)
        );
    }

    #[test]
    fn prompts_and_success_lines() {
        let prompts = [
            ActivationPrompt::MoveQuestion,
            ActivationPrompt::MoveConfirm,
            ActivationPrompt::MoveDecline,
            ActivationPrompt::TypeCodeHint,
        ];
        for lang in [Lang::De, Lang::En] {
            let texts: std::collections::HashSet<String> =
                prompts.iter().map(|p| p.text(lang)).collect();
            assert_eq!(texts.len(), prompts.len());
        }
        assert!(ActivationPrompt::MoveQuestion
            .text(Lang::De)
            .contains("anderen Telefon"));
        assert_eq!(
            activated_text("Erika Mustermann", true, Lang::De),
            "Die Karte von Erika Mustermann ist jetzt auf diesem Telefon."
        );
        assert_eq!(
            activated_text("Erika Mustermann", false, Lang::En),
            "Erika Mustermann's card is activated."
        );
    }
}
