//! The values a template can use for one target.
//!
//! Standard variables: `name`, `first_name`, `district`, `region`, `state`,
//! `segment`. Every imported CSV column is a variable too, under its header
//! turned into a name by [`variable_name`] ("Ward No." → `ward_no`).
//!
//! A blank value counts as missing, so a fallback applies
//! (`{{ first_name | default("friend") }}`).
//!
//! `first_name` is derived from `name` unless given ([`first_name`]): the
//! first word that is not a title (Mr, Dr, Shri, Smt, Thiru, श्री, திரு…) or
//! an initial (`K.`, `M.K.`, `R`: Tamil names often lead with initials),
//! with surrounding punctuation and emoji removed; a name with no letters
//! (a phone number as a profile name) has no first name.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

/// The variables every contact target has (values may be missing).
pub const STANDARD_VARIABLES: &[&str] = &[
    "name",
    "first_name",
    "district",
    "region",
    "state",
    "segment",
];

/// The variables a template may use: the standard ones plus these CSV columns.
pub fn known_variables<'a>(csv_columns: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = STANDARD_VARIABLES.iter().map(|s| s.to_string()).collect();
    for c in csv_columns {
        if let Some(v) = variable_name(c) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// One target's values. Keys are variable names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetVars {
    values: BTreeMap<String, String>,
}

impl TargetVars {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable; a blank value removes it (it is missing).
    pub fn set(&mut self, key: &str, value: &str) -> &mut Self {
        let v = value.trim();
        if v.is_empty() {
            self.values.remove(key);
        } else {
            self.values.insert(key.to_owned(), v.to_owned());
        }
        self
    }

    /// Sets `name`, and `first_name` derived from it unless already set.
    pub fn set_name(&mut self, name: &str) -> &mut Self {
        self.set("name", name);
        if !self.values.contains_key("first_name") {
            if let Some(f) = first_name(name) {
                self.values.insert("first_name".into(), f);
            }
        }
        self
    }

    /// Sets an imported CSV column under its variable name (headers that
    /// give no name are ignored).
    pub fn set_column(&mut self, header: &str, value: &str) -> &mut Self {
        if let Some(k) = variable_name(header) {
            self.set(&k, value);
        }
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// A CSV header as a template variable name: NFKC, lower case, every run of
/// characters that cannot be in a name becomes `_`, trimmed of `_`; a name
/// starting with a digit gets a `col_` prefix. `None` when nothing is left.
pub fn variable_name(header: &str) -> Option<String> {
    let mut out = String::new();
    let mut gap = false;
    for c in header.nfkc().flat_map(char::to_lowercase) {
        if unicode_ident::is_xid_continue(c) && c != '_' {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    let first = out.chars().next()?;
    if !unicode_ident::is_xid_start(first) {
        out.insert_str(0, "col_");
    }
    Some(out)
}

const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "er",
    "adv",
    "capt",
    "col",
    "hon",
    "sir",
    "madam",
    "shri",
    "sri",
    "shree",
    "smt",
    "kumari",
    "km",
    "thiru",
    "thirumathi",
    "selvi",
    "tmt",
    "selvan",
    "श्री",
    "श्रीमती",
    "सुश्री",
    "डॉ",
    "कुमारी",
    "திரு",
    "திருமதி",
    "செல்வி",
    "டாக்டர்",
];

/// The first name in a full name (see the module docs for the rule).
pub fn first_name(name: &str) -> Option<String> {
    let words = name
        .split_whitespace()
        .map(strip_edges)
        .filter(|w| w.chars().any(char::is_alphabetic));
    for word in words {
        let bare: String = word.trim_end_matches('.').to_lowercase();
        if TITLES.contains(&bare.as_str()) || is_initials(word) {
            continue;
        }
        return Some(word.trim_end_matches('.').to_owned());
    }
    None
}

/// A word without leading/trailing punctuation, symbols or emoji (dots
/// stay at the end, for initials: "K.", "M.K."; combining marks stay:
/// Devanagari and Tamil vowel signs).
fn strip_edges(word: &str) -> &str {
    let keep = |c: char| {
        c.is_alphanumeric() || c == '.' || unicode_normalization::char::is_combining_mark(c)
    };
    word.trim_matches(|c: char| !keep(c))
        .trim_start_matches('.')
}

/// "K", "K.", "M.K.", "M.K": every part one letter.
fn is_initials(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').filter(|p| !p.is_empty()).collect();
    !parts.is_empty()
        && parts.iter().all(|p| {
            let mut letters = p.chars().filter(|c| c.is_alphabetic());
            letters.next().is_some() && letters.next().is_none() && p.chars().count() <= 2
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_name_skips_titles_and_initials() {
        let cases = [
            ("Ramesh Kumar", Some("Ramesh")),
            ("  ramesh  ", Some("ramesh")),
            ("Dr. Priya Nair", Some("Priya")),
            ("Shri. Anil Sharma", Some("Anil")),
            ("K. Stalin", Some("Stalin")),
            ("M.K. Stalin", Some("Stalin")),
            ("R Ramesh", Some("Ramesh")),
            ("🙏 Lakshmi 🌸", Some("Lakshmi")),
            ("Lakshmi🌸", Some("Lakshmi")),
            ("राम प्रसाद", Some("राम")),
            ("श्री राम प्रसाद", Some("राम")),
            ("ராஜேஷ் குமார்", Some("ராஜேஷ்")),
            ("திரு. ராஜேஷ்", Some("ராஜேஷ்")),
            ("+91 98765 43210", None),
            ("", None),
            ("Dr.", None),
            ("Ramesh, Kumar", Some("Ramesh")),
        ];
        for (name, want) in cases {
            assert_eq!(first_name(name).as_deref(), want, "{name:?}");
        }
    }

    #[test]
    fn set_name_derives_first_name_unless_given() {
        let mut v = TargetVars::new();
        v.set_name("Dr. Priya Nair");
        assert_eq!(v.get("first_name"), Some("Priya"));
        let mut v = TargetVars::new();
        v.set("first_name", "Pri").set_name("Dr. Priya Nair");
        assert_eq!(v.get("first_name"), Some("Pri"));
        v.set("district", "   ");
        assert_eq!(v.get("district"), None);
    }

    #[test]
    fn csv_headers_become_names() {
        assert_eq!(variable_name("Ward No.").as_deref(), Some("ward_no"));
        assert_eq!(variable_name("  Booth  ").as_deref(), Some("booth"));
        assert_eq!(
            variable_name("2024 votes").as_deref(),
            Some("col_2024_votes")
        );
        assert_eq!(variable_name("मतदान केंद्र").as_deref(), Some("मतदान_केंद्र"));
        assert_eq!(variable_name("first_name").as_deref(), Some("first_name"));
        assert_eq!(variable_name("--"), None);
        let known = known_variables(["Ward No.", "District", "--"]);
        assert!(known.contains(&"ward_no".to_string()));
        assert_eq!(known.iter().filter(|k| *k == "district").count(), 1);
    }
}
