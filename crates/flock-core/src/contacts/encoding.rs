//! The bytes of an imported file as UTF-8 text, before the CSV reader sees
//! them: a UTF-8 byte-order mark is dropped; UTF-16 with its byte-order mark
//! (Excel's "Unicode Text", some phone exports) is decoded, every character
//! kept; a file with NUL bytes and no UTF-16 mark is not text (an .xlsx, a
//! picture) and is refused as a whole. Anything else is left as it is: a
//! line that is not UTF-8 (a Latin-1 sheet) becomes one rejected row whose
//! reason names the fix.

use std::borrow::Cow;

/// How far into the file a NUL byte means "not text".
const SNIFF: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    #[error("the file is UTF-16 text with a broken character on line {line} (byte {offset})")]
    BrokenUtf16 { line: u64, offset: usize },
    #[error("the file is not text (it holds NUL bytes{})", if *.zip { "; it looks like an Excel .xlsx workbook" } else { "" })]
    NotText { zip: bool },
}

impl EncodingError {
    pub fn fix(&self) -> &'static str {
        match self {
            EncodingError::BrokenUtf16 { .. } => {
                "The file is cut short or damaged there: export it again, preferably as \"CSV UTF-8\""
            }
            EncodingError::NotText { .. } => "Open it in the spreadsheet program and save it as \"CSV UTF-8\"",
        }
    }
}

/// The file as UTF-8 bytes (borrowed unless UTF-16 had to be decoded).
pub(crate) fn to_utf8(bytes: &[u8]) -> Result<Cow<'_, [u8]>, EncodingError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        return Ok(Cow::Borrowed(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE".as_slice()) {
        return decode_utf16(rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF".as_slice()) {
        return decode_utf16(rest, u16::from_be_bytes).map(Cow::Owned);
    }
    if bytes[..bytes.len().min(SNIFF)].contains(&0) {
        return Err(EncodingError::NotText { zip: bytes.starts_with(b"PK\x03\x04") });
    }
    Ok(Cow::Borrowed(bytes))
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<Vec<u8>, EncodingError> {
    let units = bytes.chunks(2).map(|c| match c {
        [a, b] => Ok(unit([*a, *b])),
        _ => Err(()),
    });
    let mut out = String::with_capacity(bytes.len() / 2 + bytes.len() / 8);
    let (mut line, mut at) = (1u64, 0usize);
    // Offsets count from the file's first byte (the 2-byte mark included).
    let broken = |line, at| EncodingError::BrokenUtf16 { line, offset: at + 2 };
    // A high surrogate waiting for its low half, with where it started.
    let mut pending: Option<(u16, usize)> = None;
    for u in units {
        let u = u.map_err(|_| broken(line, at))?;
        let here = at;
        at += 2;
        let c = match (pending.take(), u) {
            (None, 0xD800..=0xDBFF) => {
                pending = Some((u, here));
                continue;
            }
            (Some((hi, _)), 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(u) - 0xDC00))
            }
            (Some((_, start)), _) => return Err(broken(line, start)),
            (None, 0xDC00..=0xDFFF) => None,
            (None, _) => char::from_u32(u32::from(u)),
        };
        let c = c.ok_or_else(|| broken(line, here))?;
        line += u64::from(c == '\n');
        out.push(c);
    }
    if let Some((_, start)) = pending {
        return Err(broken(line, start));
    }
    Ok(out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, le: bool) -> Vec<u8> {
        let mut out = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for u in text.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn boms_are_dropped_and_utf16_is_decoded_whole() {
        let text = "Name,Phone\nமதுரை 🙏,+919876543210\n";
        assert_eq!(to_utf8(format!("\u{FEFF}{text}").as_bytes()).unwrap().as_ref(), text.as_bytes());
        assert_eq!(to_utf8(&utf16(text, true)).unwrap().as_ref(), text.as_bytes());
        assert_eq!(to_utf8(&utf16(text, false)).unwrap().as_ref(), text.as_bytes());
        // Latin-1 is left to the reader (its lines are rejected, naming the fix).
        assert_eq!(to_utf8(b"Jos\xe9,1").unwrap().as_ref(), b"Jos\xe9,1");
    }

    #[test]
    fn broken_utf16_and_binary_files_are_refused_naming_where() {
        let mut cut = utf16("a,b\nc,d", true);
        cut.pop();
        assert_eq!(to_utf8(&cut), Err(EncodingError::BrokenUtf16 { line: 2, offset: 14 }));
        let lone = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0];
        assert_eq!(to_utf8(&lone), Err(EncodingError::BrokenUtf16 { line: 1, offset: 4 }));
        assert_eq!(to_utf8(b"PK\x03\x04\x14\x00\x06\x00"), Err(EncodingError::NotText { zip: true }));
        assert!(EncodingError::NotText { zip: true }.to_string().contains(".xlsx"));
    }
}
