//! Opt-out (and opt-in) keywords in replies.
//!
//! The rule, precisely:
//! 1. The reply is normalised: Unicode NFKC, lower case, apostrophes and
//!    invisible format characters (zero-width joiners) removed, every other
//!    character that is not a letter, digit or combining mark (Devanagari and
//!    Tamil vowel signs are marks) is a space; then split into words. So
//!    `" Stop! "`, `"STOP🙏"`, `"stop."` and `"S.T.O.P"`→`s t o p` (no) read alike.
//! 2. Courtesy words are dropped from the start (`please`, `ok`, `hi`, `no`,
//!    `कृपया`, `தயவுசெய்து`, …) and, for end matches, from the end
//!    (`please`, `sir`, `ji`, `thank you`, `धन्यवाद`, `நன்றி`, …).
//! 3. A keyword matches as whole words (`stopping` is not `stop`):
//!    - `whole`: the reply is only the keyword (`cancel`, `end`, `quit`,
//!      which are ordinary words inside sentences);
//!    - `start`: the reply starts with it (`STOP please`, `stop sending me
//!      these`, `please unsubscribe me`), so a keyword later in a sentence
//!      does not count (`don't stop sending`, `where is the bus stop`);
//!    - `start_or_end`: also at the end, for Hindi and Tamil where the verb
//!      comes last (`मुझे मैसेज बंद करो`, `மெசேஜ் நிறுத்துங்கள்`), unless the word
//!      before it negates it (`मत`, `नहीं`, `not`, …).
//!    - and a start match is void when Hindi negates after the verb (`रोको मत`).
//! 4. Opt-out wins over opt-in; opt-in keywords are `whole` (`START`).
//!
//! The default Hindi and Tamil keywords are imperative forms of "stop" and
//! "don't send", in the scripts and in the Latin spellings people type:
//! रोकें / रोको / रोक दो (stop), बंद करो / बंद करें / बंद कीजिए (switch it off),
//! अनसब्सक्राइब, मैसेज मत भेजो (don't send messages), `band karo`;
//! நிறுத்து / நிறுத்தவும் / நிறுத்துங்கள் / நிறுத்துங்க (stop, plain to polite),
//! அனுப்ப வேண்டாம் / அனுப்பாதீர்கள் (don't send), `niruthu`.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum KeywordMatch {
    Whole,
    Start,
    StartOrEnd,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Keyword {
    pub phrase: String,
    #[serde(rename = "match")]
    pub matches: KeywordMatch,
}

impl Keyword {
    pub fn new(phrase: &str, matches: KeywordMatch) -> Self {
        Self {
            phrase: phrase.to_owned(),
            matches,
        }
    }
}

/// The setting: which replies opt a contact out (or back in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeywordSettings {
    pub opt_out: Vec<Keyword>,
    pub opt_in: Vec<Keyword>,
}

