//! Activation letters: the paper a holder of a device-bound card gets, with the activation code
//! printed for typing and as a QR code of the activation link, and short instructions in German
//! and English. One A4 page per letter; a batch is one PDF with one page each.
//!
//! Text is set in DejaVu Sans (Debian's `fonts-dejavu-core`), embedded and subset, so names in
//! Latin, Greek and Cyrillic scripts (Weiß, Şahin, Łukasz, Ђорђе) print as written and copy out
//! of the PDF as text. A name with a character the fonts cannot show is refused with its code
//! point, never printed as a box.

use chrono::Datelike;
use ehk_core::activation::code::split_origin;
use ehk_core::activation::ActivationCode;
use ehk_core::card::claims::{check_name, is_hidden_format_char};
use ehk_core::{CardType, Day};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use qrcode::{EcLevel, QrCode};
use std::path::{Path, PathBuf};

/// Where Debian's `fonts-dejavu-core` puts its files.
pub const DEBIAN_FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const REGULAR_FILE: &str = "DejaVuSans.ttf";
const BOLD_FILE: &str = "DejaVuSans-Bold.ttf";
const MONO_FILE: &str = "DejaVuSansMono-Bold.ttf";

/// The longest issuer or region name printed (characters).
pub const MAX_LABEL_CHARS: usize = 120;

// A4 in PostScript points, and the margins of a DIN 5008 letter (25 mm left, 20 mm right).
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MM: f32 = 72.0 / 25.4;
const LEFT: f32 = 25.0 * MM;
const RIGHT: f32 = PAGE_W - 20.0 * MM;
const TEXT_W: f32 = RIGHT - LEFT;

/// What one letter says. The holder name and labels are checked when the PDF is made.
#[derive(Clone, Debug)]
pub struct Letter {
    pub holder_name: String,
    pub card_type: CardType,
    /// The issuing region's name as the holder knows it ("Landkreis Musterstadt").
    pub region: String,
    pub valid_from: Day,
    /// `None`: the card does not expire (gold cards).
    pub valid_until: Option<Day>,
    pub code: ActivationCode,
    /// The activation service's https origin, `https://karte.example.org`.
    pub service_base: String,
    /// Who sends the letter (the issuing office), printed at the top.
    pub issuer_name: String,
    /// The last day on which the code can be used.
    pub code_expires: Day,
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("font {path}: {reason} (Debian: apt-get install fonts-dejavu-core)")]
    Font { path: String, reason: String },
    #[error("no letters to print")]
    Empty,
    #[error("letter {letter}: {reason}")]
    Invalid { letter: usize, reason: String },
    /// A character of a printed field that the fonts have no glyph for (the character alone,
    /// not the name it is in: errors carry no personal data).
    #[error("letter {letter}: the {field} has a character the letter font cannot print (U+{code_point:04X})")]
    Unprintable {
        letter: usize,
        field: &'static str,
        code_point: u32,
    },
    #[error("QR code: {0}")]
    Qr(String),
    #[error("PDF: {0}")]
    Pdf(String),
}

/// The three faces a letter uses, loaded once (an issuer service keeps them for its lifetime).
pub struct LetterFonts {
    regular: Face,
    bold: Face,
    mono: Face,
}

struct Face {
    font: Font,
    data: std::sync::Arc<Vec<u8>>,
}

impl Face {
    fn load(path: &Path) -> Result<Face, LetterError> {
        let error = |reason: String| LetterError::Font {
            path: path.display().to_string(),
            reason,
        };
        let data = std::sync::Arc::new(std::fs::read(path).map_err(|e| error(e.to_string()))?);
        rustybuzz::Face::from_slice(&data, 0).ok_or_else(|| error("not a usable font".into()))?;
        let font =
            Font::new(data.clone().into(), 0).ok_or_else(|| error("not a usable font".into()))?;
        Ok(Face { font, data })
    }

