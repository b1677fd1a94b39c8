use chrono::{Duration, TimeZone};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn row(status: MessageStatus, attempts: u32) -> MessageRow {
    MessageRow { status, attempts }
}

fn go(r: MessageRow, e: MessageEvent) -> Result<MessageStep, MessageTransitionError> {
    step(r, &e, &RetryPolicy::default(), now(), 1)
}

fn result(outcome: SendOutcome) -> MessageEvent {
    MessageEvent::SendResult { outcome }
}

use MessageStatus as S;

#[test]
fn happy_path_to_read() {
    let s = go(row(S::Pending, 0), MessageEvent::Claim).unwrap();
    assert_eq!((s.status, s.changed), (S::Sending, true));
    let s = go(
        row(S::Sending, 0),
        result(SendOutcome::Accepted { at: now() }),
    )
    .unwrap();
    assert_eq!((s.status, s.sent_at, s.attempts), (S::Sent, Some(now()), 0));
    let s = go(row(S::Sent, 0), MessageEvent::Ack { ack: Ack::Device }).unwrap();
    assert_eq!(s.status, S::Delivered);
    let s = go(row(S::Delivered, 0), MessageEvent::Ack { ack: Ack::Read }).unwrap();
    assert_eq!(s.status, S::Read);
    // Sent straight to read (delivered ack missed) is fine; played is read.
    assert_eq!(
        go(row(S::Sent, 0), MessageEvent::Ack { ack: Ack::Played })
            .unwrap()
            .status,
        S::Read
    );
}

#[test]
fn acks_only_go_up() {
    for (status, ack) in [
        (S::Delivered, Ack::Server),
        (S::Read, Ack::Device),
        (S::Read, Ack::Read),
        (S::Delivered, Ack::Device),
    ] {
        let s = go(row(status, 0), MessageEvent::Ack { ack }).unwrap();
        assert_eq!((s.status, s.changed), (status, false), "{status:?} {ack:?}");
    }
    // An error ack after delivery changes nothing; on a sent row it fails it.
    assert!(
        !go(row(S::Delivered, 0), MessageEvent::Ack { ack: Ack::Error })
            .unwrap()
            .changed
    );
    let s = go(row(S::Sent, 0), MessageEvent::Ack { ack: Ack::Error }).unwrap();
    assert_eq!(s.status, S::Failed);
    assert!(s.reason.unwrap().contains("ack -1"));
    assert!(go(row(S::Pending, 0), MessageEvent::Ack { ack: Ack::Read }).is_err());
    assert_eq!(Ack::from_wa(0), None);
    assert_eq!(Ack::from_wa(-1), Some(Ack::Error));
    assert_eq!(Ack::from_wa(3), Some(Ack::Read));
}

#[test]
fn sending_leaves_only_by_a_result_or_a_reconcile() {
    assert_eq!(
        go(row(S::Sending, 0), MessageEvent::Ack { ack: Ack::Server }),
        Err(MessageTransitionError::AckWhileSending)
    );
    assert!(matches!(
        go(row(S::Sending, 0), MessageEvent::Claim),
        Err(MessageTransitionError::Invalid { .. })
    ));
    let skip = MessageEvent::Skip {
        reason: SkipReason::OptedOut,
    };
    assert!(matches!(
        go(row(S::Sending, 0), skip),
        Err(MessageTransitionError::Invalid { .. })
    ));
    // Uncertain: stays sending, nothing written.
    let s = go(
        row(S::Sending, 1),
        result(SendOutcome::Uncertain {
            detail: "timeout".into(),
        }),
    )
    .unwrap();
    assert_eq!((s.status, s.changed, s.attempts), (S::Sending, false, 1));
}

