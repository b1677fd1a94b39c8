//! The QR a phone scans, rendered for the UI.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::error::WaError;

/// An SVG image of `payload` (the `ref,noiseKey,identityKey,advSecret` string).
pub fn qr_svg(payload: &str) -> Result<String, WaError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L)
        ?;
    Ok(code
        .render()
        .min_dimensions(264, 264)
        .dark_color(svg::Color("#122e31"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The QR as text for a terminal (unicode half blocks, dark on light).
pub fn qr_text(payload: &str) -> Result<String, WaError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L)
        ?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_svg() {
        let s = super::qr_svg("2@abc,def,ghi,jkl").unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"), "{}", &s[..60]);
        assert!(super::qr_text("2@abc").unwrap().lines().count() > 5);
    }
}