    fn shaper(&self) -> rustybuzz::Face<'_> {
        rustybuzz::Face::from_slice(&self.data, 0).expect("checked when loaded")
    }

    /// The first character the face has no glyph for.
    fn missing(&self, text: &str) -> Option<char> {
        let face = self.shaper();
        text.chars().find(|&c| face.glyph_index(c).is_none())
    }

    /// The advance of `text` at `size`, shaped as `draw_text` shapes it.
    fn width(&self, text: &str, size: f32) -> f32 {
        let face = self.shaper();
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / face.units_per_em() as f32
    }
}

impl LetterFonts {
    /// DejaVu Sans, Sans Bold and Sans Mono Bold from `dir`.
    pub fn from_dir(dir: &Path) -> Result<LetterFonts, LetterError> {
        Ok(LetterFonts {
            regular: Face::load(&dir.join(REGULAR_FILE))?,
            bold: Face::load(&dir.join(BOLD_FILE))?,
            mono: Face::load(&dir.join(MONO_FILE))?,
        })
    }

    /// The fonts where Debian's `fonts-dejavu-core` installs them.
    pub fn debian() -> Result<LetterFonts, LetterError> {
        LetterFonts::from_dir(&PathBuf::from(DEBIAN_FONT_DIR))
    }
}

/// What a checked letter prints, derived once.
struct Prepared<'a> {
    letter: &'a Letter,
    /// The service's origin in one spelling, `https://host`.
    origin: String,
    link: String,
}

impl Letter {
    /// Checks that the letter can be printed as it stands: the holder name passes the card's
    /// name rule, the labels hold no control or hidden formatting characters, every printed
    /// character has a glyph, the service is an https origin and the dates are in order.
    /// `number` names the letter in errors.
    pub fn check(&self, fonts: &LetterFonts, number: usize) -> Result<(), LetterError> {
        self.prepare(fonts, number).map(|_| ())
    }

    fn prepare(&self, fonts: &LetterFonts, index: usize) -> Result<Prepared<'_>, LetterError> {
        let invalid = |reason: String| LetterError::Invalid {
            letter: index,
            reason,
        };
        check_name(&self.holder_name).map_err(invalid)?;
        for (field, text) in [("issuer name", &self.issuer_name), ("region", &self.region)] {
            if text.trim().is_empty() {
                return Err(invalid(format!("the {field} is empty")));
            }
            if text.chars().count() > MAX_LABEL_CHARS {
                return Err(invalid(format!(
                    "the {field} is longer than {MAX_LABEL_CHARS} characters"
                )));
            }
            if text
                .chars()
                .any(|c| c.is_control() || is_hidden_format_char(c))
            {
                return Err(invalid(format!(
                    "the {field} contains control or invisible characters"
                )));
            }
        }
        for (field, text, face) in [
            ("holder name", &self.holder_name, &fonts.bold),
            ("issuer name", &self.issuer_name, &fonts.bold),
            ("region", &self.region, &fonts.regular),
        ] {
            if let Some(c) = face.missing(text) {
                return Err(LetterError::Unprintable {
                    letter: index,
                    field,
                    code_point: c as u32,
                });
            }
        }
        let (origin, path) = split_origin(&self.service_base)
            .map_err(|e| invalid(format!("service address: {e}")))?;
        if !path.trim_end_matches('/').is_empty() {
            return Err(invalid(
                "the service address must be an origin without a path".into(),
            ));
        }
        if let Some(until) = self.valid_until {
            if until < self.valid_from {
                return Err(invalid("the card's validity ends before it begins".into()));
            }
        }
        for day in [
            Some(self.valid_from),
            self.valid_until,
            Some(self.code_expires),
        ]
        .into_iter()
        .flatten()
        {
            if day.to_date().is_none() {
                return Err(invalid(format!("{day} is not a printable date")));
            }
        }
        let link = self.code.link(&origin);
        Ok(Prepared {
            letter: self,
            origin,
            link,
        })
    }
}

