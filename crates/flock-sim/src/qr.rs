//! QR module matrix and payload matching. The server computes the matrix (with the `qrcode` crate) and the
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

/// Does a scanned string name the QR on screen? The page shows
/// `ref,noise,identity,adv,platform`; a client may build it without the
/// platform (the older 4-part form): both name the same login.
pub fn payload_matches(shown: &str, given: &str) -> bool {
    let given = given.trim();
    if shown == given {
        return true;
    }
    let parts: Vec<&str> = shown.split(',').collect();
    parts.len() == 5 && parts[..4].join(",") == given
}

#[cfg(test)]
mod tests {
    #[test]
    fn four_and_five_part_payloads_match() {
        let shown = "2@ref,noise,ident,adv,1";
        assert!(super::payload_matches(shown, shown));
        assert!(super::payload_matches(shown, "2@ref,noise,ident,adv"));
        assert!(!super::payload_matches(shown, "2@ref,noise,ident"));
        assert!(!super::payload_matches(shown, "2@other,noise,ident,adv"));
        assert!(!super::payload_matches(shown, "2@ref,noise,ident,adv,2"));
    }
}
