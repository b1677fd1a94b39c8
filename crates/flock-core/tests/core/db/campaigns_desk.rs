//! The desktop composer's drafts (saved step by step, checked in full at the
//! start), the accounts with today's allowance, the review, the list and the
//! live report's tables.

use chrono::{Duration, Utc};
use flock_core::campaigns::store::desk::{
    self, CsvChoice, DraftAudience, DraftMessage, DraftUpdate, MediaChoice, ScheduleInput,
    WarningCode,
};
use flock_core::campaigns::store::{self, PreviewOptions};
use flock_core::campaigns::{
    CampaignError, CampaignStatus, ContentKind, Day, QuietHours, Schedule,
};
use flock_core::dispatch::store::accounts::set_limits;
use flock_core::dispatch::Limits;
use flock_core::entities::{account, contact, group, inbound_message, message};
use flock_core::paths::DataPaths;
use flock_core::repo::contacts::ContactQuery;
use flock_testkit::TestDb;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

use super::campaigns_support::*;

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;

fn audience(groups: &[&str], filters: Vec<ContactQuery>, contacts: &[&str]) -> DraftAudience {
    DraftAudience {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        filters,
        contacts: contacts.iter().map(|c| c.to_string()).collect(),
        default_country: "IN".into(),
        csv: CsvChoice::Keep,
    }
}

fn message(text: &str, media: MediaChoice, link: Option<&str>) -> DraftMessage {
    DraftMessage {
        text: text.into(),
        media,
        link: link.map(String::from),
    }
}

/// The world of the campaign tests, with OPTED opted out.
async fn world_opted(db: &DatabaseConnection) -> i64 {
    let id = world(db).await;
    let opted = contact::Entity::find()
        .filter(contact::Column::Phone.eq(OPTED))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    flock_core::repo::contacts::opt_out(db, opted.id, "replied STOP", "reply")
        .await
        .unwrap();
    id
}

