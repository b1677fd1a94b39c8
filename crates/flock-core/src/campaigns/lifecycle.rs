//! The campaign lifecycle as a pure function: (state, event) → transition.
//!
//! ```text
//! draft ─schedule─▶ scheduled ─start time reached / start─▶ running ⇄ paused
//!   │  ◀─unschedule─┘                                        │         │
//!   └──────────────start──────────────────────────────────▶ │         │
//! running ─finished─▶ completed      any but completed ─cancel─▶ cancelled
//! ```
//! A pause remembers why: a pause by the user ends only by `resume`; a pause
//! because no account can send ends by itself when one can again
//! (`SendersBack`), or by `resume`. Every transition carries its reason (the
//! engine stores it with the campaign's history).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Running,
    Paused,
    Completed,
    Cancelled,
}

impl CampaignStatus {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Scheduled,
        Self::Running,
        Self::Paused,
        Self::Completed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Cancelled)
    }
}

impl std::fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PauseCause {
    User,
    NoSender,
}

/// Why one account cannot send for the campaign right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    Restricted,
    LoggedOut,
    Disconnected,
    NotLinked,
    Failed,
    /// Team mode: its session runs on a workstation whose lease ran out.
    DeskOffline,
}

impl Unavailable {
    fn label(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::LoggedOut => "logged out",
            Self::Disconnected => "disconnected",
            Self::NotLinked => "not linked",
            Self::Failed => "failed",
            Self::DeskOffline => "on a workstation that is offline",
        }
    }
}

/// "all 3 accounts restricted", "the only account is logged out",
/// "no account can send: 2 restricted, 1 logged out", "no accounts chosen".
pub fn no_sender_reason(accounts: &[Unavailable]) -> String {
    let mut counts: Vec<(Unavailable, usize)> = Vec::new();
    for &a in accounts {
        match counts.iter_mut().find(|(k, _)| *k == a) {
            Some((_, n)) => *n += 1,
            None => counts.push((a, 1)),
        }
    }
    match (accounts.len(), counts.as_slice()) {
        (0, _) => "no accounts chosen for this campaign".into(),
        (1, [(k, _)]) => format!("the only account is {}", k.label()),
        (n, [(k, _)]) => format!("all {n} accounts {}", k.label()),
        _ => {
            let parts: Vec<String> = counts
                .iter()
                .map(|(k, n)| format!("{n} {}", k.label()))
                .collect();
            format!("no account can send: {}", parts.join(", "))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CampaignEvent {
    /// The user sets a start time.
    Schedule {
        start_at: DateTime<Utc>,
    },
    /// The user takes a scheduled campaign back to edit it.
    Unschedule,
    /// The user starts it now.
    Start,
    /// The dispatcher sees the start time pass.
    StartTimeReached,
    Pause,
    Resume,
    /// No account chosen for the campaign can send (the reason names why).
    NoSender {
        reason: String,
    },
    /// An account can send again.
    SendersBack,
    /// Nothing is left pending or sending.
    Finished,
    Cancel,
    /// The user sends the failed messages that were definitely not sent
    /// once more (`store::desk::retry_failed`): a completed campaign runs
    /// again; a running or paused one stays as it is.
    RetryFailed,
}

impl CampaignEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Schedule { .. } => "schedule",
            Self::Unschedule => "unschedule",
            Self::Start => "start",
            Self::StartTimeReached => "start time reached",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::NoSender { .. } => "no sender",
            Self::SendersBack => "senders back",
            Self::Finished => "finished",
            Self::Cancel => "cancel",
            Self::RetryFailed => "retry failed",
        }
    }
}

/// Where a campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CampaignState {
    pub status: CampaignStatus,
    /// Set while paused.
    pub paused_by: Option<PauseCause>,
}

impl CampaignState {
    pub fn new(status: CampaignStatus) -> Self {
        Self {
            status,
            paused_by: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    pub from: CampaignStatus,
    pub to: CampaignState,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("a {status} campaign cannot {event}")]
    Invalid {
        status: CampaignStatus,
        event: &'static str,
    },
    #[error("the campaign is already {0}")]
    Already(CampaignStatus),
}

impl LifecycleError {
    pub fn fix(&self) -> &'static str {
        match self {
            Self::Invalid {
                status: CampaignStatus::Completed | CampaignStatus::Cancelled,
                ..
            } => "It is finished; duplicate it to send again",
            Self::Invalid { .. } => "Check the campaign's status first",
            Self::Already(_) => "Nothing to do",
        }
    }
}

