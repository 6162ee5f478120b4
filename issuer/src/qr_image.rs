//! QR images of card texts: SVG, PNG and terminal rendering at error correction level M, and
//! reading the codes back from an image (for `ehk verify --png`).

use ehk_core::error::{Error, Result};
use qrcode::{EcLevel, QrCode, Version};

/// The largest image side `decode_image` reads, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 6_000;
/// The most memory the image decoder may take.
const MAX_IMAGE_ALLOC: u64 = 256 << 20;

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
    let unreadable = |e: image::ImageError| Error::Qr(format!("not a readable image: {e}"));
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Qr(format!("not a readable image: {e}")))?;
    // A small file can claim huge dimensions; a phone photo (12 MP) fits, nothing much larger.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_IMAGE_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(unreadable)?.to_luma8();
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
    use ehk_core::QrPayload;

    #[test]
    fn png_round_trip_with_rust_decoder() {
        let text = QrPayload::Credential((0..120u8).collect()).encode();
        let png = render_png(&text, 4).unwrap();
        assert_eq!(decode_image(&png).unwrap(), vec![text.clone()]);
        assert!(render_svg(&text).unwrap().starts_with("<?xml"));
        assert!(render_terminal(&text).unwrap().lines().count() > 10);
        assert!(decode_image(b"not an image").is_err());
        // A tiny file that claims a huge image is refused before it is decoded.
        let wide = image::GrayImage::new(MAX_IMAGE_SIDE + 1, 1);
        let mut png = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(wide)
            .write_to(&mut png, image::ImageFormat::Png)
            .unwrap();
        let err = decode_image(png.get_ref()).unwrap_err();
        assert!(err.to_string().contains("not a readable image"), "{err}");
    }
}
