//! The suppression list's API as the dispatcher and the inbox use it: the
//! per-person check, the batch check, the history, and the opted-out column
//! of the Contacts page kept equal to the list by every writer.

use flock_core::contacts::{import_csv, ImportOptions};
use flock_core::entities::contact;
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::contacts::{self, ContactKey};
use flock_core::repo::suppressions::{self, person_keys, Change, KeyKind, SuppressionSource};
use flock_core::repo::accounts;
use flock_testkit::TestDb;
use sea_orm::{DatabaseConnection, EntityTrait};

fn member(wid: &str, phone: Option<&str>) -> ParticipantSnapshot {
    ParticipantSnapshot { wid: wid.into(), is_admin: false, is_super_admin: false, phone_e164: phone.map(str::to_string), name: None }
}

async fn sync(db: &DatabaseConnection, account_id: i64, members: Vec<ParticipantSnapshot>) {
    let group = GroupSnapshot {
        wa_id: "120363000000000009@g.us".into(),
        subject: "Erode Traders".into(),
        description: None,
        participants: members,
        lid_addressing: true,
    };
    apply_snapshot(db, &AccountGroupsSnapshot { account_id, groups: vec![group] }, &[]).await.unwrap();
}

/// Every contact's opted-out column says what the list says.
async fn assert_column_matches_list(db: &DatabaseConnection) {
    for c in contact::Entity::find().all(db).await.unwrap() {
        let listed = suppressions::is_suppressed(db, c.phone.as_deref(), c.lid.as_deref()).await.unwrap();
        assert_eq!(c.opted_out_at.is_some(), listed, "contact {c:?}");
    }
}

#[tokio::test]
async fn the_dispatcher_check_finds_a_person_by_either_key() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    assert!(!suppressions::is_suppressed(conn, Some("+919876543210"), None).await.unwrap());
    let (c, _) = contacts::upsert(conn, ContactKey::Lid("777@lid"), None).await.unwrap();
    contacts::opt_out_by(conn, c.id, Change { source: SuppressionSource::Reply, reason: Some("STOP"), actor: Some("account:1") })
        .await
        .unwrap();
    assert!(suppressions::is_suppressed(conn, None, Some("777@lid")).await.unwrap());
    assert!(suppressions::is_suppressed(conn, None, Some("777:12@lid")).await.unwrap(), "a device suffix is the same person");
    assert!(suppressions::is_suppressed(conn, Some("+919876543210"), Some("777@lid")).await.unwrap());
    assert!(!suppressions::is_suppressed(conn, Some("+919876543210"), None).await.unwrap());
    assert!(!suppressions::is_suppressed(conn, None, None).await.unwrap());

    // The batch form, for enqueueing many (more keys than one statement may bind).
    let mut keys: Vec<String> = (0..12_000).map(|i| format!("+9190000{i:05}")).collect();
    keys.push("777@lid".into());
    let found = suppressions::suppressed_keys(conn, &keys).await.unwrap();
    assert_eq!(found.keys().cloned().collect::<Vec<_>>(), vec!["777@lid".to_string()]);
}

#[tokio::test]
async fn opting_out_and_in_keeps_who_when_where_and_why() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    sync(conn, a.id, vec![member("888@lid", Some("+919812345678"))]).await;
    let c = contact::Entity::find().one(conn).await.unwrap().unwrap();
    assert_eq!((c.phone.as_deref(), c.lid.as_deref()), (Some("+919812345678"), Some("888@lid")));
    let out = contacts::opt_out_by(conn, c.id, Change { source: SuppressionSource::Reply, reason: Some("STOP"), actor: Some("account:1") })
        .await
        .unwrap();
    assert!(out.opted_out_at.is_some());
    let back = contacts::opt_in_by(conn, c.id, Change::manual(Some("asked to hear from us again"), "app")).await.unwrap();
    assert!(back.opted_out_at.is_none());
    assert!(!suppressions::is_suppressed(conn, Some("+919812345678"), Some("888@lid")).await.unwrap());

    // The contact row goes; the history stays, under both keys.
    contacts::delete(conn, &[c.id]).await.unwrap();
    let history = suppressions::history(conn, &person_keys(Some("+919812345678"), Some("888@lid"))).await.unwrap();
    let seen: Vec<(&str, KeyKind, &str, Option<&str>, Option<&str>)> = history
        .iter()
        .map(|e| (e.action.as_str(), e.kind, e.source.as_str(), e.actor.as_deref(), e.reason.as_deref()))
        .collect();
    assert_eq!(seen.len(), 4, "{history:?}");
    assert_eq!(&seen[..2], &[
        ("opt_in", seen[0].1, "manual", Some("app"), Some("asked to hear from us again")),
        ("opt_in", seen[1].1, "manual", Some("app"), Some("asked to hear from us again")),
    ]);
    assert!(seen[2..].iter().all(|e| e.0 == "opt_out" && e.2 == "reply" && e.3 == Some("account:1") && e.4 == Some("STOP")));
    let mut kinds: Vec<KeyKind> = seen[2..].iter().map(|e| e.1).collect();
    kinds.sort_by_key(|k| k.as_str());
    assert_eq!(kinds, vec![KeyKind::Lid, KeyKind::Phone]);
    assert!(history.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
}

