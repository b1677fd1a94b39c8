//! QR module matrix. The server computes it (with the `qrcode` crate) and the
//! page only paints it on its canvas: the page stays small and the payload
//! round-trips exactly. Real WhatsApp Web encodes the QR in the browser.

/// Rows of `'1'` (dark) and `'0'` (light), without quiet zone.
pub fn matrix(payload: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    Some(
        colors
            .chunks(width)
            .map(|row| row.iter().map(|c| if *c == qrcode::Color::Dark { '1' } else { '0' }).collect())
            .collect(),
    )
}
