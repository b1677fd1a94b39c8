//! What a log line may not hold above debug level: message bodies, QR and
//! pairing codes (by field name), and full phone numbers and WhatsApp ids (by
//! shape, wherever they appear: a field, the message, an error's text).
//!
//! - `+919800000101` → `+91••••••01` (E.164: `+` and 8 to 15 digits);
//! - `919800000101@c.us`, `…@s.whatsapp.net`, `…@lid` → `91••••••01@c.us`;
//! - the creator's number in an old group id `919800000101-1600000000@g.us`;
//! - a QR payload (`2@<ref>,<key>,<key>,<key>`) → `[QR hidden]`;
//! - a field named `body`, `text`, `caption`, `qr`, `payload`,
//!   `pairing_code`, `code`, `svg` (or ending in `_body`, `_text`, …) →
//!   `[hidden]`.
//!
//! Masking is idempotent (a masked text has no digit run left to mask), so
//! lines read back from older files can be masked again.

use std::borrow::Cow;

/// Field names whose values are never shown above debug level.
const HIDDEN_FIELDS: [&str; 8] = ["body", "text", "caption", "qr", "payload", "pairing_code", "code", "svg"];

/// The value a hidden field shows.
pub const HIDDEN: &str = "[hidden]";
/// What a QR payload becomes.
pub const QR_HIDDEN: &str = "[QR hidden]";

/// Digits in a row that make a phone number (E.164 allows at most 15;
/// privacy ids (`@lid`) run a little longer).
const MIN_DIGITS: usize = 8;

/// Whether a field of this name holds content (a message body, a QR code).
pub fn is_hidden_field(name: &str) -> bool {
    let name = name.trim_start_matches("r#");
    HIDDEN_FIELDS.iter().any(|h| name == *h || name.strip_suffix(h).is_some_and(|rest| rest.ends_with('_')))
}

/// The text with every phone number, WhatsApp id and QR payload masked.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    if !needs_scan(text) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            if let Some(end) = qr_end(bytes, i) {
                out.push_str(QR_HIDDEN);
                i = end;
                continue;
            }
            let end = digits_end(bytes, i);
            let run = &text[i..end];
            if run.len() >= MIN_DIGITS && is_personal(bytes, i, end) {
                out.push_str(&masked_digits(run));
            } else {
                out.push_str(run);
            }
            i = end;
            continue;
        }
        // Copy one whole character (never split UTF-8).
        let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    Cow::Owned(out)
}

/// Cheap pre-check: only a text with a long digit run, or a digit and an
/// `@` (a QR payload), needs the scan.
fn needs_scan(text: &str) -> bool {
    let has_at = text.contains('@');
    let mut run = 0;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            if run >= MIN_DIGITS || has_at {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

fn digits_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    end
}

/// A number (after `+`), a WhatsApp id (before `@c.us`, `@s.whatsapp.net`,
/// `@lid`), or an old group id's creator (before `-<digits>@g.us`). A bare
/// digit run (a timestamp, a row count) is left alone.
fn is_personal(bytes: &[u8], start: usize, end: usize) -> bool {
    if start > 0 && bytes[start - 1] == b'+' {
        return true;
    }
    let rest = &bytes[end..];
    for suffix in [&b"@c.us"[..], b"@s.whatsapp.net", b"@lid"] {
        if rest.starts_with(suffix) {
            return true;
        }
    }
    if let Some(after_dash) = rest.strip_prefix(b"-") {
        let n = digits_end(after_dash, 0);
        return n > 0 && after_dash[n..].starts_with(b"@g.us");
    }
    false
}

/// `919800000101` → `91••••••01`: the country code's first digits and the
/// last two stay, enough to tell two accounts apart in a log.
fn masked_digits(run: &str) -> String {
    format!("{}••••••{}", &run[..2], &run[run.len() - 2..])
}

/// A QR payload starts with a digit, `@`, then base64 with commas
/// (`2@AbC…,key,key,key`): its end, when the text at `start` is one.
fn qr_end(bytes: &[u8], start: usize) -> Option<usize> {
    let at = digits_end(bytes, start);
    if at - start > 2 || bytes.get(at) != Some(&b'@') {
        return None;
    }
    let mut end = at + 1;
    let mut commas = 0;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || b"+/=,".contains(&bytes[end])) {
        commas += usize::from(bytes[end] == b',');
        end += 1;
    }
    (commas >= 2 && end - at > 20).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_whatsapp_ids_keep_only_their_ends() {
        assert_eq!(mask_text("to +919800000101 now"), "to +91••••••01 now");
        assert_eq!(mask_text("919800000101@c.us"), "91••••••01@c.us");
        assert_eq!(mask_text("chat 447700900123@s.whatsapp.net"), "chat 44••••••23@s.whatsapp.net");
        assert_eq!(mask_text("author 123456789012345@lid"), "author 12••••••45@lid");
        assert_eq!(mask_text("group 919800000101-1600000000@g.us"), "group 91••••••01-1600000000@g.us");
        assert_eq!(mask_text("id true_919800000101@c.us_3EB0C767D26A"), "id true_91••••••01@c.us_3EB0C767D26A");
        assert_eq!(mask_text("numbers differ: +919800000101 is not +919800000202"), "numbers differ: +91••••••01 is not +91••••••02");
    }

    #[test]
    fn other_numbers_stay() {
        for text in [
            "row 12345678901 of 3",
            "at 1733100000000 ms",
            "120363041234567890@g.us",
            "+1234 is short",
            "version 2.3000.1018",
            "accounts=3",
        ] {
            assert_eq!(mask_text(text), text);
        }
    }

    #[test]
    fn qr_payloads_are_hidden_whole() {
        let qr = "2@Xb3kT9mQp2LrVn8sWzYc4dFg,Hk5lMn6oPq7rSt8uVw9xYz0A=,Bc1dEf2gHi3jKl4mNo5pQr6s=,Tu7vWx8yZa9b";
        assert_eq!(mask_text(&format!("scan {qr} please")), "scan [QR hidden] please");
    }

    #[test]
    fn masking_twice_changes_nothing_more() {
        let once = mask_text("+919800000101 and 919800000101@c.us").into_owned();
        assert_eq!(mask_text(&once), once);
    }

    #[test]
    fn non_ascii_text_is_copied_whole() {
        assert_eq!(mask_text("नमस्ते +919800000101 வணக்கம்"), "नमस्ते +91••••••01 வணக்கம்");
    }

    #[test]
    fn content_fields_are_named() {
        for name in ["body", "text", "caption", "qr", "pairing_code", "payload", "message_text", "r#text"] {
            assert!(is_hidden_field(name), "{name}");
        }
        for name in ["account", "row", "textual", "context", "error", "reason"] {
            assert!(!is_hidden_field(name), "{name}");
        }
    }
}