#[tokio::test]
async fn every_writer_keeps_the_opted_out_column_equal_to_the_list() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let a = accounts::create(conn, "A").await.unwrap();
    // A "do not contact" number and a privacy id, suppressed before they are contacts.
    let at = chrono::Utc::now();
    let keys = person_keys(Some("+919800000001"), Some("901@lid"));
    let dnc = Change { source: SuppressionSource::Import, reason: Some("do-not-contact list"), actor: Some("flockctl") };
    suppressions::suppress(conn, &keys, dnc, at).await.unwrap();
    let csv = "name,phone\nOne,9800000001\nTwo,9800000002\n";
    import_csv(conn, csv.as_bytes(), &ImportOptions::new("a.csv")).await.unwrap();
    assert_column_matches_list(conn).await;
    sync(conn, a.id, vec![member("901@lid", None), member("902@lid", None), member("919800000003@c.us", None)]).await;
    assert_column_matches_list(conn).await;
    let (manual, _) = contacts::upsert(conn, ContactKey::Phone("+919800000001"), None).await.unwrap();
    assert!(manual.opted_out_at.is_some());
    // 902 turns out to be Two: the merge keeps the column right.
    let two = contacts::upsert(conn, ContactKey::Phone("+919800000002"), None).await.unwrap().0;
    contacts::opt_out(conn, two.id, "STOP", "reply").await.unwrap();
    sync(conn, a.id, vec![member("901@lid", None), member("902@lid", Some("+919800000002")), member("919800000003@c.us", None)])
        .await;
    assert_column_matches_list(conn).await;
    assert!(suppressions::is_suppressed(conn, None, Some("902@lid")).await.unwrap());
    // Lifting one key of a person refreshes the row too.
    suppressions::lift(conn, &person_keys(None, Some("901@lid")), Change::manual(None, "flockctl"), chrono::Utc::now())
        .await
        .unwrap();
    assert_column_matches_list(conn).await;
    let counted = contacts::search(conn, &contacts::ContactQuery { opted_out: Some(true), ..Default::default() }).await.unwrap();
    assert_eq!(counted.total, 2, "One (+919800000001) and Two (+919800000002 / 902@lid)");
}

/// The import writes its rows through one JSON parameter: the times it
/// stores (a consent from the file, an opt-out carried over from the list)
/// must be the very values every other writer stores, or SQLite, which
/// compares them as text, would miss them in an equality or a range.
#[tokio::test]
async fn times_an_import_writes_compare_equal_to_the_same_times_written_anywhere_else() {
    use chrono::{DurationRound, TimeDelta, TimeZone};
    use flock_core::repo::contacts::ConsentMark;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder};
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    // Microseconds with a fraction (PostgreSQL keeps microseconds).
    let at = chrono::Utc::now().duration_trunc(TimeDelta::microseconds(1)).unwrap();
    let dnc = Change { source: SuppressionSource::Import, reason: Some("do-not-contact list"), actor: Some("flockctl") };
    suppressions::suppress(conn, &person_keys(Some("+919800000001"), None), dnc, at).await.unwrap();
    let csv = "name,phone,consent\nOne,9800000001,no\nTwo,9800000002,2026-11-01\nThree,9800000003,2026-11-02T10:00:00+05:30\n";
    let report = import_csv(conn, csv.as_bytes(), &ImportOptions::new("a.csv")).await.unwrap();
    assert_eq!(report.totals.imported, 3, "{:?}", report.rows);
    let find = || contact::Entity::find();
    assert_eq!(find().filter(contact::Column::OptedOutAt.eq(at)).count(conn).await.unwrap(), 1, "the opt-out's own time");
    let nov1 = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let nov2 = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 4, 30, 0).unwrap();
    assert_eq!(find().filter(contact::Column::ConsentAt.eq(nov1)).count(conn).await.unwrap(), 1);
    assert_eq!(find().filter(contact::Column::ConsentAt.eq(nov2)).count(conn).await.unwrap(), 1, "10:00 in India is 04:30 UTC");
    // A range across both kinds of writer: a consent set through the API after the import sorts after both.
    let later = nov2 + TimeDelta::hours(1);
    let one = find().filter(contact::Column::Phone.eq("+919800000001")).one(conn).await.unwrap().unwrap();
    contacts::set_consent(conn, one.id, Some(&ConsentMark { at: later, source: "manual".into() })).await.unwrap();
    let by_consent: Vec<String> = find()
        .filter(contact::Column::ConsentAt.gt(nov1))
        .order_by_asc(contact::Column::ConsentAt)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.phone)
        .collect();
    assert_eq!(by_consent, ["+919800000003", "+919800000001"]);
    let created = find().filter(contact::Column::CreatedAt.lte(chrono::Utc::now())).count(conn).await.unwrap();
    assert_eq!(created, 3, "the import's own time compares with a time bound by the ORM");
}