#[test]
fn reconcile_found_is_sent_absent_is_a_counted_retry() {
    let at = now() - Duration::minutes(3);
    let s = go(
        row(S::Sending, 0),
        MessageEvent::Reconciled { found_at: Some(at) },
    )
    .unwrap();
    assert_eq!((s.status, s.sent_at), (S::Sent, Some(at)));
    let s = go(
        row(S::Sending, 1),
        MessageEvent::Reconciled { found_at: None },
    )
    .unwrap();
    assert_eq!((s.status, s.attempts), (S::Pending, 2));
    let retry_at = s.next_attempt_at.unwrap();
    // Second attempt: 60 s with equal jitter → 30..60 s.
    assert!(
        retry_at >= now() + Duration::seconds(30) && retry_at <= now() + Duration::seconds(60),
        "{retry_at}"
    );
}

#[test]
fn transient_retries_then_gives_up() {
    let s = go(row(S::Sending, 0), result(SendOutcome::NotConnected)).unwrap();
    assert_eq!((s.status, s.attempts), (S::Pending, 1));
    assert!(s.next_attempt_at.unwrap() > now());
    let s = go(row(S::Sending, 4), result(SendOutcome::NotConnected)).unwrap();
    assert_eq!((s.status, s.attempts), (S::Failed, 5));
    assert!(s.reason.unwrap().starts_with("gave up after 5 attempts"));
}

#[test]
fn timelock_restricts_the_account_and_frees_the_message_at_once() {
    let until = now() + Duration::hours(20);
    let s = go(
        row(S::Sending, 2),
        result(SendOutcome::ReachoutTimelocked { until: Some(until) }),
    )
    .unwrap();
    assert_eq!(
        (s.status, s.attempts, s.next_attempt_at),
        (S::Pending, 2, Some(now()))
    );
    assert_eq!(
        s.account,
        Some(AccountEffect::Restrict { until: Some(until) })
    );
}

#[test]
fn permanent_outcomes_fail_with_the_reason() {
    for (o, text) in [
        (SendOutcome::NotOnWhatsApp, "not on WhatsApp"),
        (SendOutcome::NotAParticipant, "not a participant"),
        (
            SendOutcome::MediaRejected {
                detail: "too large".into(),
            },
            "too large",
        ),
    ] {
        let s = go(row(S::Sending, 0), result(o)).unwrap();
        assert_eq!(s.status, S::Failed);
        assert!(s.reason.unwrap().contains(text));
    }
}

#[test]
fn skips_only_from_pending_and_finals_stay_final() {
    let s = go(
        row(S::Pending, 0),
        MessageEvent::Skip {
            reason: SkipReason::RecentlyContacted { days: 7 },
        },
    )
    .unwrap();
    assert_eq!(s.status, S::Skipped);
    assert_eq!(
        s.reason.as_deref(),
        Some("contacted by a campaign in the last 7 days")
    );
    for status in [S::Failed, S::Skipped] {
        for e in [
            MessageEvent::Claim,
            MessageEvent::Ack { ack: Ack::Read },
            result(SendOutcome::NotConnected),
        ] {
            assert!(go(row(status, 0), e).is_err());
        }
    }
    assert_eq!(
        SkipReason::MissingValue {
            variable: "district".into()
        }
        .describe(),
        "no value for {{ district }} and no fallback"
    );
}

#[test]
fn status_names_round_trip() {
    for s in MessageStatus::ALL {
        assert_eq!(MessageStatus::parse(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
}

#[test]
fn skip_codes_are_the_serde_tags_and_the_stored_codes() {
    let all = [
        SkipReason::OptedOut,
        SkipReason::OwnAccount,
        SkipReason::PhoneHidden,
        SkipReason::NotOnWhatsApp,
        SkipReason::RecentlyContacted { days: 3 },
        SkipReason::MissingValue {
            variable: "x".into(),
        },
        SkipReason::NoConsent,
        SkipReason::DuplicatePerson,
        SkipReason::CampaignCancelled,
    ];
    for r in &all {
        assert_eq!(serde_json::to_value(r).unwrap()["kind"], r.code());
        assert!(!r.describe().is_empty());
    }
    assert_eq!(
        SkipReason::DuplicatePerson.code(),
        crate::repo::outbox::DUPLICATE_PERSON
    );
}
