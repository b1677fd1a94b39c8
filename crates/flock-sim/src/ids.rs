//! Phone numbers, WhatsApp ids (wids) and random ids.

use rand::Rng;

use crate::error::{SimError, SimResult};

/// Digits of a phone number given as `+91 98000 00001`, `919800000001` or
/// `919800000001@c.us`. Needs 8 to 15 digits.
pub fn phone_digits(input: &str) -> SimResult<String> {
    let s = input.trim();
    let s = s.strip_suffix("@c.us").or_else(|| s.strip_suffix("@s.whatsapp.net")).unwrap_or(s);
    let s = s.split(':').next().unwrap_or(s);
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let junk = s.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')));
    if junk || !(8..=15).contains(&digits.len()) {
        return Err(SimError::InvalidInput(format!("not a phone number: {input:?}")));
    }
    Ok(digits)
}

/// A group participant as given to the control API: a phone (`+91...`) or a
/// privacy id (`lid:123...` or `123...@lid`). Returns the wid string.
pub fn participant_wid(input: &str) -> SimResult<String> {
    let s = input.trim();
    if let Some(rest) = s.strip_prefix("lid:").or_else(|| s.strip_suffix("@lid")) {
        if rest.is_empty() || !rest.chars().all(|c| c.is_ascii_digit()) {
            return Err(SimError::InvalidInput(format!("not a privacy id: {input:?}")));
        }
        return Ok(format!("{rest}@lid"));
    }
    Ok(format!("{}@c.us", phone_digits(s)?))
}

pub fn user_wid(digits: &str) -> String {
    format!("{digits}@c.us")
}

/// A group id like the real ones: `120363` followed by 12 digits.
pub fn new_group_id(rng: &mut impl Rng) -> String {
    format!("120363{:012}@g.us", rng.gen_range(0..1_000_000_000_000u64))
}

/// A privacy id (15 digits, as WhatsApp's lids look).
pub fn new_lid(rng: &mut impl Rng) -> String {
    format!("{}", rng.gen_range(100_000_000_000_000u64..999_999_999_999_999u64))
}

pub fn random_hex_upper(rng: &mut impl Rng, n: usize) -> String {
    (0..n).map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0').to_ascii_uppercase()).collect()
}

/// Base64 of `n` random bytes (QR keys, tokens).
pub fn random_b64(rng: &mut impl Rng, n: usize) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An 8-character pairing code from WhatsApp's alphabet (no 0, O, 1, I).
pub fn pairing_code(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_participants() {
        assert_eq!(phone_digits("+91 98000 00001").ok().as_deref(), Some("919800000001"));
        assert_eq!(phone_digits("919800000001@c.us").ok().as_deref(), Some("919800000001"));
        assert!(phone_digits("abc").is_err());
        assert!(phone_digits("12").is_err());
        assert_eq!(participant_wid("lid:1234").ok().as_deref(), Some("1234@lid"));
        assert_eq!(participant_wid("+919800000001").ok().as_deref(), Some("919800000001@c.us"));
        assert!(participant_wid("lid:x").is_err());
    }
}