async fn group_id(db: &DatabaseConnection, wa_id: &str) -> i64 {
    group::Entity::find()
        .filter(group::Column::WaId.eq(wa_id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_draft_is_saved_at_every_step_reopened_as_left_and_started_after_the_full_checks() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let account_id = world_opted(db).await;

    let draft = desk::create_draft(db, &paths, "  Diwali offer ", ZONE)
        .await
        .unwrap();
    let id = draft.campaign.id;
    assert_eq!(
        (draft.campaign.name.as_str(), draft.campaign.status),
        ("Diwali offer", CampaignStatus::Draft)
    );
    assert!(
        draft.problems[0].message.contains("empty"),
        "{:?}",
        draft.problems
    );
    assert!(draft.variables.contains(&"first_name".to_string()));

    // 1. The message: saved as typed even with a mistake, whose place comes back.
    let step = DraftUpdate {
        message: Some(message("Hello {{ frist_name }}", MediaChoice::None, None)),
        ..Default::default()
    };
    let saved = desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    assert_eq!(saved.campaign.text, "Hello {{ frist_name }}");
    let p = &saved.problems[0];
    assert_eq!(
        (p.variable.as_deref(), p.suggestion.as_deref()),
        (Some("frist_name"), Some("first_name"))
    );
    assert_eq!(p.position.unwrap().line, 1);
    // A link that is no web address is refused and nothing of that step changes.
    let bad = DraftUpdate {
        message: Some(message("Hi", MediaChoice::None, Some("not a link"))),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &bad, ZONE).await,
        Err(CampaignError::BadLink(_))
    ));
    assert_eq!(
        desk::open_draft(db, &paths, id, ZONE)
            .await
            .unwrap()
            .campaign
            .text,
        "Hello {{ frist_name }}"
    );
    // An image attached: stored once, the kind follows it, a thumbnail comes back.
    let png = dir.path().join("offer.png");
    image_file(&png);
    let text = "{Hi|Hello} {{ first_name | default(\"friend\") }}";
    let step = DraftUpdate {
        message: Some(message(
            text,
            MediaChoice::File { path: png.clone() },
            Some("https://example.com/offer"),
        )),
        ..Default::default()
    };
    let saved = desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    assert!(saved.problems.is_empty(), "{:?}", saved.problems);
    assert_eq!(saved.campaign.kind, ContentKind::Image);
    let media = saved.media.clone().unwrap();
    assert_eq!(
        (media.file_name.as_str(), media.kind),
        ("offer.png", ContentKind::Image)
    );
    assert!(media
        .thumbnail
        .unwrap()
        .starts_with("data:image/png;base64,"));
    // Keep: the next save of the step leaves the file where it is.
    let keep = DraftUpdate {
        message: Some(message(text, MediaChoice::Keep, None)),
        ..Default::default()
    };
    let kept = desk::save_draft(db, &paths, id, &keep, ZONE).await.unwrap();
    assert_eq!(
        (kept.campaign.media_asset_id, kept.campaign.link.as_deref()),
        (saved.campaign.media_asset_id, None)
    );

    // 2. The audience: a group, a group's members and a typed number; unknown tags and bad numbers refused.
    let g2 = group_id(db, G2).await;
    let unknown = DraftUpdate {
        audience: Some(audience(&[], vec![tagged("nobody")], &[])),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &unknown, ZONE).await,
        Err(CampaignError::UnknownTag { .. })
    ));
    let typo = DraftUpdate {
        audience: Some(audience(&[], Vec::new(), &["12"])),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &typo, ZONE).await,
        Err(CampaignError::BadPhone { .. })
    ));
    let step = DraftUpdate {
        audience: Some(audience(&[G1], vec![members_of(g2)], &["98000 00002"])),
        ..Default::default()
    };
    let saved = desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    assert_eq!(saved.campaign.audience.contacts, [ONLY_G1]);
    let preview = store::preview(db, id, &PreviewOptions::default(), Utc::now(), ZONE)
        .await
        .unwrap();
    // G1's chat, and SHARED, OPTED, OWN (G2's members) plus ONLY_G1.
    let n = &preview.audience;
    assert_eq!((n.targets, n.to_send, n.skipped), (5, 3, 2), "{n:?}");

    // 3 and 4. Accounts and the schedule.
    let quiet = Some(QuietHours::parse("21:00-09:00").unwrap());
    let typed = ScheduleInput {
        start_local: None,
        quiet_hours: quiet,
        days: Day::ALL.to_vec(),
        time_zone: "Asia/Kolkata".into(),
    };
    let mut schedule = Schedule::anytime(ZONE);
    schedule.quiet_hours = quiet;
    // A start skipped by nothing in Kolkata, but an unknown zone and no day are refused.
    let bad_zone = ScheduleInput {
        time_zone: "Mars/Olympus".into(),
        ..typed.clone()
    };
    let bad = DraftUpdate {
        schedule: Some(bad_zone),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &bad, ZONE).await,
        Err(CampaignError::Schedule(_))
    ));
    let no_day = DraftUpdate {
        schedule: Some(ScheduleInput {
            days: Vec::new(),
            ..typed.clone()
        }),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &no_day, ZONE).await,
        Err(CampaignError::Schedule(_))
    ));
    // Later: the wall time in its zone is stored as the instant, and shown back as wall time.
    let later = chrono::NaiveDate::from_ymd_opt(2031, 1, 15)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap();
    let at = DraftUpdate {
        schedule: Some(ScheduleInput {
            start_local: Some(later),
            ..typed.clone()
        }),
        ..Default::default()
    };
    let saved = desk::save_draft(db, &paths, id, &at, ZONE).await.unwrap();
    assert_eq!(
        saved
            .campaign
            .schedule
            .unwrap()
            .start_at
            .unwrap()
            .to_rfc3339(),
        "2031-01-15T04:00:00+00:00"
    );
    assert_eq!(saved.start_local, Some(later));
    let step = DraftUpdate {
        accounts: Some(vec![account_id, account_id]),
        schedule: Some(typed.clone()),
        name: Some("Diwali offer 2026".into()),
        ..Default::default()
    };
    desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    let reopened = desk::open_draft(db, &paths, id, ZONE).await.unwrap();
    let c = &reopened.campaign;
    assert_eq!(
        (c.name.as_str(), c.accounts.as_slice(), c.schedule.as_ref()),
        ("Diwali offer 2026", &[account_id][..], Some(&schedule))
    );
    assert_eq!(c.audience.groups, [G1]);
    assert_eq!(reopened.media.unwrap().file_name, "offer.png");

    // Started: the outbox is written; a started campaign is no draft any more.
    let started = desk::start_draft(db, id, Utc::now()).await.unwrap();
    assert_eq!(
        (started.status, started.added),
        (CampaignStatus::Running, 5)
    );
    let late = DraftUpdate {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    assert!(matches!(
        desk::save_draft(db, &paths, id, &late, ZONE).await,
        Err(CampaignError::Lifecycle(_))
    ));
}

