//! The outbox row's status machine (design.md, "Message lifecycle").
//!
//! ```text
//! pending ─claim─▶ sending ─accepted / reconcile found─▶ sent ─ack─▶ delivered ─ack─▶ read
//!    │                │ uncertain: stays sending until reconciled
//!    │                ├─ transient / reconcile absent ─▶ pending (backoff) or failed (attempts used)
//!    │                └─ permanent ─▶ failed
//!    └─ skip (opted out, hidden phone, …) ─▶ skipped
//! ```
//! Rules: acks only go up (a lower or repeated ack changes nothing); a
//! `sending` row leaves only through a send result or a reconcile result
//! (an ack that arrives first is kept in message_events and applied after);
//! failed, skipped and read are final.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::retry::{OutcomeClass, Retry, RetryPolicy, SendOutcome};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Pending,
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
    Skipped,
}

impl MessageStatus {
    pub const ALL: [Self; 7] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Failed,
        Self::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Read | Self::Failed | Self::Skipped)
    }

    /// Reached WhatsApp (sent or better).
    pub fn is_sent(self) -> bool {
        matches!(self, Self::Sent | Self::Delivered | Self::Read)
    }
}

/// Why a target gets no message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    OptedOut,
    /// One of our own linked accounts.
    OwnAccount,
    /// Known only by a privacy id (phone hidden).
    PhoneHidden,
    #[serde(rename = "not_on_whatsapp")]
    NotOnWhatsApp,
    /// Contacted by a campaign in the last `days` days (a campaign setting).
    RecentlyContacted {
        days: u32,
    },
    /// The template has no value for this variable and no fallback.
    MissingValue {
        variable: String,
    },
    /// The campaign is limited to consenting or inbound contacts.
    NoConsent,
    /// The campaign already reaches this person under another key
    /// (phone and privacy id of one contact).
    DuplicatePerson,
    CampaignCancelled,
    /// A group none of the campaign's accounts is a member of (or, when only
    /// admins may send, an admin of).
    NoMemberAccount,
}

impl SkipReason {
    /// The code stored in `messages.skip_reason` (the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            Self::OptedOut => "opted_out",
            Self::OwnAccount => "own_account",
            Self::PhoneHidden => "phone_hidden",
            Self::NotOnWhatsApp => "not_on_whatsapp",
            Self::RecentlyContacted { .. } => "recently_contacted",
            Self::MissingValue { .. } => "missing_value",
            Self::NoConsent => "no_consent",
            Self::DuplicatePerson => "duplicate_person",
            Self::CampaignCancelled => "campaign_cancelled",
            Self::NoMemberAccount => "no_member_account",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::OptedOut => "opted out".into(),
            Self::OwnAccount => "one of our own accounts".into(),
            Self::PhoneHidden => "phone hidden (privacy id only)".into(),
            Self::NotOnWhatsApp => "not on WhatsApp".into(),
            Self::RecentlyContacted { days } => {
                format!("contacted by a campaign in the last {days} days")
            }
            Self::MissingValue { variable } => {
                format!("no value for {{{{ {variable} }}}} and no fallback")
            }
            Self::NoConsent => "no consent and never wrote to us".into(),
            Self::DuplicatePerson => {
                "already reached by this campaign under another number or id".into()
            }
            Self::CampaignCancelled => "campaign cancelled".into(),
            Self::NoMemberAccount => "none of the campaign's accounts may send to this group (not a member, or not an admin where only admins may send)".into(),
        }
    }
}

/// WhatsApp's ack levels (msg.ack: -1 error, 1 server, 2 device, 3 read, 4 played).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Ack {
    Error,
    Server,
    Device,
    Read,
    Played,
}

impl Ack {
    /// From WhatsApp Web's numeric `ack` (0 = clock: no information).
    pub fn from_wa(n: i64) -> Option<Self> {
        match n {
            -1 => Some(Self::Error),
            1 => Some(Self::Server),
            2 => Some(Self::Device),
            3 => Some(Self::Read),
            4.. => Some(Self::Played),
            _ => None,
        }
    }

    fn status(self) -> Option<MessageStatus> {
        match self {
            Self::Error => None,
            Self::Server => Some(MessageStatus::Sent),
            Self::Device => Some(MessageStatus::Delivered),
            Self::Read | Self::Played => Some(MessageStatus::Read),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageEvent {
    /// The dispatcher takes the row for an account, storing the account and
    /// the message id it will use in the same write.
    Claim,
    Skip {
        reason: SkipReason,
    },
    SendResult {
        outcome: SendOutcome,
    },
    /// The session looked the stored id up in the chat.
    Reconciled {
        found_at: Option<DateTime<Utc>>,
    },
    Ack {
        ack: Ack,
    },
}

impl MessageEvent {
    fn name(&self) -> &'static str {
        match self {
            Self::Claim => "claim",
            Self::Skip { .. } => "skip",
            Self::SendResult { .. } => "send result",
            Self::Reconciled { .. } => "reconcile result",
            Self::Ack { .. } => "ack",
        }
    }
}

/// What the store holds of a row, for the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRow {
    pub status: MessageStatus,
    /// Counted attempts so far.
    pub attempts: u32,
}

/// What the account learns from a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AccountEffect {
    /// Reachout timelock: no first messages to new contacts until then.
    Restrict { until: Option<DateTime<Utc>> },
}

