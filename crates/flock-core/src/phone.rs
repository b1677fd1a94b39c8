//! Phone numbers, normalised to E.164 with the `phonenumber` crate (Google's
//! libphonenumber metadata). A number without a country code is read in the
//! configured default country.

use std::str::FromStr;

use phonenumber::{country, Mode};

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
        let number = phonenumber::parse(Some(self.default_country), &candidate).map_err(|e| {
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
        // E.164's 15 digits (+49 with 14 more); WhatsApp ids stop at 15.
        if e164.len() > 16 {
            let region = number.country().id().map(|id| id.as_ref().to_string()).unwrap_or_else(|| format!("+{}", number.code().value()));
            return Err(PhoneError::Invalid { input: trimmed.to_string(), region });
        }
        Ok(e164)
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
    }
}