fn image_file(path: &std::path::Path) {
    // A valid PNG (1×1), written by hand: the test needs no image encoder.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
        0x77, 0x53, 0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8,
        0xCF, 0xC0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00,
        0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
    std::fs::write(path, PNG).unwrap();
}

#[tokio::test]
async fn the_start_checks_what_the_steps_could_not_and_a_csv_is_replaced_or_dropped() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    world(db).await;
    let id = desk::create_draft(db, &paths, "Checks", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    let msg = DraftUpdate {
        message: Some(message("Hi {{ ward_no }}", MediaChoice::None, None)),
        ..Default::default()
    };
    desk::save_draft(db, &paths, id, &msg, ZONE).await.unwrap();
    // No audience yet.
    assert!(matches!(
        desk::start_draft(db, id, Utc::now()).await,
        Err(CampaignError::Template(_))
    ));

    // A CSV: its column becomes a variable; the text compiles now.
    let csv = dir.path().join("wards.csv");
    std::fs::write(
        &csv,
        "Name,Mobile,Ward No.\nMeena,+919800000010,7\nRavi,+919800000011,9\n",
    )
    .unwrap();
    let mut a = audience(&[], Vec::new(), &[]);
    a.csv = CsvChoice::File {
        input: csv_input(&csv),
    };
    let saved = desk::save_draft(
        db,
        &paths,
        id,
        &DraftUpdate {
            audience: Some(a),
            ..Default::default()
        },
        ZONE,
    )
    .await
    .unwrap();
    assert!(saved.problems.is_empty(), "{:?}", saved.problems);
    assert!(saved.variables.contains(&"ward_no".to_string()));
    assert_eq!(saved.csv.as_ref().map(|c| c.targets), Some(2));
    // Another CSV replaces the first one's rows.
    std::fs::write(&csv, "Name,Mobile,Ward No.\nRavi,+919800000011,10\n").unwrap();
    let mut a = audience(&[], Vec::new(), &[]);
    a.csv = CsvChoice::File {
        input: csv_input(&csv),
    };
    desk::save_draft(
        db,
        &paths,
        id,
        &DraftUpdate {
            audience: Some(a),
            ..Default::default()
        },
        ZONE,
    )
    .await
    .unwrap();
    let p = store::preview(db, id, &PreviewOptions::default(), Utc::now(), ZONE)
        .await
        .unwrap();
    assert_eq!(p.audience.targets, 1);
    assert_eq!(p.samples[0].text.as_deref(), Some("Hi 10"));
    // Dropped: its variable is unknown again, and the start says so.
    let mut a = audience(&[G1], Vec::new(), &[]);
    a.csv = CsvChoice::None;
    let saved = desk::save_draft(
        db,
        &paths,
        id,
        &DraftUpdate {
            audience: Some(a),
            ..Default::default()
        },
        ZONE,
    )
    .await
    .unwrap();
    assert_eq!(saved.problems[0].variable.as_deref(), Some("ward_no"));
    assert!(matches!(
        desk::start_draft(db, id, Utc::now()).await,
        Err(CampaignError::Template(_))
    ));

    // A group none of the chosen accounts is in is refused at the start.
    let other = flock_core::repo::accounts::create(db, "Team 2")
        .await
        .unwrap();
    let fix = DraftUpdate {
        message: Some(message("Hi all", MediaChoice::None, None)),
        accounts: Some(vec![other.id]),
        ..Default::default()
    };
    desk::save_draft(db, &paths, id, &fix, ZONE).await.unwrap();
    let err = desk::start_draft(db, id, Utc::now()).await.unwrap_err();
    assert!(
        matches!(err, CampaignError::GroupWithoutAccount { .. }),
        "{err:?}"
    );
    assert_eq!(
        store::show(db, id, Utc::now(), ZONE).await.unwrap().status,
        CampaignStatus::Draft
    );
}

