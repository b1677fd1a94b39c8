//! How many targets would get the very same text. Identical bulk text is a
//! known ban trigger (whatsapp-web.md, "Limits and bans"): the composer warns
//! when one text would reach many targets; spintax and variables cure it.
//!
//! A pure fold over rendered texts: the engine streams every target's
//! rendered text through [`IdenticalTexts::add`] (memory: one hash and count
//! per distinct text, and the text of the current largest group only).

use std::collections::HashMap;

use serde::Serialize;

use super::seed::text_hash;

/// Warn when more than this many targets would get one text. No platform
/// publishes a figure; 25 is about one batch between pauses
/// ([`crate::dispatch::Limits`]), so one account never sends a whole batch
/// of the same words.
pub const DEFAULT_WARN_ABOVE: u64 = 25;

/// Characters of the most common text kept for the warning.
const SAMPLE_CHARS: usize = 160;

#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdenticalTextReport {
    pub targets: u64,
    pub distinct_texts: u64,
    /// Targets sharing the most common text.
    pub largest_group: u64,
    /// The start of that text.
    pub most_common: Option<String>,
    /// Share of targets in the largest group (0..=1).
    pub largest_share: f64,
    pub warn: bool,
    /// The sentence the composer shows when `warn`.
    pub message: Option<String>,
}

/// The streaming counter.
#[derive(Debug, Clone)]
pub struct IdenticalTexts {
    warn_above: u64,
    counts: HashMap<u64, u64>,
    targets: u64,
    largest: u64,
    sample: Option<String>,
    sample_hash: u64,
}

impl Default for IdenticalTexts {
    fn default() -> Self {
        Self::new(DEFAULT_WARN_ABOVE)
    }
}

impl IdenticalTexts {
    pub fn new(warn_above: u64) -> Self {
        Self {
            warn_above,
            counts: HashMap::new(),
            targets: 0,
            largest: 0,
            sample: None,
            sample_hash: 0,
        }
    }

    pub fn add(&mut self, text: &str) {
        self.targets += 1;
        let hash = text_hash(text);
        let count = self.counts.entry(hash).or_insert(0);
        *count += 1;
        if *count > self.largest {
            self.largest = *count;
            if self.sample.is_none() || self.sample_hash != hash {
                self.sample = Some(sample(text));
                self.sample_hash = hash;
            }
        }
    }

    pub fn report(&self) -> IdenticalTextReport {
        let warn = self.largest > self.warn_above;
        let share = if self.targets == 0 {
            0.0
        } else {
            self.largest as f64 / self.targets as f64
        };
        let message = warn.then(|| {
            format!(
                "{} of {} targets would get the very same text. Identical bulk text gets accounts banned: \
                 add spintax such as {{Hi|Hello}} or a variable such as {{{{ first_name }}}}.",
                self.largest, self.targets
            )
        });
        IdenticalTextReport {
            targets: self.targets,
            distinct_texts: self.counts.len() as u64,
            largest_group: self.largest,
            most_common: self.sample.clone(),
            largest_share: share,
            warn,
            message,
        }
    }
}

/// The report over any sequence of rendered texts.
pub fn identical_text_report<I, S>(texts: I, warn_above: u64) -> IdenticalTextReport
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut c = IdenticalTexts::new(warn_above);
    for t in texts {
        c.add(t.as_ref());
    }
    c.report()
}

fn sample(text: &str) -> String {
    let mut s: String = text.chars().take(SAMPLE_CHARS).collect();
    if text.chars().count() > SAMPLE_CHARS {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaigns::seed::target_seed;
    use crate::campaigns::template::Template;
    use crate::campaigns::vars::{known_variables, TargetVars};

    #[test]
    fn counts_the_largest_group() {
        let texts = ["a", "b", "a", "c", "a", "b"];
        let r = identical_text_report(texts, 2);
        assert_eq!((r.targets, r.distinct_texts, r.largest_group), (6, 3, 3));
        assert_eq!(r.most_common.as_deref(), Some("a"));
        assert!(r.warn);
        assert!((r.largest_share - 0.5).abs() < 1e-9);
        assert!(r.message.unwrap().starts_with("3 of 6 targets"));
        let r = identical_text_report(texts, 3);
        assert!(!r.warn && r.message.is_none());
        let r = identical_text_report(Vec::<String>::new(), 3);
        assert_eq!((r.targets, r.largest_group, r.warn), (0, 0, false));
    }

    #[test]
    fn sample_is_the_most_common_text_even_when_it_overtakes() {
        let mut c = IdenticalTexts::new(1);
        for t in ["x", "x", "y", "y", "y"] {
            c.add(t);
        }
        assert_eq!(c.report().most_common.as_deref(), Some("y"));
        let long = "é".repeat(400);
        let r = identical_text_report([long.as_str()], 0);
        assert_eq!(r.most_common.unwrap().chars().count(), SAMPLE_CHARS + 1);
    }

    /// The composer's case: plain text warns, spintax and names cure it.
    #[test]
    fn spintax_and_variables_spread_the_texts() {
        let known = known_variables([]);
        let names = [
            "Asha", "Ravi", "Meena", "Arjun", "Priya", "Karthik", "Divya", "Suresh",
        ];
        let render_all = |text: &str| {
            let t = Template::compile(text, &known).unwrap();
            let mut c = IdenticalTexts::default();
            for i in 0..400 {
                let mut v = TargetVars::new();
                v.set_name(names[i % names.len()]);
                c.add(
                    &t.render(&v, target_seed(1, &format!("contact:{i}")))
                        .unwrap(),
                );
            }
            c.report()
        };
        let plain = render_all("Big sale this Sunday!");
        assert_eq!(
            (plain.largest_group, plain.distinct_texts, plain.warn),
            (400, 1, true)
        );
        let spun = render_all("{Hi|Hello|Vanakkam|Namaste} {{ first_name }}, {big|huge|grand} sale this {Sunday|weekend}!");
        assert!(spun.largest_group <= 25, "{spun:?}");
        assert!(!spun.warn);
    }
}