/// The row after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageStep {
    pub status: MessageStatus,
    pub attempts: u32,
    /// For a row back in `pending`: not before then.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The reason to store (`last_error`, skip reason).
    pub reason: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub account: Option<AccountEffect>,
    /// False when the event changed nothing (a repeated or lower ack, an
    /// uncertain result): nothing to write.
    pub changed: bool,
}

impl MessageStep {
    fn unchanged(row: MessageRow) -> Self {
        Self {
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: None,
            reason: None,
            sent_at: None,
            account: None,
            changed: false,
        }
    }

    fn to(row: MessageRow, status: MessageStatus) -> Self {
        Self {
            status,
            changed: true,
            ..Self::unchanged(row)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageTransitionError {
    #[error("a {} message cannot take a {event}", status.as_str())]
    Invalid {
        status: MessageStatus,
        event: &'static str,
    },
    #[error("an ack for a message still sending: keep it and apply it after the send result")]
    AckWhileSending,
}

/// The row's next state. `seed` jitters the retry backoff (the row id).
pub fn step(
    row: MessageRow,
    event: &MessageEvent,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<MessageStep, MessageTransitionError> {
    use MessageStatus as S;
    let invalid = || {
        Err(MessageTransitionError::Invalid {
            status: row.status,
            event: event.name(),
        })
    };
    match (row.status, event) {
        (S::Pending, MessageEvent::Claim) => Ok(MessageStep::to(row, S::Sending)),
        (S::Pending, MessageEvent::Skip { reason }) => Ok(MessageStep {
            reason: Some(reason.describe()),
            ..MessageStep::to(row, S::Skipped)
        }),
        (S::Sending, MessageEvent::SendResult { outcome }) => {
            Ok(after_result(row, outcome, policy, now, seed))
        }
        (S::Sending, MessageEvent::Reconciled { found_at: Some(at) }) => Ok(MessageStep {
            sent_at: Some(*at),
            reason: Some("found in the chat after a restart".into()),
            ..MessageStep::to(row, S::Sent)
        }),
        (S::Sending, MessageEvent::Reconciled { found_at: None }) => {
            let absent = SendOutcome::Other {
                detail: "not found in the chat after a restart".into(),
                transient: true,
            };
            Ok(after_result(row, &absent, policy, now, seed))
        }
        (S::Sending, MessageEvent::Ack { .. }) => Err(MessageTransitionError::AckWhileSending),
        (S::Sent, MessageEvent::Ack { ack: Ack::Error }) => Ok(MessageStep {
            reason: Some("WhatsApp did not deliver it (ack -1)".into()),
            ..MessageStep::to(row, S::Failed)
        }),
        (S::Sent | S::Delivered | S::Read, MessageEvent::Ack { ack }) => match ack.status() {
            Some(s) if s > row.status => Ok(MessageStep::to(row, s)),
            _ => Ok(MessageStep::unchanged(row)),
        },
        _ => invalid(),
    }
}

fn after_result(
    row: MessageRow,
    outcome: &SendOutcome,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
    seed: u64,
) -> MessageStep {
    use MessageStatus as S;
    let attempts = row.attempts + u32::from(outcome.counts_as_attempt());
    let account = match outcome {
        SendOutcome::ReachoutTimelocked { until } => {
            Some(AccountEffect::Restrict { until: *until })
        }
        _ => None,
    };
    let reason = Some(outcome.describe());
    let base = MessageStep {
        attempts,
        account,
        reason,
        ..MessageStep::to(row, S::Sending)
    };
    match outcome.class() {
        OutcomeClass::Success => {
            let at = match outcome {
                SendOutcome::Accepted { at } => *at,
                _ => now,
            };
            MessageStep {
                status: S::Sent,
                sent_at: Some(at),
                reason: None,
                ..base
            }
        }
        OutcomeClass::Uncertain => MessageStep {
            changed: false,
            ..base
        },
        OutcomeClass::Permanent => MessageStep {
            status: S::Failed,
            ..base
        },
        OutcomeClass::Transient => {
            if !outcome.counts_as_attempt() {
                // Another account can take it at once.
                return MessageStep {
                    status: S::Pending,
                    next_attempt_at: Some(now),
                    ..base
                };
            }
            match policy.after_transient(attempts, now, seed) {
                Retry::At(t) => MessageStep {
                    status: S::Pending,
                    next_attempt_at: Some(t),
                    ..base
                },
                Retry::GiveUp => MessageStep {
                    status: S::Failed,
                    reason: Some(format!(
                        "gave up after {attempts} attempts: {}",
                        outcome.describe()
                    )),
                    ..base
                },
            }
        }
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
