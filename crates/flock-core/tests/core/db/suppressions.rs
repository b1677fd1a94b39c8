//! The suppression list: an opt-out belongs to the person (phone, privacy
//! id), not to a contact row, and survives deletes, re-imports and merges.

use flock_core::contacts::{import_csv, ImportOptions};
use flock_core::entities::contact;
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::accounts;
use flock_core::repo::contacts::{self, ContactQuery, ContactRow};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

const PHONE: &str = "+919876543210";
const LID: &str = "555555555555555@lid";

fn member(wid: &str, phone: Option<&str>) -> ParticipantSnapshot {
    ParticipantSnapshot {
        wid: wid.into(),
        is_admin: false,
        is_super_admin: false,
        phone_e164: phone.map(str::to_string),
        name: None,
    }
}

async fn sync(db: &DatabaseConnection, account_id: i64, members: Vec<ParticipantSnapshot>) {
    let snapshot = AccountGroupsSnapshot {
        account_id,
        groups: vec![GroupSnapshot {
            wa_id: "120363000000000001@g.us".into(),
            subject: "Salem Mango Growers".into(),
            description: None,
            participants: members,
            lid_addressing: true,
        }],
    };
    apply_snapshot(db, &snapshot, &[]).await.unwrap();
}

async fn import_phone(db: &DatabaseConnection) {
    let csv = "name,phone\nArun,98765 43210\n";
    let report = import_csv(db, csv.as_bytes(), &ImportOptions::new("list.csv")).await.unwrap();
    assert_eq!(report.totals.rejected, 0);
}

async fn by_phone(db: &DatabaseConnection) -> Option<contact::Model> {
    contact::Entity::find().filter(contact::Column::Phone.eq(PHONE)).one(db).await.unwrap()
}

async fn by_lid(db: &DatabaseConnection) -> Option<contact::Model> {
    contact::Entity::find().filter(contact::Column::Lid.eq(LID)).one(db).await.unwrap()
}

async fn opted_out_rows(db: &DatabaseConnection) -> Vec<ContactRow> {
    contacts::search(db, &ContactQuery { opted_out: Some(true), page_size: 100, ..Default::default() }).await.unwrap().items
}

async fn delete(db: &DatabaseConnection, id: i64) {
    contact::Entity::delete_by_id(id).exec(db).await.unwrap();
}

#[tokio::test]
async fn an_opt_out_survives_deleting_the_contact_and_the_number_coming_back() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    import_phone(conn).await;
    let arun = by_phone(conn).await.unwrap();
    contacts::opt_out(conn, arun.id, "replied STOP", "reply").await.unwrap();

    delete(conn, arun.id).await;
    assert!(by_phone(conn).await.is_none());
    import_phone(conn).await;
    let again = by_phone(conn).await.unwrap();
    assert_ne!(again.id, arun.id, "a new contact row");
    assert!(again.opted_out_at.is_some(), "the re-imported number is still opted out");
    assert_eq!(opted_out_rows(conn).await.len(), 1);

    // The same when a group sync brings the number back.
    delete(conn, again.id).await;
    let a = accounts::create(conn, "A").await.unwrap();
    sync(conn, a.id, vec![member("919876543210@c.us", None)]).await;
    let from_group = by_phone(conn).await.unwrap();
    assert!(from_group.opted_out_at.is_some(), "a number a group sync brings back is still opted out");
}

#[tokio::test]
async fn a_hidden_member_who_opted_out_stays_out_once_merged_with_its_phone() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    sync(conn, a.id, vec![member(LID, None)]).await;
    let hidden = by_lid(conn).await.unwrap();
    contacts::opt_out(conn, hidden.id, "replied STOP", "reply").await.unwrap();
    import_phone(conn).await;
    assert!(by_phone(conn).await.unwrap().opted_out_at.is_none(), "not yet known to be the same person");

    // The phone shows: one person, opted out.
    sync(conn, a.id, vec![member(LID, Some(PHONE))]).await;
    let merged = by_phone(conn).await.unwrap();
    assert_eq!(merged.lid.as_deref(), Some(LID));
    assert!(merged.opted_out_at.is_some());

    // Deleted and imported again by phone alone: still opted out.
    delete(conn, merged.id).await;
    import_phone(conn).await;
    assert!(by_phone(conn).await.unwrap().opted_out_at.is_some(), "the opt-out now holds for the phone too");
}

#[tokio::test]
async fn a_phone_that_opted_out_stays_out_once_its_privacy_id_is_known() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    import_phone(conn).await;
    let arun = by_phone(conn).await.unwrap();
    contacts::opt_out(conn, arun.id, "asked by phone", "manual").await.unwrap();
    let a = accounts::create(conn, "A").await.unwrap();
    sync(conn, a.id, vec![member(LID, None)]).await;
    assert!(by_lid(conn).await.unwrap().opted_out_at.is_none(), "not yet known to be the same person");

    sync(conn, a.id, vec![member(LID, Some(PHONE))]).await;
    let merged = by_phone(conn).await.unwrap();
    assert!(merged.opted_out_at.is_some());

    // Deleted; a group shows only the privacy id again: still opted out.
    delete(conn, merged.id).await;
    sync(conn, a.id, vec![member(LID, None)]).await;
    let hidden = by_lid(conn).await.unwrap();
    assert!(hidden.phone.is_none());
    assert!(hidden.opted_out_at.is_some(), "the opt-out now holds for the privacy id too");
}
