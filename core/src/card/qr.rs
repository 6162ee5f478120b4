//! QR text: a short versioned prefix plus Base45 (RFC 9285), so the code uses the QR
//! alphanumeric mode. Rendering to SVG, PNG and the terminal, and reading a PNG back.

use crate::error::{Error, Result};
use qrcode::{EcLevel, QrCode, Version};

/// A static card: the issuer-signed credential alone.
pub const CREDENTIAL_PREFIX: &str = "EK1:";
/// A device-bound presentation: credential, time step and device signature.
pub const PRESENTATION_PREFIX: &str = "EP1:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrPayload {
    Credential(Vec<u8>),
    Presentation(Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrTextError {
    /// No known prefix: some other QR code.
    NotACard,
    /// The prefix is ours but the Base45 body is broken.
    Damaged,
}

impl QrPayload {
    pub fn encode(&self) -> String {
        match self {
            QrPayload::Credential(b) => format!("{CREDENTIAL_PREFIX}{}", base45::encode(b)),
            QrPayload::Presentation(b) => format!("{PRESENTATION_PREFIX}{}", base45::encode(b)),
        }
    }

    /// Decodes the exact text a scanner read. No trimming or case folding: any change to the
    /// text must be visible to the signature check, not smoothed over here.
    pub fn decode(text: &str) -> Result<QrPayload, QrTextError> {
        let (body, wrap): (&str, fn(Vec<u8>) -> QrPayload) =
            if let Some(b) = text.strip_prefix(CREDENTIAL_PREFIX) {
                (b, QrPayload::Credential)
            } else if let Some(b) = text.strip_prefix(PRESENTATION_PREFIX) {
                (b, QrPayload::Presentation)
            } else {
                return Err(QrTextError::NotACard);
            };
        let bytes = base45::decode(body).map_err(|_| QrTextError::Damaged)?;
        // RFC 9285 has exactly one encoding per byte string; refuse the non-canonical ones
        // that some decoders let through, so each card has exactly one valid QR text.
        if base45::encode(&bytes) != body {
            return Err(QrTextError::Damaged);
        }
        Ok(wrap(bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            QrPayload::Credential(b) | QrPayload::Presentation(b) => b,
        }
    }
}

fn qr_code(text: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Qr(e.to_string()))
}

/// The QR version (1–40) the text needs at error correction level M.
pub fn qr_version(text: &str) -> Result<i16> {
    match qr_code(text)?.version() {
        Version::Normal(v) => Ok(v),
        Version::Micro(v) => Ok(-v),
    }
}

pub fn render_svg(text: &str) -> Result<String> {
    Ok(qr_code(text)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// Renders a PNG with `module_px` pixels per module and the standard four-module quiet zone.
pub fn render_png(text: &str, module_px: u32) -> Result<Vec<u8>> {
    let image = qr_code(text)?
        .render::<image::Luma<u8>>()
        .module_dimensions(module_px.max(1), module_px.max(1))
        .quiet_zone(true)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::Qr(e.to_string()))?;
    Ok(out.into_inner())
}

/// Two rows of modules per line of text, for a terminal with a dark background or a light one.
pub fn render_terminal(text: &str) -> Result<String> {
    Ok(qr_code(text)?
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// Reads every QR code found in a PNG, JPEG or other image file's bytes.
pub fn decode_image(bytes: &[u8]) -> Result<Vec<String>> {
    let image = image::load_from_memory(bytes)
        .map_err(|e| Error::Qr(format!("not a readable image: {e}")))?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let texts: Vec<String> = prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect();
    if texts.is_empty() {
        return Err(Error::Qr("no readable QR code in the image".into()));
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip() {
        let p = QrPayload::Credential(vec![0, 1, 2, 250, 255]);
        let text = p.encode();
        assert!(text.starts_with("EK1:"));
        assert_eq!(QrPayload::decode(&text), Ok(p));
        let q = QrPayload::Presentation(vec![42; 7]);
        assert_eq!(QrPayload::decode(&q.encode()), Ok(q));
    }

    #[test]
    fn errors() {
        assert_eq!(
            QrPayload::decode("https://example.org"),
            Err(QrTextError::NotACard)
        );
        assert_eq!(QrPayload::decode("ek1:00"), Err(QrTextError::NotACard));
        assert_eq!(QrPayload::decode("EK1:!!"), Err(QrTextError::Damaged));
        assert_eq!(QrPayload::decode("EK1:A"), Err(QrTextError::Damaged));
        // "GGW" is 65535 = [0xff, 0xff]; ":::" overflows 16 bits.
        assert_eq!(QrPayload::decode("EK1:::: "), Err(QrTextError::Damaged));
    }

    #[test]
    fn png_round_trip_with_rust_decoder() {
        let text = QrPayload::Credential((0..120u8).collect()).encode();
        let png = render_png(&text, 4).unwrap();
        assert_eq!(decode_image(&png).unwrap(), vec![text.clone()]);
        assert!(render_svg(&text).unwrap().starts_with("<?xml"));
        assert!(render_terminal(&text).unwrap().lines().count() > 10);
        assert!(decode_image(b"not an image").is_err());
    }
}
