//! Reading a CSV consent cell: yes/no words, or the date consent was given.

use chrono::{NaiveDate, TimeZone, Utc};

use crate::entities::Timestamp;

const YES: [&str; 16] = [
    "yes", "y", "true", "1", "x", "✓", "✔", "opted in", "optin", "opt-in", "opt in", "consented", "consent", "agreed",
    "granted", "subscribed",
];
const NO: [&str; 12] =
    ["no", "n", "false", "0", "", "-", "opted out", "optout", "opt-out", "no consent", "refused", "unsubscribed"];

/// What the cell says: `Ok(Some(at))` consent given (at that date, or at
/// `now` for a yes word), `Ok(None)` no consent, `Err` a value that is
/// neither (the message names it and the forms accepted).
pub fn parse_consent(cell: &str, now: Timestamp) -> Result<Option<Timestamp>, String> {
    let v = cell.trim().to_lowercase();
    if YES.contains(&v.as_str()) {
        return Ok(Some(now));
    }
    if NO.contains(&v.as_str()) {
        return Ok(None);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(cell.trim()) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    // ISO first, then day-first as written in India and Europe.
    for format in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(cell.trim(), format) {
            if let Some(t) = d.and_hms_opt(0, 0, 0).and_then(|t| Utc.from_local_datetime(&t).single()) {
                return Ok(Some(t));
            }
        }
    }
    Err(format!(
        "the consent cell \"{}\" is neither yes/no nor a date; write yes, no, or the date consent was given (2026-11-30)",
        cell.trim()
    ))
}

/// A consent date typed by a person (RFC 3339 or a date); `None`: now.
pub fn parse_consent_date(text: Option<&str>) -> Result<Timestamp, String> {
    let now = crate::repo::now();
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(now) };
    match parse_consent(text, now) {
        Ok(Some(at)) if text.chars().any(|c| c.is_ascii_digit()) => Ok(at),
        _ => Err(format!("\"{text}\" is not a date: write it as 2026-11-30 or 2026-11-30T10:00:00+05:30")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_cells() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        assert_eq!(parse_consent("Yes", now), Ok(Some(now)));
        assert_eq!(parse_consent(" opted in ", now), Ok(Some(now)));
        assert_eq!(parse_consent("no", now), Ok(None));
        assert_eq!(parse_consent("", now), Ok(None), "an empty cell is no consent, not an error");
        assert_eq!(parse_consent("2026-11-30", now), Ok(Some(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap())));
        assert_eq!(parse_consent("30/11/2026", now), Ok(Some(Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap())));
        assert_eq!(
            parse_consent("2026-11-29T08:30:00+05:30", now),
            Ok(Some(Utc.with_ymd_and_hms(2026, 11, 29, 3, 0, 0).unwrap()))
        );
        let err = parse_consent("maybe", now).unwrap_err();
        assert!(err.contains("maybe") && err.contains("yes"), "{err}");
    }
}
