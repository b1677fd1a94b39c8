//! Phone numbers, normalised to E.164 with the `phonenumber` crate (Google's
//! libphonenumber metadata). A number without a country code is read in the
//! configured default country.

use std::str::FromStr;

use phonenumber::{country, Mode, PhoneNumber};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("\"{input}\" is not a phone number: {reason}")]
    Unparsable { input: String, reason: String },
    #[error("\"{input}\" is not a valid number for its country ({region})")]
    Invalid { input: String, region: String },
    #[error("\"{0}\" is not a known two-letter country code")]
    UnknownCountry(String),
}

/// Reads numbers as a person types them, for one default country.
#[derive(Debug, Clone, Copy)]
pub struct PhoneNormalizer {
    default_country: country::Id,
}

impl Default for PhoneNormalizer {
    /// India: Flock's first users are there. Change it in Settings.
    fn default() -> Self {
        Self { default_country: country::Id::IN }
    }
}

impl PhoneNormalizer {
    pub fn new(default_country: &str) -> Result<Self, PhoneError> {
        let id = country::Id::from_str(&default_country.trim().to_ascii_uppercase())
            .map_err(|_| PhoneError::UnknownCountry(default_country.to_string()))?;
        Ok(Self { default_country: id })
    }

    /// `" 098765-43210 "` → `"+919876543210"` (default country IN).
    pub fn to_e164(&self, input: &str) -> Result<String, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        // "00" is the international prefix in most countries; libphonenumber
        // only understands it relative to a region, so spell it as "+".
        let candidate = match trimmed.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => trimmed.to_string(),
        };
        let number = self.parse(&candidate).map_err(|e| {
            PhoneError::Unparsable { input: trimmed.to_string(), reason: e.to_string() }
        })?;
        if !phonenumber::is_valid(&number) {
            let region = number
                .country()
                .id()
                .map(|id| id.as_ref().to_string())
                .unwrap_or_else(|| format!("+{}", number.code().value()));
            return Err(PhoneError::Invalid { input: trimmed.to_string(), region });
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        // libphonenumber's metadata lets some countries' numbers run past
        // E.164's 15 digits (+49 with 14 more); WhatsApp ids stop at 15. And
        // it takes a German "1640" as "+491640": the shortest numbers in use
        // (Saint Helena, Niue) have 7 digits with the country code.
        if !(8..=16).contains(&e164.len()) {
            let region = number.country().id().map(|id| id.as_ref().to_string()).unwrap_or_else(|| format!("+{}", number.code().value()));
            return Err(PhoneError::Invalid { input: trimmed.to_string(), region });
        }
        Ok(e164)
    }

    /// The `phonenumber` crate (0.3.10) reads a number that carries its own
    /// country code with the *default* country's rules: with a default whose
    /// national prefix is 0 (IN, DE, GB) it dropped the 0 that Italian numbers
    /// keep, so "+39 06 1234 5678" became "+39 612345678", invalid (and some
    /// such numbers could turn into another valid one). A number written
    /// with its own code is read again without a default country, from the
    /// code on; found by the property tests (an E.164 number must not depend
    /// on the default country).
    fn parse(&self, candidate: &str) -> Result<PhoneNumber, phonenumber::ParseError> {
        let number = phonenumber::parse(Some(self.default_country), candidate)?;
        match number.code().source() {
            country::Source::Plus => phonenumber::parse(None, candidate),
            country::Source::Idd => match self.after_international_prefix(candidate, number.code().value()) {
                Some(rest) => phonenumber::parse(None, format!("+{rest}")),
                None => Ok(number),
            },
            // Only the default country's code, or none: its rules are the right ones.
            _ => Ok(number),
        }
    }

    /// The digits after the default country's international prefix ("011"
    /// in the US, "010" in Japan; "00" never gets here, it is read as "+")
    /// when the number starts with it and `code` follows. The longest
    /// prefix that fits (a pattern may match a shorter one inside it).
    fn after_international_prefix(&self, candidate: &str, code: u16) -> Option<String> {
        let meta = phonenumber::metadata::DATABASE.by_id(self.default_country.as_ref())?;
        let idd = meta.international_prefix()?;
        let digits: String = candidate.chars().filter(char::is_ascii_digit).collect();
        let code = code.to_string();
        (1..=digits.len().min(6))
            .rev()
            .find(|&k| {
                let whole = idd.find(&digits[..k]).is_some_and(|m| m.start() == 0 && m.end() == k);
                whole && digits[k..].starts_with(&code)
            })
            .map(|k| digits[k..].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_formatted_numbers_become_e164() {
        let n = PhoneNormalizer::default();
        assert_eq!(n.to_e164("98765 43210").unwrap(), "+919876543210");
        assert_eq!(n.to_e164(" 098765-43210 ").unwrap(), "+919876543210");
        assert_eq!(n.to_e164("+91 (987) 654-3210").unwrap(), "+919876543210");
        assert_eq!(n.to_e164("0091 98765 43210").unwrap(), "+919876543210");
        assert_eq!(n.to_e164("+1 415 555 2671").unwrap(), "+14155552671");
    }

    #[test]
    fn another_default_country_reads_local_numbers_there() {
        let n = PhoneNormalizer::new("gb").unwrap();
        assert_eq!(n.to_e164("07400 123456").unwrap(), "+447400123456");
    }

    #[test]
    fn bad_numbers_are_rejected_with_the_reason() {
        let n = PhoneNormalizer::default();
        assert_eq!(n.to_e164("  "), Err(PhoneError::Empty));
        assert!(matches!(n.to_e164("hello"), Err(PhoneError::Unparsable { .. })));
        assert!(matches!(n.to_e164("12345"), Err(PhoneError::Invalid { .. })));
        assert!(matches!(PhoneNormalizer::new("XX"), Err(PhoneError::UnknownCountry(_))));
        // Found by the property tests: 16 digits, more than E.164 allows.
        let de = PhoneNormalizer::new("DE").unwrap();
        assert!(matches!(de.to_e164("40000000000000"), Err(PhoneError::Invalid { .. })));
        // And fewer than 7 digits with the country code.
        assert!(matches!(de.to_e164("1640"), Err(PhoneError::Invalid { .. })));
    }

    #[test]
    fn a_number_with_its_country_code_reads_alike_whatever_the_default() {
        // Italian numbers keep their leading 0 after +39 (found by the
        // property tests: the default country's prefix rule dropped it).
        for country in ["IN", "DE", "GB", "US", "IT", "BR"] {
            let n = PhoneNormalizer::new(country).unwrap();
            for written in ["+39 06 1234 5678", "0039 06 1234 5678", "+390612345678"] {
                assert_eq!(n.to_e164(written).unwrap(), "+390612345678", "{written} in {country}");
            }
            assert_eq!(n.to_e164("+91 98765 43210").unwrap(), "+919876543210", "{country}");
        }
        // After an international prefix other than 00 (the US 011, Japan's 010).
        assert_eq!(PhoneNormalizer::new("US").unwrap().to_e164("011 39 06 1234 5678").unwrap(), "+390612345678");
        assert_eq!(PhoneNormalizer::new("JP").unwrap().to_e164("010 39 06 1234 5678").unwrap(), "+390612345678");
        assert_eq!(PhoneNormalizer::new("JP").unwrap().to_e164("010 91 98765 43210").unwrap(), "+919876543210");
    }
}