/// The transition an event makes, `Ok(None)` when the event changes nothing
/// (an account coming back while the user has paused), or why it is refused.
pub fn step(
    state: CampaignState,
    event: &CampaignEvent,
) -> Result<Option<Transition>, LifecycleError> {
    use CampaignEvent as E;
    use CampaignStatus as S;
    let from = state.status;
    let to = |status, reason: String| {
        Ok(Some(Transition {
            from,
            to: CampaignState::new(status),
            reason,
        }))
    };
    let paused = |by, reason: String| {
        Ok(Some(Transition {
            from,
            to: CampaignState {
                status: S::Paused,
                paused_by: Some(by),
            },
            reason,
        }))
    };
    let invalid = || {
        Err(LifecycleError::Invalid {
            status: from,
            event: event.name(),
        })
    };
    match (from, event) {
        (S::Draft | S::Scheduled, E::Schedule { start_at }) => to(
            S::Scheduled,
            format!("scheduled for {}", start_at.format("%Y-%m-%d %H:%M UTC")),
        ),
        (S::Scheduled, E::Unschedule) => to(S::Draft, "taken back to draft".into()),
        (S::Draft | S::Scheduled, E::Start) => to(S::Running, "started".into()),
        (S::Scheduled, E::StartTimeReached) => to(S::Running, "start time reached".into()),
        (S::Running, E::Pause) => paused(PauseCause::User, "paused by the user".into()),
        (S::Running, E::NoSender { reason }) => paused(PauseCause::NoSender, reason.clone()),
        (S::Paused, E::Pause) if state.paused_by == Some(PauseCause::NoSender) => {
            paused(PauseCause::User, "paused by the user".into())
        }
        (S::Paused, E::Pause) => Err(LifecycleError::Already(S::Paused)),
        (S::Paused, E::NoSender { .. }) => Ok(None),
        (S::Paused, E::SendersBack) if state.paused_by == Some(PauseCause::NoSender) => {
            to(S::Running, "an account can send again".into())
        }
        (S::Paused, E::SendersBack) => Ok(None),
        (S::Running, E::SendersBack) => Ok(None),
        (S::Paused, E::Resume) => to(S::Running, "resumed by the user".into()),
        (S::Running, E::Resume | E::Start) => Err(LifecycleError::Already(S::Running)),
        (S::Running, E::Finished) => {
            to(S::Completed, "every target sent, failed or skipped".into())
        }
        (S::Draft | S::Scheduled | S::Running | S::Paused, E::Cancel) => {
            to(S::Cancelled, "cancelled by the user".into())
        }
        (S::Completed | S::Cancelled, E::Cancel) => Err(LifecycleError::Already(from)),
        (S::Completed, E::RetryFailed) => to(S::Running, "reopened to retry failed messages".into()),
        (S::Running | S::Paused, E::RetryFailed) => Ok(None),
        _ => invalid(),
    }
}