/// One PDF with one A4 page per letter, in order. Every letter is checked before anything is
/// drawn; the first that cannot be printed fails the whole file, and the error numbers it from
/// 1, as its page would have been.
pub fn letters_pdf(letters: &[Letter], fonts: &LetterFonts) -> Result<Vec<u8>, LetterError> {
    if letters.is_empty() {
        return Err(LetterError::Empty);
    }
    let prepared = letters
        .iter()
        .enumerate()
        .map(|(i, letter)| letter.prepare(fonts, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title("Aktivierungsbrief Ehrenamtskarte / Activation letter".into())
            .language("de".into())
            .creator("ehk".into()),
    );
    for letter in &prepared {
        let qr = QrCode::with_error_correction_level(letter.link.as_bytes(), EcLevel::M)
            .map_err(|e| LetterError::Qr(e.to_string()))?;
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw_page(&mut surface, fonts, letter, &qr);
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| LetterError::Pdf(format!("{e:?}")))
}

/// `31.12.2028`, as dates are written in German letters (and read in English ones).
fn german_date(day: Day) -> String {
    match day.to_date() {
        Some(d) => format!("{:02}.{:02}.{}", d.day(), d.month(), d.year()),
        None => day.to_string(),
    }
}

fn card_type_line(card_type: CardType) -> &'static str {
    match card_type {
        CardType::Standard => "Ehrenamtskarte (blau) / volunteer card (blue)",
        CardType::Gold => "Goldene Ehrenamtskarte / gold volunteer card",
    }
}

fn validity_line(letter: &Letter) -> String {
    match letter.valid_until {
        Some(until) => format!(
            "{} – {}",
            german_date(letter.valid_from),
            german_date(until)
        ),
        None => format!(
            "ab {} unbefristet / from {}, no expiry date",
            german_date(letter.valid_from),
            german_date(letter.valid_from)
        ),
    }
}

const BLACK: (u8, u8, u8) = (0x1a, 0x1a, 0x1a);
const GREY: (u8, u8, u8) = (0x5c, 0x5c, 0x5c);
const ACCENT: (u8, u8, u8) = (0x1f, 0x4e, 0x8c);
const RULE: (u8, u8, u8) = (0xb8, 0xc4, 0xd4);

fn fill(surface: &mut Surface, (r, g, b): (u8, u8, u8)) {
    surface.set_fill(Some(Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }));
}

/// Writes `text` from `x` on the baseline `y`, broken into lines no wider than `width`;
/// returns the baseline after the last line.
#[allow(clippy::too_many_arguments)]
fn paragraph(
    surface: &mut Surface,
    face: &Face,
    size: f32,
    color: (u8, u8, u8),
    x: f32,
    y: f32,
    width: f32,
    text: &str,
) -> f32 {
    fill(surface, color);
    let mut y = y;
    for line in wrap(face, size, width, text) {
        surface.draw_text(
            Point::from_xy(x, y),
            face.font.clone(),
            size,
            &line,
            false,
            TextDirection::Auto,
        );
        y += size * 1.35;
    }
    y
}

