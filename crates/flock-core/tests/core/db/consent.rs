//! Where contacts came from and whether they gave consent, recorded honestly:
//! a group is not consent; a CSV consent column, an explicit mark are; a
//! person who wrote to us is counted apart.

use flock_core::contacts::{import_csv, preview, ImportOptions, RowOutcome};
use flock_core::entities::contact;
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::accounts;
use flock_core::repo::contacts::{self, ConsentMark, ContactQuery, ContactSource, ReachBreakdown};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

fn member(wid: &str) -> ParticipantSnapshot {
    ParticipantSnapshot { wid: wid.into(), is_admin: false, is_super_admin: false, phone_e164: None, name: None }
}

async fn phones(db: &DatabaseConnection, query: ContactQuery) -> Vec<String> {
    let page = contacts::search(db, &ContactQuery { sort: contacts::ContactSort::Phone, page_size: 100, ..query }).await.unwrap();
    page.items.into_iter().map(|r| r.phone.unwrap_or_else(|| r.lid.unwrap_or_default())).collect()
}

async fn contact_of(db: &DatabaseConnection, phone: &str) -> contact::Model {
    contact::Entity::find().filter(contact::Column::Phone.eq(phone)).one(db).await.unwrap().unwrap()
}

#[tokio::test]
async fn consent_comes_from_a_consent_column_or_a_mark_never_from_a_group() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let csv = "Name,Mobile,WhatsApp Opt-in\n\
               Arun,9876543210,yes\n\
               Bala,9876543211,no\n\
               Chitra,9876543212,30/11/2026\n\
               Deepa,9876543213,\n\
               Elango,9876543214,maybe\n";
    let p = preview(csv.as_bytes()).unwrap();
    assert_eq!(p.mapping.consent.as_deref(), Some("WhatsApp Opt-in"), "the consent column is proposed");
    let report = import_csv(conn, csv.as_bytes(), &ImportOptions::new("leads.csv")).await.unwrap();
    assert_eq!((report.totals.imported, report.totals.rejected), (4, 1));
    let elango = report.rows.iter().find(|r| r.row == 6).unwrap();
    assert_eq!(elango.outcome, RowOutcome::Rejected);
    assert!(elango.reason.as_deref().unwrap().contains("maybe"), "{elango:?}");

    let arun = contact_of(conn, "+919876543210").await;
    assert_eq!(arun.consent_source.as_deref(), Some("csv:leads.csv"));
    assert!(arun.consent_at.is_some());
    let chitra = contact_of(conn, "+919876543212").await;
    assert_eq!(chitra.consent_at.map(|t| t.date_naive().to_string()), Some("2026-11-30".into()), "the date written");
    assert_eq!(phones(conn, ContactQuery { consent: Some(true), ..Default::default() }).await, vec!["+919876543210", "+919876543212"]);
    assert_eq!(phones(conn, ContactQuery { consent: Some(false), ..Default::default() }).await, vec!["+919876543211", "+919876543213"]);

    // Two of them are also in a group, with a stranger: the group adds a source, never consent.
    let a = accounts::create(conn, "A").await.unwrap();
    let snapshot = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![GroupSnapshot {
            wa_id: "120363000000000001@g.us".into(),
            subject: "Salem Mango Growers".into(),
            description: None,
            participants: vec![member("919876543210@c.us"), member("919876543211@c.us"), member("919800000009@c.us")],
            lid_addressing: false,
        }],
    };
    apply_snapshot(conn, &snapshot, &[]).await.unwrap();
    let stranger = contacts::rows(conn, vec![contact_of(conn, "+919800000009").await]).await.unwrap().remove(0);
    assert_eq!((stranger.first_source, stranger.sources.clone()), (ContactSource::GroupSync, vec![ContactSource::GroupSync]));
    assert_eq!(stranger.origin.as_deref(), Some("group:120363000000000001@g.us"));
    assert!(!stranger.consent && stranger.consent_at.is_none() && stranger.consent_source.is_none());
    let bala = contacts::rows(conn, vec![contact_of(conn, "+919876543211").await]).await.unwrap().remove(0);
    assert_eq!((bala.first_source, bala.sources.clone()), (ContactSource::Csv, vec![ContactSource::GroupSync, ContactSource::Csv]));
    assert!(!bala.consent);
    assert!(contact_of(conn, "+919876543210").await.consent_at.is_some(), "a group keeps a consent given elsewhere");
    assert_eq!(phones(conn, ContactQuery { source: Some(ContactSource::GroupSync), ..Default::default() }).await.len(), 3);
    assert_eq!(phones(conn, ContactQuery { source: Some(ContactSource::Csv), ..Default::default() }).await.len(), 4);
    assert_eq!(phones(conn, ContactQuery { group_only: Some(true), ..Default::default() }).await, vec!["+919800000009"]);

    // A reply: the inbox records that Deepa wrote to us.
    let deepa = contact_of(conn, "+919876543213").await;
    // Whole seconds: PostgreSQL keeps microseconds.
    let at = chrono::DurationRound::duration_trunc(chrono::Utc::now(), chrono::TimeDelta::seconds(1)).unwrap();
    let row = contacts::record_inbound(conn, deepa.id, at).await.unwrap();
    assert_eq!((row.first_inbound_at, row.last_inbound_at), (Some(at), Some(at)));
    let later = at + chrono::Duration::minutes(5);
    let row = contacts::record_inbound(conn, deepa.id, later).await.unwrap();
    assert_eq!((row.first_inbound_at, row.last_inbound_at), (Some(at), Some(later)), "first stays, last moves");
    assert_eq!(phones(conn, ContactQuery { wrote_to_us: Some(true), ..Default::default() }).await, vec!["+919876543213"]);
    assert_eq!(
        phones(conn, ContactQuery { permitted: Some(true), ..Default::default() }).await,
        vec!["+919876543210", "+919876543212", "+919876543213"]
    );
    let deepa_row = contacts::rows(conn, vec![row]).await.unwrap().remove(0);
    assert!(deepa_row.wrote_to_us && deepa_row.sources.contains(&ContactSource::Reply) && !deepa_row.consent);

    // An explicit mark, and its withdrawal.
    let mark = ConsentMark { at, source: "manual: signed form".into() };
    let marked = contacts::set_consent(conn, bala.id, Some(&mark)).await.unwrap();
    assert_eq!((marked.consent_at, marked.consent_source.as_deref()), (Some(at), Some("manual: signed form")));
    let cleared = contacts::set_consent(conn, bala.id, None).await.unwrap();
    assert_eq!((cleared.consent_at, cleared.consent_source), (None, None));

    // What a campaign's audience will show.
    let all = contacts::reach_breakdown(conn, &ContactQuery::default()).await.unwrap();
    assert_eq!(all, ReachBreakdown { total: 5, consented: 2, wrote_to_us: 1, permitted: 3, group_only: 1, opted_out: 0 });
    let in_group = contacts::reach_breakdown(conn, &ContactQuery { source: Some(ContactSource::GroupSync), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((in_group.total, in_group.consented, in_group.group_only), (3, 1, 1));
}

#[tokio::test]
async fn a_consent_column_fills_consent_on_a_contact_that_had_none() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    import_csv(conn, b"name,phone\nArun,9876543210\n", &ImportOptions::new("first.csv")).await.unwrap();
    let report = import_csv(conn, b"name,phone,consent\nArun,9876543210,2026-11-01\n", &ImportOptions::new("consents.csv"))
        .await
        .unwrap();
    assert_eq!(report.rows[0].outcome, RowOutcome::Updated);
    assert!(report.rows[0].reason.as_deref().unwrap().contains("consent"), "{:?}", report.rows[0]);
    let arun = contact_of(conn, "+919876543210").await;
    assert_eq!(arun.consent_source.as_deref(), Some("csv:consents.csv"));
    assert_eq!(arun.origin.as_deref(), Some("import:first.csv"), "the origin stays the first file");
    let again = import_csv(conn, b"name,phone,consent\nArun,9876543210,2026-11-05\n", &ImportOptions::new("later.csv")).await.unwrap();
    assert_eq!(again.rows[0].outcome, RowOutcome::Duplicate, "a consent on record is not overwritten");
}
