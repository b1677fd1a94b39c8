//! A stored campaign's lifecycle: one transition function (status and
//! history in one transaction, compare-and-set on the old status), a second
//! start that adds nothing, a cancel that skips what is pending, a start
//! time in the future.

use chrono::{Duration, Utc};
use flock_core::campaigns::lifecycle::no_sender_reason;
use flock_core::campaigns::lifecycle::Unavailable;
use flock_core::campaigns::{
    store, transition, CampaignError, CampaignEvent, CampaignStatus, LifecycleError, PauseCause,
};
use flock_core::entities::campaign;
use flock_core::paths::DataPaths;
use flock_testkit::TestDb;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::campaigns_support::*;

async fn status(db: &DatabaseConnection, id: i64) -> (String, Option<String>, Option<String>) {
    let c = campaign::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    (c.status, c.paused_by, c.status_reason)
}

async fn listed_campaign(db: &DatabaseConnection, dir: &std::path::Path) -> i64 {
    world(db).await;
    let mut n = new_campaign("Life", "{Hi|Hello} {{ first_name | default(\"there\") }}");
    n.groups = vec![G1.into(), G2.into()];
    n.contacts = vec![SHARED.into(), ONLY_G1.into()];
    store::create(db, &DataPaths::new(dir), &n).await.unwrap().id
}

#[tokio::test]
async fn every_transition_is_stored_with_its_reason_and_a_second_start_adds_nothing() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let id = listed_campaign(db, dir.path()).await;
    assert_eq!(status(db, id).await.0, "draft");

    let first = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((first.added, first.audience.targets, first.status), (4, 4, CampaignStatus::Running));
    let again = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((again.added, again.audience.targets, again.status), (0, 4, CampaignStatus::Running));
    assert!(again.transition.is_none());
    assert_eq!(rows(db, id).await.len(), 4);

    transition(db, id, &CampaignEvent::Pause, None).await.unwrap();
    assert_eq!(status(db, id).await, ("paused".into(), Some("user".into()), Some("paused by the user".into())));
    // An account coming back does not end a user's pause.
    assert_eq!(transition(db, id, &CampaignEvent::SendersBack, None).await.unwrap(), None);
    // Started again while paused: still nothing added, still paused.
    assert_eq!(store::start(db, id, Utc::now()).await.unwrap().added, 0);
    transition(db, id, &CampaignEvent::Resume, None).await.unwrap();
    let reason = no_sender_reason(&[Unavailable::Restricted; 3]);
    transition(db, id, &CampaignEvent::NoSender { reason: reason.clone() }, None).await.unwrap();
    assert_eq!(
        status(db, id).await,
        ("paused".into(), Some("no_sender".into()), Some("all 3 accounts restricted".into()))
    );
    let back = transition(db, id, &CampaignEvent::SendersBack, None).await.unwrap().unwrap();
    assert_eq!((back.to.status, back.reason.as_str()), (CampaignStatus::Running, "an account can send again"));
    let err = transition(db, id, &CampaignEvent::Start, None).await.unwrap_err();
    assert!(matches!(err, CampaignError::Lifecycle(LifecycleError::Already(CampaignStatus::Running))), "{err:?}");
    transition(db, id, &CampaignEvent::Cancel, Some("wrong list")).await.unwrap();

    let history: Vec<(String, String, String, String)> =
        store::events(db, id).await.unwrap().into_iter().map(|e| (e.from, e.to, e.event, e.reason)).collect();
    let s = |a: &str, b: &str, e: &str, r: &str| (a.to_string(), b.to_string(), e.to_string(), r.to_string());
    assert_eq!(
        history,
        vec![
            s("draft", "draft", "create", "created"),
            s("draft", "running", "start", "started"),
            s("running", "running", "materialise", "outbox: 4 rows added (4 targets, 4 to send, 0 skipped)"),
            s("running", "paused", "pause", "paused by the user"),
            s("paused", "running", "resume", "resumed by the user"),
            s("running", "paused", "no sender", "all 3 accounts restricted"),
            s("paused", "running", "senders back", "an account can send again"),
            s("running", "cancelled", "cancel", "wrong list"),
        ]
    );
    // A cancel skips what was still pending.
    let rows = rows(db, id).await;
    assert!(
        rows.iter().all(|r| r.status == "skipped" && r.skip_reason.as_deref() == Some("campaign_cancelled")),
        "{rows:#?}"
    );
    let c = campaign::Entity::find_by_id(id).one(db).await.unwrap().unwrap();
    assert!(c.started_at.is_some() && c.finished_at.is_some());
    // Finished is final: no start, no resume.
    assert!(matches!(store::start(db, id, Utc::now()).await, Err(CampaignError::Lifecycle(_))));
    assert!(matches!(transition(db, id, &CampaignEvent::Resume, None).await, Err(CampaignError::Lifecycle(_))));
}

