//! Activation letters read back with the tools a person's computer has: poppler's pdfinfo,
//! pdftotext and pdftoppm (Debian `poppler-utils`) and zbarimg (`zbar-tools`). A missing tool
//! fails the test; scripts/test.sh installs them.

use ehk_core::activation::ActivationCode;
use ehk_core::{CardType, Day};
use ehk_issuer::letter::{letters_pdf, Letter, LetterFonts};
use std::path::Path;
use std::process::Command;

fn run(tool: &str, args: &[&str]) -> String {
    let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} is needed for this test ({e}); install poppler-utils and zbar-tools (scripts/test.sh does)")
    });
    assert!(
        output.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("tool output is UTF-8")
}

fn letter(name: &str, card_type: CardType, valid_until: Option<Day>) -> Letter {
    Letter {
        holder_name: name.into(),
        card_type,
        region: "Landkreis Fürth".into(),
        valid_from: Day::from_ymd(2026, 2, 1).unwrap(),
        valid_until,
        code: ActivationCode::generate(),
        service_base: "https://karte.example.org".into(),
        issuer_name: "Landratsamt Fürth – Ehrenamtsbüro".into(),
        code_expires: Day::from_ymd(2026, 4, 30).unwrap(),
    }
}

fn three_letters() -> Vec<Letter> {
    vec![
        letter(
            "Jürgen Weiß-Öztürk",
            CardType::Standard,
            Day::from_ymd(2029, 1, 31),
        ),
        letter("Ayşe Yılmaz", CardType::Gold, None),
        letter(
            "Ђорђе Петровић",
            CardType::Standard,
            Day::from_ymd(2027, 6, 30),
        ),
    ]
}

fn page_text(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    let pdf = pdf.to_str().unwrap();
    run("pdftotext", &["-layout", "-f", &n, "-l", &n, pdf, "-"])
}

/// The single QR code zbarimg finds on page `page` rendered at 150 dpi.
fn page_qr(pdf: &Path, page: usize, dir: &Path) -> String {
    let n = page.to_string();
    let prefix = dir.join(format!("page{page}"));
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-singlefile",
            "-f",
            &n,
            "-l",
            &n,
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let png = prefix.with_extension("png");
    let decoded = run("zbarimg", &["--raw", "-q", png.to_str().unwrap()]);
    let codes: Vec<&str> = decoded.lines().collect();
    assert_eq!(codes.len(), 1, "one QR code on page {page}: {decoded:?}");
    codes[0].to_string()
}

#[test]
fn three_letters_make_three_pages_with_the_text_and_a_scannable_link_each() {
    let dir = tempfile::tempdir().unwrap();
    let fonts = LetterFonts::debian().unwrap();
    let letters = three_letters();
    let pdf = dir.path().join("letters.pdf");
    std::fs::write(&pdf, letters_pdf(&letters, &fonts).unwrap()).unwrap();

    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");

    let validity = [
        "01.02.2026 – 31.01.2029",
        "ab 01.02.2026 unbefristet / from 01.02.2026, no expiry date",
        "01.02.2026 – 30.06.2027",
    ];
    let card_types = [
        "Ehrenamtskarte (blau) / volunteer card (blue)",
        "Goldene Ehrenamtskarte / gold volunteer card",
        "Ehrenamtskarte (blau) / volunteer card (blue)",
    ];
    for (i, letter) in letters.iter().enumerate() {
        let page = i + 1;
        let text = page_text(&pdf, page);
        for expected in [
            letter.holder_name.as_str(),
            letter.code.grouped().as_str(),
            validity[i],
            card_types[i],
            "Landratsamt Fürth – Ehrenamtsbüro",
            "Ihre digitale Ehrenamtskarte",
            "Your digital volunteer card",
            "Einlösbar bis 30.04.2026",
            "Use it by 30.04.2026",
            "So aktivieren Sie Ihre Karte",
            "1. Installieren Sie die App „Ehrenamtskarte“",
            "2. Scannen Sie den QR-Code",
            "3. Bestätigen Sie in der App.",
            "Ohne App: Öffnen Sie https://karte.example.org/activate im Browser.",
            "How to activate your card",
            "1. Install the app \"Ehrenamtskarte\"",
            "2. Scan the QR code",
            "3. Confirm in the app.",
            "Without the app: open https://karte.example.org/activate in a browser.",
        ] {
            assert!(
                text.contains(expected),
                "page {page} lacks {expected:?}:\n{text}"
            );
        }
        // German comes first.
        assert!(text.find("So aktivieren").unwrap() < text.find("How to activate").unwrap());
        // Each page holds its own letter only.
        for (j, other) in letters.iter().enumerate() {
            if j != i {
                assert!(!text.contains(&other.holder_name), "page {page}");
                assert!(!text.contains(&other.code.grouped()), "page {page}");
            }
        }

        let link = page_qr(&pdf, page, dir.path());
        assert_eq!(link, letter.code.link("https://karte.example.org"));
        let (code, origin) = ActivationCode::from_link_or_code(&link).unwrap();
        assert_eq!(code, letter.code);
        assert_eq!(origin.as_deref(), Some("https://karte.example.org"));
    }
}

#[test]
fn a_hundred_letters_stay_small_because_the_fonts_are_shared() {
    let fonts = LetterFonts::debian().unwrap();
    let one = letters_pdf(&three_letters()[..1], &fonts).unwrap();
    let hundred: Vec<Letter> = (0..100)
        .map(|i| {
            letter(
                &format!("Erika Mustermann {i}"),
                CardType::Standard,
                Day::from_ymd(2029, 1, 31),
            )
        })
        .collect();
    let many = letters_pdf(&hundred, &fonts).unwrap();
    eprintln!(
        "one letter: {} bytes; 100 letters: {} bytes",
        one.len(),
        many.len()
    );
    assert!(one.len() < 80_000, "{}", one.len());
    assert!(many.len() < 100 * 20_000, "{}", many.len());
}
