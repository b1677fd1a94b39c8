//! "Retry failed" takes back only failed messages that certainly never
//! reached WhatsApp, never a row whose outcome was uncertain or that was
//! sent; a completed campaign runs again.

use chrono::{Duration, Utc};
use flock_core::campaigns::store::desk::{
    self, CsvChoice, DraftAudience, DraftMessage, DraftUpdate, MediaChoice,
};
use flock_core::campaigns::{
    transition, CampaignError, CampaignEvent, CampaignStatus, LifecycleError,
};
use flock_core::entities::{campaign, group, message, message_event};
use flock_core::paths::DataPaths;
use flock_testkit::TestDb;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::campaigns_support::*;

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;
const EXTRA: &str = "+919800000020";
const NOT_ON_WA: &str = "the number is not on WhatsApp";

async fn started(db: &DatabaseConnection, paths: &DataPaths) -> i64 {
    world(db).await;
    let g1 = group::Entity::find()
        .filter(group::Column::WaId.eq(G1))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let id = desk::create_draft(db, paths, "Retry", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    let step = DraftUpdate {
        message: Some(DraftMessage {
            text: "Hello {{ first_name | default(\"friend\") }}".into(),
            media: MediaChoice::None,
            link: None,
        }),
        audience: Some(DraftAudience {
            groups: vec![G1.into()],
            filters: vec![members_of(g1)],
            contacts: vec![EXTRA.into()],
            default_country: "IN".into(),
            csv: CsvChoice::Keep,
        }),
        ..Default::default()
    };
    desk::save_draft(db, paths, id, &step, ZONE).await.unwrap();
    desk::start_draft(db, id, Utc::now()).await.unwrap();
    id
}

async fn set(
    db: &DatabaseConnection,
    id: i64,
    key: &str,
    f: impl FnOnce(&mut message::ActiveModel),
) -> message::Model {
    let r = row(&rows(db, id).await, key).clone();
    let mut m: message::ActiveModel = r.into();
    m.account_id = Set(Some(1));
    m.attempts = Set(3);
    f(&mut m);
    m.update(db).await.unwrap()
}

fn failed(m: &mut message::ActiveModel, reason: &str) {
    m.status = Set("failed".into());
    m.failed_at = Set(Some(Utc::now()));
    m.last_error = Set(Some(reason.into()));
}

async fn history(db: &DatabaseConnection, message_id: i64) -> Vec<(String, Option<String>)> {
    message_event::Entity::find()
        .filter(message_event::Column::MessageId.eq(message_id))
        .order_by_asc(message_event::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.status, e.detail))
        .collect()
}

#[tokio::test]
async fn only_definitely_unsent_failures_go_back_to_pending_and_a_completed_campaign_runs_again() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let id = started(db, &paths).await;
    let text_before = row(&rows(db, id).await, SHARED).rendered_text.clone();

    // Refused by WhatsApp before anything was sent: retryable.
    let refused = set(db, id, SHARED, |m| failed(m, NOT_ON_WA)).await;
    // Accepted, then reported undeliverable (ack -1): it reached WhatsApp.
    set(db, id, ONLY_G1, |m| {
        failed(m, "WhatsApp did not deliver it (ack -1)");
        m.sent_at = Set(Some(Utc::now() - Duration::minutes(5)));
    })
    .await;
    // Failed, but an ack arrived while it was sending: it reached WhatsApp too.
    let acked = set(db, id, G1, |m| failed(m, NOT_ON_WA)).await;
    message_event::ActiveModel {
        message_id: Set(acked.id),
        status: Set("server".into()),
        ack: Set(Some(1)),
        detail: Set(None),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    // Outcome unknown: stays sending, whatever happens.
    let uncertain = set(db, id, EXTRA, |m| {
        m.status = Set("sending".into());
        m.wa_message_id = Set(Some("3EB0UNCERTAIN".into()));
    })
    .await;

    let r = desk::retry_failed(db, id, None).await.unwrap();
    assert_eq!(
        (r.moved, r.kept, r.reopened, r.status),
        (1, 2, false, CampaignStatus::Running)
    );
    let now = rows(db, id).await;
    let back = row(&now, SHARED);
    assert_eq!(
        (
            back.status.as_str(),
            back.attempts,
            back.account_id,
            back.failed_at,
            back.last_error.as_deref()
        ),
        ("pending", 0, None, None, None)
    );
    assert_eq!(back.rendered_text, text_before, "the very same text goes");
    assert_eq!(row(&now, ONLY_G1).status, "failed");
    assert_eq!(row(&now, G1).status, "failed");
    let still = row(&now, EXTRA);
    assert_eq!(
        (still.status.as_str(), still.wa_message_id.as_deref()),
        ("sending", Some("3EB0UNCERTAIN"))
    );
    assert_eq!(still.updated_at, uncertain.updated_at);
    let h = history(db, refused.id).await;
    assert_eq!(h.last().unwrap().0, "pending");
    assert!(
        h.last().unwrap().1.as_deref().unwrap().contains(NOT_ON_WA),
        "{h:?}"
    );

    // Finished: every row final. Failed again, then retried by reason.
    set(db, id, SHARED, |m| failed(m, NOT_ON_WA)).await;
    set(db, id, EXTRA, |m| {
        m.status = Set("sent".into());
        m.sent_at = Set(Some(Utc::now()));
    })
    .await;
    transition(db, id, &CampaignEvent::Finished, None)
        .await
        .unwrap();
    let other = desk::retry_failed(db, id, Some("some other reason"))
        .await
        .unwrap();
    assert_eq!(
        (other.moved, other.reopened, other.status),
        (0, false, CampaignStatus::Completed)
    );
    let r = desk::retry_failed(db, id, Some(NOT_ON_WA)).await.unwrap();
    assert_eq!(
        (r.moved, r.kept, r.reopened, r.status),
        (1, 1, true, CampaignStatus::Running)
    );
    let c = campaign::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.status.as_str(), c.finished_at), ("running", None));
    let last = flock_core::campaigns::store::events(db, id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(
        (last.from.as_str(), last.to.as_str(), last.event.as_str()),
        ("completed", "running", "retry failed")
    );
    assert_eq!(last.reason, "retry: 1 failed messages back to pending");
    // Nothing left to take back.
    let again = desk::retry_failed(db, id, None).await.unwrap();
    assert_eq!((again.moved, again.kept), (0, 2));
}

#[tokio::test]
async fn a_draft_or_cancelled_campaign_has_nothing_to_retry() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let db = db.conn();
    let dir = tempfile::tempdir().unwrap();
    let paths = DataPaths::new(dir.path());
    let id = started(db, &paths).await;
    set(db, id, SHARED, |m| failed(m, NOT_ON_WA)).await;
    transition(db, id, &CampaignEvent::Cancel, None)
        .await
        .unwrap();
    let err = desk::retry_failed(db, id, None).await.unwrap_err();
    assert!(
        matches!(
            err,
            CampaignError::Lifecycle(LifecycleError::Invalid {
                status: CampaignStatus::Cancelled,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(row(&rows(db, id).await, SHARED).status, "failed");
    let draft = desk::create_draft(db, &paths, "Empty", ZONE)
        .await
        .unwrap()
        .campaign
        .id;
    assert!(matches!(
        desk::retry_failed(db, draft, None).await,
        Err(CampaignError::Lifecycle(_))
    ));
    assert!(matches!(
        desk::retry_failed(db, 999, None).await,
        Err(CampaignError::NotFound(999))
    ));
}