#[tokio::test]
async fn concurrent_transitions_apply_once() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let dir = tempfile::tempdir().unwrap();
    let id = listed_campaign(db.conn(), dir.path()).await;
    store::start(db.conn(), id, Utc::now()).await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let conn = db.conn().clone();
            tokio::spawn(async move { transition(&conn, id, &CampaignEvent::Pause, None).await })
        })
        .collect();
    let mut applied = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Some(t)) => {
                assert_eq!(t.to.paused_by, Some(PauseCause::User));
                applied += 1;
            }
            Err(CampaignError::Stale(_)) | Err(CampaignError::Lifecycle(LifecycleError::Already(_))) => {}
            Err(CampaignError::Repo(e)) if e.to_string().contains("lock") => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(applied, 1);
    let pauses = store::events(db.conn(), id).await.unwrap().into_iter().filter(|e| e.event == "pause").count();
    assert_eq!(pauses, 1);
}

#[tokio::test]
async fn a_start_time_in_the_future_schedules_and_the_dispatcher_starts_it() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    world(db).await;
    let mut n = new_campaign("Later", "Hello");
    n.contacts = vec![SHARED.into()];
    n.schedule.start_at = Some(Utc::now() + Duration::hours(3));
    let id = store::create(db, &DataPaths::new(dir.path()), &n).await.unwrap().id;
    let report = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((report.status, report.added), (CampaignStatus::Scheduled, 1));
    assert!(report.reason.starts_with("scheduled for "), "{}", report.reason);
    assert_eq!(store::load_schedule(db, id).await.unwrap().unwrap().start_at, n.schedule.start_at);
    // Starting it again before the time changes nothing.
    let again = store::start(db, id, Utc::now()).await.unwrap();
    assert_eq!((again.status, again.added), (CampaignStatus::Scheduled, 0));
    let t = transition(db, id, &CampaignEvent::StartTimeReached, None).await.unwrap().unwrap();
    assert_eq!(t.to.status, CampaignStatus::Running);
    let last = store::events(db, id).await.unwrap().pop().unwrap();
    assert_eq!((last.event.as_str(), last.actor.as_deref()), ("start time reached", Some("dispatcher")));
}

#[tokio::test]
async fn creation_errors_name_the_problem() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    world(db).await;
    let with = |f: &dyn Fn(&mut flock_core::campaigns::NewCampaign)| {
        let mut n = new_campaign("Bad", "Hello {{ first_name }}");
        n.contacts = vec![SHARED.into()];
        f(&mut n);
        n
    };
    let err = store::create(db, &paths, &with(&|n| n.text = "Hi {{ frist_name }}".into())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the message text: unknown variable `frist_name` at line 1, column 7 (did you mean `first_name`?)"
    );
    let err = store::create(db, &paths, &with(&|n| n.groups = vec!["999@g.us".into()])).await.unwrap_err();
    assert!(matches!(err, CampaignError::UnknownGroup(ref g) if g == "999@g.us"), "{err:?}");
    let err = store::create(db, &paths, &with(&|n| n.filters = vec![tagged("nope")])).await.unwrap_err();
    assert!(matches!(err, CampaignError::UnknownTag { .. }), "{err:?}");
    let err = store::create(db, &paths, &with(&|n| n.contacts = vec!["12".into()])).await.unwrap_err();
    assert!(matches!(err, CampaignError::BadPhone { .. }), "{err:?}");
    let err = store::create(db, &paths, &with(&|n| n.accounts = vec![999])).await.unwrap_err();
    assert!(matches!(err, CampaignError::UnknownAccount(999)), "{err:?}");
    let err = store::create(db, &paths, &with(&|n| n.contacts.clear())).await.unwrap_err();
    assert!(matches!(err, CampaignError::NoAudience), "{err:?}");
    let err = store::create(
        db,
        &paths,
        &with(&|n| {
            n.contacts.clear();
            n.filters = vec![flock_core::repo::contacts::ContactQuery {
                district: Some("Nowhere".into()),
                ..Default::default()
            }];
        }),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CampaignError::NoTargets), "{err:?}");
    assert!(err.report().fix.unwrap().contains("contacts list"));
    let err = store::create(db, &paths, &with(&|n| n.link = Some("not a link".into()))).await.unwrap_err();
    assert!(matches!(err, CampaignError::BadLink(_)), "{err:?}");
    // Nothing was written by the failed attempts.
    assert!(store::list(db).await.unwrap().is_empty());
}
