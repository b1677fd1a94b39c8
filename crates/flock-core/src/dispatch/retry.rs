//! What a send's outcome means for the message, and when to try again.
//!
//! - Transient (the message may go later): the session was not connected,
//!   the reconcile lookup found the message absent, WhatsApp's reachout
//!   timelock (463) on that account. Back to `pending` after an exponential
//!   backoff with jitter, up to [`RetryPolicy::max_attempts`].
//! - Permanent (it never will): not on WhatsApp, not a participant of the
//!   group, media rejected. `failed` with the reason.
//! - Uncertain (a timeout, a crash, a killed browser): neither; the row stays
//!   `sending` until the session looks its id up (reconcile). Never resent
//!   without that lookup.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::campaigns::seed::{between, mix};

/// How a send attempt ended, as the dispatcher hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendOutcome {
    /// WhatsApp accepted it.
    Accepted {
        at: DateTime<Utc>,
    },
    /// No answer we can trust (timeout, crash, browser gone): reconcile.
    Uncertain {
        detail: String,
    },
    NotConnected,
    /// Error 463: first messages to new contacts are locked until `until`.
    ReachoutTimelocked {
        until: Option<DateTime<Utc>>,
    },
    #[serde(rename = "not_on_whatsapp")]
    NotOnWhatsApp,
    NotAParticipant,
    MediaRejected {
        detail: String,
    },
    /// This account cannot send it, another may (e.g. a group where only
    /// admins may send, tried by a non-admin): back to pending at once, not
    /// counted as an attempt.
    NotForThisAccount {
        detail: String,
    },
    /// Anything else the session reports; `transient` says if a retry may help.
    Other {
        detail: String,
        transient: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeClass {
    Success,
    Uncertain,
    Transient,
    Permanent,
}

impl SendOutcome {
    pub fn class(&self) -> OutcomeClass {
        match self {
            Self::Accepted { .. } => OutcomeClass::Success,
            Self::Uncertain { .. } => OutcomeClass::Uncertain,
            Self::NotConnected | Self::ReachoutTimelocked { .. } | Self::NotForThisAccount { .. } => {
                OutcomeClass::Transient
            }
            Self::Other {
                transient: true, ..
            } => OutcomeClass::Transient,
            Self::NotOnWhatsApp
            | Self::NotAParticipant
            | Self::MediaRejected { .. }
            | Self::Other { .. } => OutcomeClass::Permanent,
        }
    }

    /// Whether the attempt counts against the message's attempts: an
    /// account's timelock is the account's problem (the message goes to
    /// another account), everything else counts.
    pub fn counts_as_attempt(&self) -> bool {
        !matches!(
            self,
            Self::Accepted { .. }
                | Self::Uncertain { .. }
                | Self::ReachoutTimelocked { .. }
                | Self::NotForThisAccount { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Accepted { .. } => "sent".into(),
            Self::Uncertain { detail } => {
                format!("outcome unknown ({detail}): to be looked up in the chat")
            }
            Self::NotConnected => "the account was not connected".into(),
            Self::ReachoutTimelocked { until: Some(u) } => {
                format!(
                    "the account may not message new contacts until {} (error 463)",
                    u.format("%Y-%m-%d %H:%M UTC")
                )
            }
            Self::ReachoutTimelocked { until: None } => {
                "the account may not message new contacts (error 463)".into()
            }
            Self::NotOnWhatsApp => "the number is not on WhatsApp".into(),
            Self::NotAParticipant => "the account is not a participant of the group".into(),
            Self::MediaRejected { detail } => format!("WhatsApp rejected the media: {detail}"),
            Self::NotForThisAccount { detail } | Self::Other { detail, .. } => detail.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    /// Attempts (counted ones) before a transient failure becomes final.
    pub max_attempts: u32,
    /// First backoff; doubles per attempt.
    pub base_secs: u32,
    pub max_secs: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_secs: 30,
            max_secs: 30 * 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(DateTime<Utc>),
    GiveUp,
}

impl RetryPolicy {
    /// The wait after the `attempt`-th failed attempt (1-based): the
    /// exponential delay capped at `max_secs`, with "equal jitter" (half
    /// fixed, half random from `seed`) so messages that failed together do
    /// not all come back at the same second.
    pub fn backoff(&self, attempt: u32, seed: u64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let delay_ms = (self.base_secs as u64 * 1000)
            .saturating_mul(1u64 << exp)
            .min(self.max_secs as u64 * 1000);
        let half = delay_ms / 2;
        Duration::milliseconds(
            (half + between(mix(seed, attempt as u64), 0, delay_ms - half)) as i64,
        )
    }

    /// After a transient failure that made `attempts` counted attempts.
    pub fn after_transient(&self, attempts: u32, now: DateTime<Utc>, seed: u64) -> Retry {
        if attempts >= self.max_attempts {
            Retry::GiveUp
        } else {
            Retry::At(now + self.backoff(attempts.max(1), seed))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..=10u32 {
            let full = (30i64 * (1 << (attempt - 1))).min(1800) * 1000;
            for seed in 0..50 {
                let b = p.backoff(attempt, seed).num_milliseconds();
                assert!(
                    b >= full / 2 && b <= full,
                    "attempt {attempt}: {b} not in [{}, {full}]",
                    full / 2
                );
            }
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|s| p.backoff(3, s)).collect();
        assert!(spread.len() > 25);
        assert_eq!(p.backoff(3, 9), p.backoff(3, 9));
        assert!(p.backoff(u32::MAX, 1) <= Duration::seconds(1800));
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(matches!(p.after_transient(1, now, 0), Retry::At(t) if t > now));
        assert!(matches!(p.after_transient(2, now, 0), Retry::At(_)));
        assert_eq!(p.after_transient(3, now, 0), Retry::GiveUp);
    }

    #[test]
    fn outcome_classes() {
        let now = Utc::now();
        assert_eq!(
            SendOutcome::Accepted { at: now }.class(),
            OutcomeClass::Success
        );
        assert_eq!(
            SendOutcome::Uncertain {
                detail: "timeout".into()
            }
            .class(),
            OutcomeClass::Uncertain
        );
        assert_eq!(SendOutcome::NotConnected.class(), OutcomeClass::Transient);
        assert_eq!(
            SendOutcome::ReachoutTimelocked { until: None }.class(),
            OutcomeClass::Transient
        );
        assert!(!SendOutcome::ReachoutTimelocked { until: None }.counts_as_attempt());
        for p in [
            SendOutcome::NotOnWhatsApp,
            SendOutcome::NotAParticipant,
            SendOutcome::MediaRejected {
                detail: "size".into(),
            },
        ] {
            assert_eq!(p.class(), OutcomeClass::Permanent);
        }
        assert_eq!(
            SendOutcome::Other {
                detail: "x".into(),
                transient: true
            }
            .class(),
            OutcomeClass::Transient
        );
        assert_eq!(
            SendOutcome::Other {
                detail: "x".into(),
                transient: false
            }
            .class(),
            OutcomeClass::Permanent
        );
    }
}