/// Breaks at spaces; a word wider than the line is broken between characters.
fn wrap(face: &Face, size: f32, width: f32, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if face.width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if face.width(&line, size) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn draw_page(surface: &mut Surface, fonts: &LetterFonts, p: &Prepared<'_>, qr: &QrCode) {
    let letter = p.letter;

    // Sender.
    let mut y = paragraph(
        surface,
        &fonts.bold,
        11.0,
        BLACK,
        LEFT,
        20.0 * MM,
        TEXT_W,
        &letter.issuer_name,
    );
    y = paragraph(
        surface,
        &fonts.regular,
        9.0,
        GREY,
        LEFT,
        y,
        TEXT_W,
        &letter.region,
    );
    rule(surface, y - 4.0);

    // Title and holder.
    y += 34.0;
    y = paragraph(
        surface,
        &fonts.bold,
        20.0,
        ACCENT,
        LEFT,
        y,
        TEXT_W,
        "Ihre digitale Ehrenamtskarte",
    );
    y = paragraph(
        surface,
        &fonts.regular,
        13.0,
        GREY,
        LEFT,
        y - 4.0,
        TEXT_W,
        "Your digital volunteer card",
    );
    y += 16.0;
    y = paragraph(
        surface,
        &fonts.bold,
        16.0,
        BLACK,
        LEFT,
        y,
        TEXT_W,
        &letter.holder_name,
    );

    // The card's details as a small table.
    y += 8.0;
    let value_x = LEFT + 40.0 * MM;
    for (label, value) in [
        ("Karte / Card", card_type_line(letter.card_type).to_string()),
        ("Region", letter.region.clone()),
        ("Gültig / Valid", validity_line(letter)),
    ] {
        paragraph(
            surface,
            &fonts.regular,
            10.0,
            GREY,
            LEFT,
            y,
            40.0 * MM,
            label,
        );
        y = paragraph(
            surface,
            &fonts.regular,
            10.5,
            BLACK,
            value_x,
            y,
            RIGHT - value_x,
            &value,
        );
    }

    // The code: QR on the left, typed form on the right, in a framed box.
    y += 14.0;
    let box_top = y;
    let qr_side = 46.0 * MM;
    let pad = 5.0 * MM;
    draw_qr(surface, qr, LEFT + pad, box_top + pad, qr_side);
    let text_x = LEFT + pad + qr_side + 8.0 * MM;
    let text_w = RIGHT - pad - text_x;
    let mut ty = box_top + pad + 14.0;
    ty = paragraph(
        surface,
        &fonts.bold,
        11.0,
        BLACK,
        text_x,
        ty,
        text_w,
        "Ihr Aktivierungscode",
    );
    ty = paragraph(
        surface,
        &fonts.regular,
        10.0,
        GREY,
        text_x,
        ty - 2.0,
        text_w,
        "Your activation code",
    );
    ty += 14.0;
    ty = paragraph(
        surface,
        &fonts.mono,
        fit(&fonts.mono, &letter.code.grouped(), 20.0, text_w),
        BLACK,
        text_x,
        ty,
        text_w,
        &letter.code.grouped(),
    );
    ty += 8.0;
    let expires = german_date(letter.code_expires);
    ty = paragraph(
        surface,
        &fonts.regular,
        10.0,
        BLACK,
        text_x,
        ty,
        text_w,
        &format!("Einlösbar bis {expires}"),
    );
    paragraph(
        surface,
        &fonts.regular,
        10.0,
        GREY,
        text_x,
        ty - 2.0,
        text_w,
        &format!("Use it by {expires}"),
    );
    let box_bottom = box_top + qr_side + 2.0 * pad;
    frame(surface, box_top, box_bottom);
    y = box_bottom + 26.0;

    // Instructions, German first.
    let activate = format!("{}{}", p.origin, ehk_core::activation::code::LINK_PATH);
    let german = [
        "1. Installieren Sie die App „Ehrenamtskarte“ aus dem App Store oder von Google Play.".to_string(),
        "2. Scannen Sie den QR-Code mit der App oder der Kamera (das öffnet den Link), oder tippen Sie den Code in der App ein.".to_string(),
        "3. Bestätigen Sie in der App. Die Karte ist dann an Ihr Telefon gebunden; der Code gilt nur einmal.".to_string(),
        format!("Ohne App: Öffnen Sie {activate} im Browser. Die Seite erklärt, wie es weitergeht."),
    ];
    let english = [
        "1. Install the app \"Ehrenamtskarte\" from the App Store or Google Play.".to_string(),
        "2. Scan the QR code with the app or the camera (this opens the link), or type the code into the app.".to_string(),
        "3. Confirm in the app. The card is then bound to your phone; the code works only once.".to_string(),
        format!("Without the app: open {activate} in a browser. The page explains what to do next."),
    ];
    for (heading, lines) in [
        ("So aktivieren Sie Ihre Karte", &german),
        ("How to activate your card", &english),
    ] {
        y = paragraph(surface, &fonts.bold, 11.5, ACCENT, LEFT, y, TEXT_W, heading);
        y += 2.0;
        for line in lines.iter() {
            let (number, rest) = match line.split_once(". ") {
                Some((n, rest)) if n.len() == 1 => (Some(format!("{n}.")), rest),
                _ => (None, line.as_str()),
            };
            let indent = 6.0 * MM;
            match number {
                Some(number) => {
                    paragraph(
                        surface,
                        &fonts.regular,
                        10.0,
                        BLACK,
                        LEFT,
                        y,
                        indent,
                        &number,
                    );
                    y = paragraph(
                        surface,
                        &fonts.regular,
                        10.0,
                        BLACK,
                        LEFT + indent,
                        y,
                        TEXT_W - indent,
                        rest,
                    );
                }
                None => {
                    y = paragraph(
                        surface,
                        &fonts.regular,
                        10.5,
                        GREY,
                        LEFT,
                        y + 4.0,
                        TEXT_W,
                        rest,
                    )
                }
            }
            y += 2.5;
        }
        y += 18.0;
    }

    // Footer.
    rule(surface, PAGE_H - 24.0 * MM);
    let y = paragraph(
        surface,
        &fonts.regular,
        8.5,
        GREY,
        LEFT,
        PAGE_H - 24.0 * MM + 14.0,
        TEXT_W,
        "Bitte bewahren Sie diesen Brief auf und geben Sie den Code nicht weiter.",
    );
    paragraph(
        surface,
        &fonts.regular,
        8.5,
        GREY,
        LEFT,
        y,
        TEXT_W,
        "Please keep this letter and do not share the code with anyone.",
    );
}

/// The largest size up to `max` at which `text` fits on one line of `width`.
fn fit(face: &Face, text: &str, max: f32, width: f32) -> f32 {
    let at_max = face.width(text, max);
    if at_max <= width {
        max
    } else {
        (max * width / at_max).floor().max(6.0)
    }
}

fn rule(surface: &mut Surface, y: f32) {
    let mut path = PathBuilder::new();
    path.move_to(LEFT, y);
    path.line_to(RIGHT, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(RULE.0, RULE.1, RULE.2).into(),
            width: 0.7,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

fn frame(surface: &mut Surface, top: f32, bottom: f32) {
    let mut path = PathBuilder::new();
    if let Some(rect) = Rect::from_ltrb(LEFT, top, RIGHT, bottom) {
        path.push_rect(rect);
    }
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(RULE.0, RULE.1, RULE.2).into(),
            width: 1.0,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
    }
}

/// The QR code as filled rectangles, one per run of dark modules in a row, inside a square of
/// `side` that includes the four-module quiet zone.
fn draw_qr(surface: &mut Surface, qr: &QrCode, x: f32, y: f32, side: f32) {
    let modules = qr.width();
    let colors = qr.to_colors();
    let module = side / (modules + 8) as f32;
    let origin_x = x + 4.0 * module;
    let origin_y = y + 4.0 * module;
    let mut path = PathBuilder::new();
    for row in 0..modules {
        let mut col = 0;
        while col < modules {
            if colors[row * modules + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < modules && colors[row * modules + col] == qrcode::Color::Dark {
                col += 1;
            }
            // Rows overlap by a hair so no light seam shows between them when rendered.
            if let Some(rect) = Rect::from_xywh(
                origin_x + start as f32 * module,
                origin_y + row as f32 * module,
                (col - start) as f32 * module,
                module + 0.05,
            ) {
                path.push_rect(rect);
            }
        }
    }
    if let Some(path) = path.finish() {
        surface.set_stroke(None);
        fill(surface, (0, 0, 0));
        surface.draw_path(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> LetterFonts {
        LetterFonts::debian().expect("fonts-dejavu-core is installed (scripts/test.sh does it)")
    }

    pub(crate) fn letter(name: &str) -> Letter {
        Letter {
            holder_name: name.into(),
            card_type: CardType::Standard,
            region: "Landkreis Musterstadt".into(),
            valid_from: Day::from_ymd(2026, 1, 1).unwrap(),
            valid_until: Day::from_ymd(2028, 12, 31),
            code: ActivationCode::generate(),
            service_base: "https://karte.example.org".into(),
            issuer_name: "Landratsamt Musterstadt, Ehrenamtsbüro".into(),
            code_expires: Day::from_ymd(2026, 3, 31).unwrap(),
        }
    }

    #[test]
    fn a_letter_makes_a_one_page_pdf() {
        let pdf = letters_pdf(&[letter("Jürgen Weiß-Öztürk")], &fonts()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    }

    #[test]
    fn names_in_latin_greek_and_cyrillic_scripts_print() {
        let fonts = fonts();
        for name in [
            "Ayşe Yılmaz-Doğan",
            "Łukasz Wałęsa",
            "Ђорђе Петровић",
            "Zoë Çelik-Øster",
        ] {
            letter(name).check(&fonts, 0).unwrap();
        }
    }

    #[test]
    fn characters_the_font_lacks_are_refused_by_code_point() {
        let err = letter("Erika 明").check(&fonts(), 7).unwrap_err();
        assert!(
            matches!(
                err,
                LetterError::Unprintable {
                    letter: 7,
                    field: "holder name",
                    code_point: 0x660E
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains("Erika"));
    }

    #[test]
    fn hidden_characters_and_bad_addresses_are_refused() {
        let fonts = fonts();
        assert!(letter("Erika \u{202E}nnamretsuM").check(&fonts, 0).is_err());
        let mut l = letter("Erika Mustermann");
        l.region = "Kreis\u{200B}X".into();
        assert!(l.check(&fonts, 0).is_err());
        for base in [
            "http://karte.example.org",
            "https://karte.example.org/x",
            "karte",
        ] {
            let mut l = letter("Erika Mustermann");
            l.service_base = base.into();
            assert!(l.check(&fonts, 0).is_err(), "{base}");
        }
        let mut l = letter("Erika Mustermann");
        l.valid_until = Day::from_ymd(2025, 1, 1);
        assert!(l.check(&fonts, 0).is_err());
        assert!(matches!(letters_pdf(&[], &fonts), Err(LetterError::Empty)));
    }

    #[test]
    fn hostile_names_print_or_are_refused_without_panicking() {
        let fonts = fonts();
        let names = [
            "Zoe\u{0308} Mu\u{0308}ller",
            "\u{0308}Anna",
            "محمد علي",
            "שרה כהן",
            "Erika 😀",
            "Erika\u{3000}Mustermann",
            "Erika\u{00A0}Mustermann",
            "%PDF-1.7 ) Tj (BT /F1 ET \\ <<>>",
            "Ŧ̷̡ḛ̸s̶t̵",
            "\u{FFFD}\u{FFFF}",
        ];
        for name in names {
            match letters_pdf(&[letter(name)], &fonts) {
                Ok(pdf) => assert!(pdf.starts_with(b"%PDF-")),
                Err(e) => assert!(
                    matches!(
                        e,
                        LetterError::Unprintable { .. } | LetterError::Invalid { .. }
                    ),
                    "{name}: {e}"
                ),
            }
        }
        assert!(matches!(
            letter("Erika 🦀").check(&fonts, 1),
            Err(LetterError::Unprintable {
                code_point: 0x1F980,
                ..
            })
        ));
    }

    #[test]
    fn long_text_wraps_within_the_line() {
        let fonts = fonts();
        let long = "W".repeat(80);
        let lines = wrap(&fonts.bold, 16.0, TEXT_W, &long);
        assert!(lines.len() >= 2);
        assert_eq!(lines.concat(), long);
        for line in &lines {
            assert!(fonts.bold.width(line, 16.0) <= TEXT_W);
        }
        let pdf = letters_pdf(&[letter(&long)], &fonts).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn a_missing_font_directory_is_named() {
        let err = LetterFonts::from_dir(Path::new("/nonexistent-fonts"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("fonts-dejavu-core"), "{err}");
    }
}