impl Default for KeywordSettings {
    fn default() -> Self {
        use KeywordMatch::*;
        let k = |list: &[&str], m| list.iter().map(|p| Keyword::new(p, m)).collect::<Vec<_>>();
        let mut opt_out = k(
            &[
                "stop",
                "stopall",
                "unsubscribe",
                "unsub",
                "opt out",
                "optout",
                "remove me",
            ],
            Start,
        );
        opt_out.extend(k(&["cancel", "end", "quit"], Whole));
        opt_out.extend(k(
            &[
                "रोकें",
                "रोको",
                "रोक दो",
                "बंद करो",
                "बंद करें",
                "बंद कीजिए",
                "अनसब्सक्राइब",
                "मैसेज मत भेजो",
                "band karo",
                "bandh karo",
                "band karein",
                "band karen",
                "நிறுத்து",
                "நிறுத்தவும்",
                "நிறுத்துங்கள்",
                "நிறுத்துங்க",
                "அனுப்ப வேண்டாம்",
                "அனுப்பாதீர்கள்",
                "niruthu",
                "niruthunga",
            ],
            StartOrEnd,
        ));
        let opt_in = k(
            &[
                "start",
                "unstop",
                "subscribe",
                "शुरू",
                "शुरू करो",
                "शुरू करें",
                "தொடங்கு",
                "தொடங்கவும்",
            ],
            Whole,
        );
        Self { opt_out, opt_in }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyIntent {
    /// `keyword` is the phrase as configured.
    OptOut {
        keyword: String,
    },
    OptIn {
        keyword: String,
    },
    Other,
}

const LEADING_COURTESY: &[&str] = &[
    "please",
    "pls",
    "plz",
    "kindly",
    "ok",
    "okay",
    "hi",
    "hello",
    "no",
    "sir",
    "madam",
    "ji",
    "कृपया",
    "प्लीज",
    "प्लीज़",
    "जी",
    "हाँ",
    "kripya",
    "தயவுசெய்து",
    "தயவு செய்து",
    "ப்ளீஸ்",
    "சார்",
];
const TRAILING_COURTESY: &[&str] = &[
    "please",
    "pls",
    "plz",
    "sir",
    "madam",
    "maam",
    "ji",
    "thanks",
    "thank you",
    "now",
    "कृपया",
    "प्लीज",
    "प्लीज़",
    "जी",
    "धन्यवाद",
    "अभी",
    "ப்ளீஸ்",
    "சார்",
    "நன்றி",
    "இப்போது",
];
const NEGATIONS: &[&str] = &[
    "not",
    "dont",
    "do not",
    "never",
    "no",
    "mat",
    "nahi",
    "nahin",
    "na",
    "मत",
    "नहीं",
    "ना",
    "न",
];
/// Hindi also negates after the verb ("रोको मत": don't stop).
const NEGATIONS_AFTER: &[&str] = &["मत", "नहीं", "mat", "nahi", "nahin"];

/// Keywords prepared for matching many replies.
#[derive(Debug, Clone)]
pub struct KeywordMatcher {
    opt_out: Vec<(Vec<String>, KeywordMatch, String)>,
    opt_in: Vec<(Vec<String>, KeywordMatch, String)>,
    leading: Vec<Vec<String>>,
    trailing: Vec<Vec<String>>,
    negations: Vec<Vec<String>>,
    negations_after: Vec<Vec<String>>,
}

impl KeywordMatcher {
    pub fn new(settings: &KeywordSettings) -> Self {
        let prep = |list: &[Keyword]| {
            list.iter()
                .map(|k| (words(&k.phrase), k.matches, k.phrase.clone()))
                .filter(|(w, _, _)| !w.is_empty())
                .collect::<Vec<_>>()
        };
        let phrases = |list: &[&str]| {
            list.iter()
                .map(|p| words(p))
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        };
        Self {
            opt_out: prep(&settings.opt_out),
            opt_in: prep(&settings.opt_in),
            leading: phrases(LEADING_COURTESY),
            trailing: phrases(TRAILING_COURTESY),
            negations: phrases(NEGATIONS),
            negations_after: phrases(NEGATIONS_AFTER),
        }
    }

    pub fn classify(&self, reply: &str) -> ReplyIntent {
        let all = words(reply);
        let start = strip_leading(&all, &self.leading);
        let end = strip_trailing(&all, &self.trailing);
        let core = strip_trailing(start, &self.trailing);
        let matches = |k: &[String], m: KeywordMatch| match m {
            KeywordMatch::Whole => core == k,
            KeywordMatch::Start => self.starts_with_unnegated(start, k),
            KeywordMatch::StartOrEnd => {
                self.starts_with_unnegated(start, k) || self.ends_with_unnegated(end, k)
            }
        };
        if let Some((_, _, phrase)) = self.opt_out.iter().find(|(k, m, _)| matches(k, *m)) {
            return ReplyIntent::OptOut {
                keyword: phrase.clone(),
            };
        }
        if let Some((_, _, phrase)) = self.opt_in.iter().find(|(k, m, _)| matches(k, *m)) {
            return ReplyIntent::OptIn {
                keyword: phrase.clone(),
            };
        }
        ReplyIntent::Other
    }

    fn starts_with_unnegated(&self, w: &[String], k: &[String]) -> bool {
        w.starts_with(k)
            && !self
                .negations_after
                .iter()
                .any(|n| w[k.len()..].starts_with(n))
    }

    fn ends_with_unnegated(&self, w: &[String], k: &[String]) -> bool {
        if !w.ends_with(k) {
            return false;
        }
        let before = &w[..w.len() - k.len()];
        !self.negations.iter().any(|n| before.ends_with(n))
    }
}

/// Classifies one reply (prefer a [`KeywordMatcher`] for many).
pub fn classify(reply: &str, settings: &KeywordSettings) -> ReplyIntent {
    KeywordMatcher::new(settings).classify(reply)
}

fn strip_leading<'a>(mut w: &'a [String], courtesy: &[Vec<String>]) -> &'a [String] {
    while let Some(c) = courtesy
        .iter()
        .find(|c| w.starts_with(c) && w.len() > c.len())
    {
        w = &w[c.len()..];
    }
    w
}

fn strip_trailing<'a>(mut w: &'a [String], courtesy: &[Vec<String>]) -> &'a [String] {
    while let Some(c) = courtesy
        .iter()
        .find(|c| w.ends_with(c) && w.len() > c.len())
    {
        w = &w[..w.len() - c.len()];
    }
    w
}

/// The normalised words of a text (rule 1 of the module docs).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if matches!(
            c,
            '\'' | '’' | '‘' | 'ʼ' | '`' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
        ) {
            continue;
        }
        if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
#[path = "keywords_tests.rs"]
mod tests;
