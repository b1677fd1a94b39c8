//! Outbox keys (the person or chat, not a contact row), what a lid→phone
//! merge does to them, and the inbox's keys.

use flock_core::contacts::{import_csv, ImportOptions};
use flock_core::entities::{campaign, contact, inbound_message, message};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::outbox::{self, contact_target, TargetKind, DUPLICATE_PERSON, LIVE};
use flock_core::repo::suppressions::{self, person_keys, Change};
use flock_core::repo::accounts;
use flock_testkit::TestDb;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

const PHONE: &str = "+919876543210";
const LID: &str = "555555555555555@lid";

fn member(wid: &str, phone: Option<&str>) -> ParticipantSnapshot {
    ParticipantSnapshot { wid: wid.into(), is_admin: false, is_super_admin: false, phone_e164: phone.map(str::to_string), name: None }
}

async fn sync(db: &DatabaseConnection, account_id: i64, members: Vec<ParticipantSnapshot>) {
    let group = GroupSnapshot {
        wa_id: "120363000000000001@g.us".into(),
        subject: "Salem Mango Growers".into(),
        description: None,
        participants: members,
        lid_addressing: true,
    };
    apply_snapshot(db, &AccountGroupsSnapshot { account_id, groups: vec![group] }, &[]).await.unwrap();
}

