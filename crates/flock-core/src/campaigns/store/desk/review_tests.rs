use chrono::Utc;

use super::*;
use crate::accounts::AccountState;
use crate::campaigns::eta::Eta;
use crate::campaigns::identical::identical_text_report;
use crate::campaigns::model::AudienceCount;
use crate::campaigns::store::desk::senders::RampStage;
use crate::campaigns::template::TemplateShape;
use crate::dispatch::{Allowance, Decision, Limits};

fn preview(to_send: u64, group_only: u64, permitted: u64, texts: &[&str]) -> Preview {
    Preview {
        id: 1,
        shape: TemplateShape {
            variables: Vec::new(),
            spintax_groups: 0,
            spintax_variants: 1,
        },
        samples: Vec::new(),
        not_targets: Vec::new(),
        identical: identical_text_report(texts.iter().copied(), 25),
        audience: AudienceCount {
            targets: to_send,
            people: to_send,
            to_send,
            group_only,
            permitted,
            ..Default::default()
        },
        eta: Eta {
            messages: to_send,
            finishes_at: None,
            text: String::new(),
            accounts: 1,
            problem: None,
        },
        problems: Vec::new(),
    }
}

fn sender(
    id: i64,
    day_left: Option<u32>,
    ramp: Option<RampStage>,
    state: AccountState,
) -> SenderView {
    SenderView {
        account_id: id,
        name: format!("Sales {id}"),
        phone: None,
        state,
        limits: Limits::default(),
        limits_problem: None,
        allowance: Allowance {
            minute_left: None,
            hour_left: None,
            day_left,
            day_cap: day_left,
        },
        sent_last_day: 0,
        ramp,
        restricted_until: None,
        next_send: Decision::SendAt { at: Utc::now() },
        usable: state == AccountState::Active,
    }
}

fn codes(w: &[Warning]) -> Vec<WarningCode> {
    w.iter().map(|w| w.code).collect()
}

#[test]
fn a_quiet_campaign_has_no_warning() {
    let p = preview(40, 0, 40, &["a", "b", "c"]);
    let s = [sender(1, Some(1500), None, AccountState::Active)];
    assert!(warnings(&p, &s, ContentKind::Image, BrowserInUse::Chromium).is_empty());
}

#[test]
fn each_risk_is_named() {
    let same: Vec<&str> = vec!["Hello there"; 300];
    let p = preview(300, 200, 50, &same);
    let ramp = RampStage {
        day: 3,
        full_on_day: 14,
        today_cap: 39,
        schedule: vec![20, 28, 39],
    };
    let s = [
        sender(1, Some(39), Some(ramp), AccountState::Active),
        sender(2, Some(60), None, AccountState::Active),
    ];
    let w = warnings(&p, &s, ContentKind::Video, BrowserInUse::Chromium);
    assert_eq!(
        codes(&w),
        [
            WarningCode::RampUp,
            WarningCode::AboveAllowance,
            WarningCode::IdenticalText,
            WarningCode::GroupOnly,
            WarningCode::VideoOnChromium
        ]
    );
    assert_eq!(
        w[0].message,
        "Sales 1 is new: ramp-up day 3 of 14 allows 39 messages today."
    );
    assert!(
        w[1].message
            .starts_with("300 to send, but today's allowance of its accounts is 99"),
        "{}",
        w[1].message
    );
    assert!(
        w[3].message
            .starts_with("200 of the 250 people to send to (80%)"),
        "{}",
        w[3].message
    );
    // Chrome has the codecs; no daily cap means no allowance warning.
    let unlimited = [sender(2, None, None, AccountState::Active)];
    let w = warnings(&p, &unlimited, ContentKind::Video, BrowserInUse::Chrome);
    assert_eq!(
        codes(&w),
        [WarningCode::IdenticalText, WarningCode::GroupOnly]
    );
}

#[test]
fn no_usable_account_is_said_first() {
    let p = preview(10, 0, 10, &["a", "b"]);
    let s = [sender(1, Some(1500), None, AccountState::LoggedOut)];
    assert_eq!(
        codes(&warnings(&p, &s, ContentKind::Text, BrowserInUse::Chrome)),
        [WarningCode::NoSender]
    );
    assert_eq!(allowance_today(&s), Some(0), "only usable accounts count");
}
