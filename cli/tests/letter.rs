//! `ehk letter`: activation letters from a CSV file and a demo letter, read back with poppler
//! (pdfinfo, pdftotext, pdftoppm) and zbarimg. A missing tool fails the test.

mod common;

use common::{ehk, ok};
use ehk_core::activation::ActivationCode;
use std::path::Path;
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> String {
    let output = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} is needed for this test ({e}); install poppler-utils and zbar-tools (scripts/test.sh does)")
    });
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn page_text(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    tool(
        "pdftotext",
        &["-layout", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"],
    )
}

fn page_qr(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    let prefix = pdf.with_file_name(format!("page{page}"));
    tool(
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
    tool("zbarimg", &["--raw", "-q", png.to_str().unwrap()])
        .trim_end()
        .to_string()
}

const SERVICE: &str = "https://karte.example.org";

fn letter_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "letter",
        "--service",
        SERVICE,
        "--issuer-name",
        "Stadt Nürnberg, Zentrum Aktiv Bürger",
        "--out",
        "letters.pdf",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn letters_from_csv_are_one_private_pdf_with_a_page_each() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let codes = [ActivationCode::generate(), ActivationCode::generate()];
    let csv = format!(
        "name,cardType,region,validFrom,validUntil,code,codeExpires\n\
         Jürgen Weiß-Öztürk,standard,Stadt Nürnberg,2026-12-01,2029-11-30,{},2027-02-28\n\
         \"Grete Groß, geb. Müller\",gold,,2026-12-01,,{},2027-02-28\n",
        codes[0].grouped(),
        codes[1].compact().to_lowercase(),
    );
    std::fs::write(d.join("letters.csv"), csv).unwrap();
    let out = ok(
        d,
        &letter_args(&["--csv", "letters.csv", "--region", "Mittelfranken"]),
    );
    assert!(out.contains("2 letter(s)"), "{out}");
    let pdf = d.join("letters.pdf");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "letters hold codes: {mode:o}");
    }
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("Pages:           2"), "{info}");

    let first = page_text(&pdf, 1);
    for expected in [
        "Jürgen Weiß-Öztürk",
        "Stadt Nürnberg, Zentrum Aktiv Bürger",
        "01.12.2026 – 30.11.2029",
        codes[0].grouped().as_str(),
        "Einlösbar bis 28.02.2027",
    ] {
        assert!(first.contains(expected), "{expected:?}:\n{first}");
    }
    let second = page_text(&pdf, 2);
    for expected in [
        "Grete Groß, geb. Müller",
        "Goldene Ehrenamtskarte",
        "Mittelfranken",
        "unbefristet",
        codes[1].grouped().as_str(),
    ] {
        assert!(second.contains(expected), "{expected:?}:\n{second}");
    }
    for (i, code) in codes.iter().enumerate() {
        let link = page_qr(&pdf, i + 1);
        assert_eq!(link, code.link(SERVICE));
        assert_eq!(&ActivationCode::from_link_or_code(&link).unwrap().0, code);
    }
}

#[test]
fn a_demo_letter_prints_its_fresh_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &letter_args(&["--demo-name", "Erika Mustermann"]));
    let grouped = out
        .lines()
        .find_map(|l| l.strip_prefix("demo code: "))
        .unwrap_or_else(|| panic!("no code in {out}"));
    let code = ActivationCode::parse(grouped).unwrap();
    let pdf = d.join("letters.pdf");
    let text = page_text(&pdf, 1);
    assert!(text.contains("Erika Mustermann"), "{text}");
    assert!(text.contains(grouped), "{text}");
    // --now is 2026-11-29: three years of validity, the code for 60 days.
    assert!(text.contains("29.11.2026 – 28.11.2029"), "{text}");
    assert!(text.contains("Einlösbar bis 28.01.2027"), "{text}");
    assert_eq!(page_qr(&pdf, 1), code.link(SERVICE));
}

#[test]
fn a_bad_row_fails_with_its_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let code = ActivationCode::generate().grouped();
    for (row, said) in [
        (
            format!("Erika \u{202E}nnamretsuM,standard,X,2026-12-01,,{code},2027-01-31"),
            "invisible or direction-changing",
        ),
        (
            format!("Erika 明,standard,X,2026-12-01,,{code},2027-01-31"),
            "U+660E",
        ),
        (
            format!("Erika,standard,X,2026-12-01,,{}X,2027-01-31", &code[..20]),
            "line 3",
        ),
    ] {
        let csv = format!(
            "name,cardType,region,validFrom,validUntil,code,codeExpires\n\
             Max Muster,standard,X,2026-12-01,,{},2027-01-31\n{row}\n",
            ActivationCode::generate().grouped()
        );
        std::fs::write(d.join("letters.csv"), csv).unwrap();
        let out = ehk(d, &letter_args(&["--csv", "letters.csv"]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("line 3"), "{stderr}");
        assert!(stderr.contains(said), "{stderr}");
        assert!(!d.join("letters.pdf").exists());
    }
}