async fn campaign(db: &DatabaseConnection, name: &str) -> i64 {
    let now = chrono::Utc::now();
    campaign::ActiveModel {
        name: Set(name.into()),
        kind: Set("text".into()),
        status: Set("running".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// Enqueues a campaign's message to a contact, keyed as the enqueue keys it.
async fn enqueue(db: &DatabaseConnection, campaign_id: i64, c: &contact::Model, status: &str) -> message::Model {
    let target = contact_target(c).unwrap();
    let now = chrono::Utc::now();
    message::ActiveModel {
        campaign_id: Set(campaign_id),
        target_key: Set(target.key),
        target_kind: Set(target.kind.as_str().into()),
        contact_id: Set(Some(c.id)),
        status: Set(status.into()),
        sent_at: Set((status == "sent").then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
}

async fn rows_of(db: &DatabaseConnection, campaign_id: i64) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::CampaignId.eq(campaign_id))
        .order_by_asc(message::Column::Id)
        .all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_merge_never_gives_one_person_two_messages_of_a_campaign() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    // Before the merge the person is two contacts: a hidden group member and a CSV row.
    sync(conn, a.id, vec![member(LID, None)]).await;
    import_csv(conn, b"name,phone\nArun,9876543210\n", &ImportOptions::new("list.csv")).await.unwrap();
    let hidden = contact::Entity::find().filter(contact::Column::Lid.eq(LID)).one(conn).await.unwrap().unwrap();
    let known = contact::Entity::find().filter(contact::Column::Phone.eq(PHONE)).one(conn).await.unwrap().unwrap();
    assert_eq!(contact_target(&hidden).map(|t| (t.key, t.kind)), Some((LID.to_string(), TargetKind::Lid)));
    assert_eq!(contact_target(&known).map(|t| (t.key, t.kind)), Some((PHONE.to_string(), TargetKind::Phone)));

    let both_pending = campaign(conn, "both pending").await;
    enqueue(conn, both_pending, &hidden, "pending").await;
    enqueue(conn, both_pending, &known, "pending").await;
    let lid_sent = campaign(conn, "sent to the privacy id").await;
    let sent = enqueue(conn, lid_sent, &hidden, "sent").await;
    enqueue(conn, lid_sent, &known, "pending").await;
    let lid_only = campaign(conn, "only the privacy id").await;
    enqueue(conn, lid_only, &hidden, "pending").await;

    // The phone shows: one person.
    sync(conn, a.id, vec![member(LID, Some(PHONE))]).await;
    let person = contact::Entity::find().filter(contact::Column::Phone.eq(PHONE)).one(conn).await.unwrap().unwrap();
    assert_eq!(person.lid.as_deref(), Some(LID));

    let rows = rows_of(conn, both_pending).await;
    let live: Vec<&message::Model> = rows.iter().filter(|m| LIVE.contains(&m.status.as_str())).collect();
    assert_eq!(live.len(), 1, "{rows:?}");
    assert_eq!(live[0].target_key, PHONE, "the phone's row goes");
    let skipped = rows.iter().find(|m| m.status == "skipped").unwrap();
    assert_eq!(skipped.skip_reason.as_deref(), Some(DUPLICATE_PERSON));
    assert!(rows.iter().all(|m| m.contact_id == Some(person.id)), "both rows now name the merged contact");

    let rows = rows_of(conn, lid_sent).await;
    let live: Vec<&message::Model> = rows.iter().filter(|m| LIVE.contains(&m.status.as_str())).collect();
    assert_eq!(live.iter().map(|m| m.id).collect::<Vec<_>>(), vec![sent.id], "already sent: the pending twin is skipped");

    let rows = rows_of(conn, lid_only).await;
    assert_eq!((rows.len(), rows[0].target_key.as_str(), rows[0].target_kind.as_str()), (1, PHONE, "phone"), "rekeyed");
    // Enqueueing the person again (a second start, now keyed by phone) adds nothing.
    let again = message::Entity::insert(message::ActiveModel {
        campaign_id: Set(lid_only),
        target_key: Set(PHONE.into()),
        target_kind: Set("phone".into()),
        status: Set("pending".into()),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([message::Column::CampaignId, message::Column::TargetKey])
    .exec_without_returning(conn)
    .await
    .unwrap();
    assert!(!matches!(again, sea_orm::TryInsertResult::Inserted(n) if n > 0), "{again:?}");
    assert_eq!(rows_of(conn, lid_only).await.len(), 1);
    // Both keys of the person find the campaign's message.
    for key in [PHONE, LID] {
        assert!(outbox::campaign_reaches(conn, lid_only, &[key, PHONE], None).await.unwrap());
    }
    assert!(!outbox::campaign_reaches(conn, lid_only, &[PHONE, LID], Some(rows[0].id)).await.unwrap());

    // Whatever the campaign: at most one live message per person.
    for id in [both_pending, lid_sent, lid_only] {
        let live = rows_of(conn, id).await.into_iter().filter(|m| LIVE.contains(&m.status.as_str())).count();
        assert_eq!(live, 1, "campaign {id}");
    }
}

#[tokio::test]
async fn the_outbox_is_unique_per_campaign_and_person_and_the_claim_can_skip_suppressed_keys() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    import_csv(conn, b"name,phone\nArun,9876543210\nBala,9876543211\n", &ImportOptions::new("list.csv")).await.unwrap();
    let people = contact::Entity::find().order_by_asc(contact::Column::Phone).all(conn).await.unwrap();
    let c = campaign(conn, "c").await;
    for p in &people {
        enqueue(conn, c, p, "pending").await;
    }
    let duplicate = message::ActiveModel {
        campaign_id: Set(c),
        target_key: Set(PHONE.into()),
        target_kind: Set("phone".into()),
        status: Set("pending".into()),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await;
    assert!(duplicate.is_err(), "unique (campaign_id, target_key)");

    // Bala replies STOP after the campaign was enqueued: the claim query leaves him out.
    suppressions::suppress(conn, &person_keys(Some("+919876543211"), None), Change::manual(Some("STOP"), "test"), chrono::Utc::now())
        .await
        .unwrap();
    let claimable: Vec<String> = message::Entity::find()
        .select_only()
        .column(message::Column::TargetKey)
        .filter(message::Column::Status.eq("pending"))
        .filter(suppressions::not_suppressed(Expr::col((message::Entity, message::Column::TargetKey))))
        .into_tuple()
        .all(conn)
        .await
        .unwrap();
    assert_eq!(claimable, vec![PHONE.to_string()]);

    // Deleting a contact keeps its outbox rows (the person was messaged), without the link.
    flock_core::repo::contacts::delete(conn, &[people[0].id]).await.unwrap();
    let kept = rows_of(conn, c).await;
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].contact_id, None);
    assert_eq!(kept[0].target_key, PHONE);
}

#[tokio::test]
async fn the_inbox_is_unique_per_account_and_message_id_and_links_what_it_answers() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    let b = accounts::create(conn, "B").await.unwrap();
    import_csv(conn, b"name,phone\nArun,9876543210\n", &ImportOptions::new("list.csv")).await.unwrap();
    let arun = contact::Entity::find().one(conn).await.unwrap().unwrap();
    let c = campaign(conn, "c").await;
    let sent = enqueue(conn, c, &arun, "sent").await;
    let inbound = |account_id: i64, wa_id: &str, reply_to: Option<i64>| inbound_message::ActiveModel {
        account_id: Set(account_id),
        wa_message_id: Set(wa_id.into()),
        chat_id: Set("120363000000000001@g.us".into()),
        author_id: Set(Some("919876543210@c.us".into())),
        msg_type: Set("chat".into()),
        body: Set(Some("Interested".into())),
        quoted_wa_message_id: Set(Some("true_919876543210@c.us_3EB0AAAA".into())),
        reply_to_message_id: Set(reply_to),
        contact_id: Set(Some(arun.id)),
        is_opt_out: Set(false),
        sent_at: Set(chrono::Utc::now()),
        received_at: Set(chrono::Utc::now()),
        ..Default::default()
    };
    // Two of our accounts in one group both receive the same message.
    let first = inbound(a.id, "false_120363@g.us_3EB0BBBB", Some(sent.id)).insert(conn).await.unwrap();
    inbound(b.id, "false_120363@g.us_3EB0BBBB", None).insert(conn).await.unwrap();
    assert!(inbound(a.id, "false_120363@g.us_3EB0BBBB", None).insert(conn).await.is_err(), "once per account");
    assert_eq!(first.reply_to_message_id, Some(sent.id));

    // The campaign goes; the inbox keeps the reply, without the link.
    campaign::Entity::delete_by_id(c).exec(conn).await.unwrap();
    let kept = inbound_message::Entity::find_by_id(first.id).one(conn).await.unwrap().unwrap();
    assert_eq!((kept.reply_to_message_id, kept.contact_id), (None, Some(arun.id)));
}