#[tokio::test]
async fn senders_show_todays_allowance_and_ramp_up_and_the_review_warns() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let account_id = world(db).await;
    let now = Utc::now();
    // Linked two days ago: ramp-up day 3 (39 a day); 5 sent in the last hours.
    account::Entity::update_many()
        .col_expr(
            account::Column::LinkedAt,
            Expr::value(now - Duration::hours(50)),
        )
        .filter(account::Column::Id.eq(account_id))
        .exec(db)
        .await
        .unwrap();
    let id = desk::create_draft(db, &paths, "Pace", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    let g1 = group_id(db, G1).await;
    let step = DraftUpdate {
        message: Some(message("Same words for all", MediaChoice::None, None)),
        audience: Some(audience(&[], vec![members_of(g1)], &[])),
        ..Default::default()
    };
    desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    let other = desk::create_draft(db, &paths, "Earlier", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    desk::save_draft(db, &paths, other, &step, ZONE)
        .await
        .unwrap();
    desk::start_draft(db, other, now).await.unwrap();
    message::Entity::update_many()
        .col_expr(message::Column::Status, Expr::value("sent"))
        .col_expr(message::Column::AccountId, Expr::value(account_id))
        .col_expr(
            message::Column::SentAt,
            Expr::value(now - Duration::hours(2)),
        )
        .filter(message::Column::CampaignId.eq(other))
        .filter(message::Column::Status.eq("pending"))
        .exec(db)
        .await
        .unwrap();

    let senders = desk::senders(db, now).await.unwrap();
    let s = senders.iter().find(|s| s.account_id == account_id).unwrap();
    let ramp = s.ramp.as_ref().unwrap();
    assert_eq!((ramp.day, ramp.today_cap), (3, 39));
    assert_eq!(s.sent_last_day, 2, "SHARED and ONLY_G1 were sent to");
    assert_eq!(s.allowance.day_left, Some(37));
    assert!(s.usable);
    // Stored limits are the ones shown.
    set_limits(db, account_id, &Limits::off()).await.unwrap();
    let s = desk::senders(db, now)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.account_id == account_id)
        .unwrap();
    assert_eq!((s.ramp.is_none(), s.allowance.day_left), (true, None));
    set_limits(db, account_id, &Limits::default())
        .await
        .unwrap();

    let review = desk::review(db, id, now, ZONE, desk::BrowserInUse::Chrome)
        .await
        .unwrap();
    assert_eq!(review.senders.len(), 1);
    assert_eq!(review.allowance_today, Some(37));
    let codes: Vec<WarningCode> = review.warnings.iter().map(|w| w.code).collect();
    assert!(codes.contains(&WarningCode::RampUp), "{codes:?}");
    assert_eq!(review.preview.samples.len(), 2);
    assert_eq!(
        review.preview.samples[0].text.as_deref(),
        Some("Same words for all")
    );
}

