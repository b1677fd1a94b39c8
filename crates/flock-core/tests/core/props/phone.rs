//! Phone numbers as people type them (and as spreadsheets mangle them).

use flock_core::phone::{PhoneError, PhoneNormalizer};
use proptest::prelude::*;

const COUNTRIES: &[&str] = &["IN", "GB", "US", "DE", "BR", "AE", "SG", "LK", "NP", "ID", "NG", "FR"];

/// Text that looks like a number: digits, `+`, `00`, spaces, dashes,
/// brackets, dots, the odd letter or exponent (a sheet's `9.87654E+09`).
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+]?[0-9 ()./-]{0,24}",
        "(00|\\+|0)?[1-9][0-9]{5,16}",
        "[0-9]\\.[0-9]{1,10}E\\+[0-9]{1,2}",
        "[0-9a-zA-Z +#*;,x-]{0,30}",
        "\\PC{0,40}",
    ]
}

fn e164_shape(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else { return false };
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

proptest! {
    #![proptest_config(super::cases(4000))]

    /// Any text gives a number in E.164 form or a typed error that names the
    /// text as written (trimmed), never a panic; a number read once reads
    /// back as itself, whatever the default country.
    #[test]
    fn any_text_is_a_canonical_number_or_an_error_naming_it(
        input in numberish(),
        country in prop::sample::select(COUNTRIES),
        other in prop::sample::select(COUNTRIES),
    ) {
        let n = PhoneNormalizer::new(country).unwrap();
        match n.to_e164(&input) {
            Ok(e164) => {
                prop_assert!(e164_shape(&e164), "{:?} gave {:?}", input, e164);
                prop_assert_eq!(n.to_e164(&e164), Ok(e164.clone()), "not idempotent");
                let elsewhere = PhoneNormalizer::new(other).unwrap();
                prop_assert_eq!(elsewhere.to_e164(&e164), Ok(e164.clone()), "an E.164 number depends on the default country");
            }
            Err(PhoneError::Empty) => prop_assert!(input.trim().is_empty(), "{:?} called empty", input),
            Err(e @ (PhoneError::Unparsable { .. } | PhoneError::Invalid { .. })) => {
                let named = match &e {
                    PhoneError::Unparsable { input: i, .. } | PhoneError::Invalid { input: i, .. } => i.clone(),
                    _ => unreachable!(),
                };
                prop_assert_eq!(named.as_str(), input.trim());
                prop_assert!(e.to_string().contains(input.trim()), "{} does not name {:?}", e, input);
            }
            Err(e) => prop_assert!(false, "unexpected error for {:?}: {:?}", input, e),
        }
    }

    /// Only a known two-letter code is a default country; anything else is
    /// `UnknownCountry` naming what was given.
    #[test]
    fn a_default_country_is_two_known_letters(code in "\\PC{0,4}") {
        match PhoneNormalizer::new(&code) {
            Ok(_) => prop_assert_eq!(code.trim().chars().count(), 2, "{:?} accepted", code),
            Err(PhoneError::UnknownCountry(named)) => prop_assert_eq!(named, code),
            Err(e) => prop_assert!(false, "{:?}: {:?}", code, e),
        }
    }
}

#[test]
fn spreadsheet_exponent_numbers_are_rejected_not_misread() {
    // Excel shows 9876543210 as 9.87654E+09 when the column is a number:
    // what is left of it is not a phone number, and the error says which text.
    let err = PhoneNormalizer::default().to_e164("9.87654E+09").unwrap_err();
    assert!(err.to_string().contains("9.87654E+09"), "{err}");
}