impl From<&LifecycleError> for crate::ErrorReport {
    fn from(e: &LifecycleError) -> Self {
        Self {
            kind: crate::ErrorKind::Conflict,
            message: e.to_string(),
            fix: Some(e.fix().into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignEvent as E;
    use CampaignStatus as S;

    fn run(events: &[CampaignEvent]) -> Result<(CampaignState, Vec<String>), LifecycleError> {
        let mut state = CampaignState::new(S::Draft);
        let mut reasons = Vec::new();
        for e in events {
            if let Some(t) = step(state, e)? {
                assert_eq!(t.from, state.status);
                state = t.to;
                reasons.push(t.reason);
            }
        }
        Ok((state, reasons))
    }

    #[test]
    fn the_whole_life() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 1, 9, 0, 0).unwrap();
        let (state, reasons) = run(&[
            E::Schedule { start_at: at },
            E::StartTimeReached,
            E::Pause,
            E::SendersBack, // user pause holds
            E::Resume,
            E::NoSender {
                reason: no_sender_reason(&[Unavailable::Restricted; 3]),
            },
            E::NoSender {
                reason: "still".into(),
            },
            E::SendersBack,
            E::Finished,
        ])
        .unwrap();
        assert_eq!(state, CampaignState::new(S::Completed));
        assert_eq!(
            reasons,
            [
                "scheduled for 2026-03-01 09:00 UTC",
                "start time reached",
                "paused by the user",
                "resumed by the user",
                "all 3 accounts restricted",
                "an account can send again",
                "every target sent, failed or skipped"
            ]
        );
    }

    #[test]
    fn auto_pause_then_user_pause_needs_resume() {
        let (state, _) = run(&[
            E::Start,
            E::NoSender { reason: "x".into() },
            E::Pause,
            E::SendersBack,
        ])
        .unwrap();
        assert_eq!(
            state,
            CampaignState {
                status: S::Paused,
                paused_by: Some(PauseCause::User)
            }
        );
    }

    #[test]
    fn invalid_transitions_are_typed_errors() {
        assert_eq!(
            run(&[E::Pause]).unwrap_err(),
            LifecycleError::Invalid {
                status: S::Draft,
                event: "pause"
            }
        );
        assert_eq!(
            run(&[E::Start, E::Start]).unwrap_err(),
            LifecycleError::Already(S::Running)
        );
        assert_eq!(
            run(&[E::Start, E::Pause, E::Pause]).unwrap_err(),
            LifecycleError::Already(S::Paused)
        );
        assert_eq!(
            run(&[E::Finished]).unwrap_err(),
            LifecycleError::Invalid {
                status: S::Draft,
                event: "finished"
            }
        );
        let done = run(&[E::Start, E::Finished, E::Resume]).unwrap_err();
        assert_eq!(
            done,
            LifecycleError::Invalid {
                status: S::Completed,
                event: "resume"
            }
        );
        assert!(done.fix().contains("duplicate"));
        assert_eq!(
            run(&[E::Cancel, E::Start]).unwrap_err(),
            LifecycleError::Invalid {
                status: S::Cancelled,
                event: "start"
            }
        );
        assert_eq!(
            run(&[E::Cancel, E::Cancel]).unwrap_err(),
            LifecycleError::Already(S::Cancelled)
        );
        assert_eq!(
            run(&[E::StartTimeReached]).unwrap_err().to_string(),
            "a draft campaign cannot start time reached"
        );
    }

    #[test]
    fn cancel_from_every_live_status() {
        for events in [
            vec![],
            vec![E::Schedule {
                start_at: Utc::now(),
            }],
            vec![E::Start],
            vec![E::Start, E::Pause],
        ] {
            let mut all = events.clone();
            all.push(E::Cancel);
            assert_eq!(run(&all).unwrap().0.status, S::Cancelled);
        }
    }

    #[test]
    fn retry_failed_reopens_only_a_completed_campaign() {
        let (state, reasons) = run(&[E::Start, E::Finished, E::RetryFailed]).unwrap();
        assert_eq!(state, CampaignState::new(S::Running));
        assert_eq!(reasons.last().unwrap(), "reopened to retry failed messages");
        assert_eq!(run(&[E::Start, E::RetryFailed]).unwrap().0, CampaignState::new(S::Running));
        assert_eq!(run(&[E::Start, E::Pause, E::RetryFailed]).unwrap().0.status, S::Paused);
        for events in [vec![E::RetryFailed], vec![E::Cancel, E::RetryFailed]] {
            assert!(matches!(run(&events), Err(LifecycleError::Invalid { event: "retry failed", .. })));
        }
    }

    #[test]
    fn no_sender_reasons() {
        use Unavailable::*;
        assert_eq!(
            no_sender_reason(&[]),
            "no accounts chosen for this campaign"
        );
        assert_eq!(
            no_sender_reason(&[LoggedOut]),
            "the only account is logged out"
        );
        assert_eq!(
            no_sender_reason(&[Restricted, Restricted, Restricted]),
            "all 3 accounts restricted"
        );
        assert_eq!(
            no_sender_reason(&[Restricted, LoggedOut, Restricted]),
            "no account can send: 2 restricted, 1 logged out"
        );
    }

    #[test]
    fn status_names_round_trip() {
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(CampaignStatus::parse("done"), None);
    }
}