#[tokio::test]
async fn the_list_and_the_report_come_from_the_outbox() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let account_id = world_opted(db).await;
    let id = desk::create_draft(db, &paths, "Report", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    let g1 = group_id(db, G1).await;
    let g2 = group_id(db, G2).await;
    let step = DraftUpdate {
        message: Some(message(
            "{Hi|Hello} {{ first_name | default(\"friend\") }}",
            MediaChoice::None,
            None,
        )),
        audience: Some(audience(
            &[G2],
            vec![members_of(g1), members_of(g2)],
            &["+919800000020"],
        )),
        accounts: Some(vec![account_id]),
        ..Default::default()
    };
    desk::save_draft(db, &paths, id, &step, ZONE).await.unwrap();
    desk::start_draft(db, id, Utc::now()).await.unwrap();
    let rows = rows(db, id).await;
    let now = Utc::now();
    let set = |key: &str, status: &str, sent: bool, error: Option<&str>| {
        let r = row(&rows, key).clone();
        let mut m: message::ActiveModel = r.into();
        m.status = Set(status.into());
        m.account_id = Set(Some(account_id));
        m.sent_at = Set(sent.then_some(now - Duration::minutes(3)));
        m.delivered_at = Set((status == "read").then_some(now - Duration::minutes(2)));
        m.read_at = Set((status == "read").then_some(now - Duration::minutes(1)));
        m.last_error = Set(error.map(String::from));
        m
    };
    let read = set(SHARED, "read", true, None).update(db).await.unwrap();
    set(
        ONLY_G1,
        "failed",
        false,
        Some("the number is not on WhatsApp"),
    )
    .update(db)
    .await
    .unwrap();
    set(
        G2,
        "failed",
        true,
        Some("WhatsApp did not deliver it (ack -1)"),
    )
    .update(db)
    .await
    .unwrap();
    let shared = contact::Entity::find()
        .filter(contact::Column::Phone.eq(SHARED))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    inbound_message::ActiveModel {
        account_id: Set(account_id),
        wa_message_id: Set("3EB0REPLY".into()),
        chat_id: Set(wid(SHARED)),
        author_id: Set(None),
        msg_type: Set("chat".into()),
        body: Set(Some("Thanks!".into())),
        quoted_wa_message_id: Set(None),
        reply_to_message_id: Set(Some(read.id)),
        contact_id: Set(Some(shared.id)),
        is_opt_out: Set(false),
        sent_at: Set(now),
        received_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();

    let list = desk::overview(db, now, ZONE).await.unwrap();
    let listed = list.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        listed
            .accounts
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["Team 1"]
    );
    assert_eq!(listed.counts.read, 1);
    assert!(listed.eta.is_some(), "messages are left: {listed:?}");

    let r = desk::report(db, id, now, ZONE).await.unwrap();
    let line = &r.accounts[0];
    assert_eq!(
        (
            line.account_id,
            line.sent,
            line.read,
            line.failed,
            line.restricted
        ),
        (account_id, 1, 1, 2, false)
    );
    let reasons: Vec<(&str, u64, u64)> = r
        .failures
        .iter()
        .map(|f| (f.reason.as_str(), f.count, f.retryable))
        .collect();
    assert_eq!(
        reasons,
        [
            ("WhatsApp did not deliver it (ack -1)", 1, 0),
            ("the number is not on WhatsApp", 1, 1)
        ]
    );
    assert_eq!(r.retryable, 1);
    let skipped: Vec<(&str, u64)> = r
        .skipped
        .iter()
        .map(|s| (s.code.as_str(), s.count))
        .collect();
    assert_eq!(
        skipped,
        [("opted_out", 1), ("own_account", 1), ("phone_hidden", 1)]
    );
    assert_eq!(
        *r.timeline.sent.last().unwrap(),
        2,
        "the read one and the one failed by an ack were sent"
    );
    assert_eq!(*r.timeline.read.last().unwrap(), 1);
    assert_eq!(r.replies.len(), 1);
    assert_eq!(r.replies[0].body.as_deref(), Some("Thanks!"));
    assert_eq!(r.events.first().unwrap().event, "create");
}
