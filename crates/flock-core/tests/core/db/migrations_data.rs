//! Data written by the first schema survives the migrations of the
//! suppression list, of contact origins and of the search table (both
//! backends).

use flock_core::entities::{contact, suppression, suppression_event};
use flock_core::repo::suppressions;
use flock_migrations::{Migrator, MigratorTrait};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Applies the migrations before the one whose name starts with `prefix`.
async fn up_to_before(conn: &sea_orm::DatabaseConnection, prefix: &str) {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_string()).collect();
    let before = names.iter().position(|n| n.starts_with(prefix)).unwrap_or_else(|| panic!("no migration {prefix}"));
    Migrator::up(conn, Some(before as u32)).await.unwrap();
}

#[tokio::test]
async fn old_opt_outs_and_origins_are_carried_into_the_new_schema() {
    let test = TestDb::new().await;
    let db = test.connect().await;
    let conn = db.conn();
    up_to_before(conn, "m20261201_000201").await;

    // As the first schema held them: origin in consent_source, opt-outs by contact row.
    for sql in [
        "INSERT INTO contacts (phone, lid, name, consent_source, opted_out_at, created_at, updated_at) VALUES \
         ('+919876543210', '555@lid', 'Arun', 'group:1@g.us', '2026-11-20 10:00:00+00:00', '2026-11-01 09:00:00+00:00', '2026-11-20 10:00:00+00:00'), \
         ('+919876543211', NULL, 'Bala', 'import:a.csv', NULL, '2026-11-02 09:00:00+00:00', '2026-11-12 09:00:00+00:00'), \
         (NULL, '666@lid', NULL, NULL, '2026-11-21 08:00:00+00:00', '2026-11-03 09:00:00+00:00', '2026-11-21 08:00:00+00:00')",
        "INSERT INTO opt_outs (contact_id, reason, source, created_at, revoked_at) \
         SELECT id, 'STOP', 'reply', '2026-11-20 10:00:00+00:00', NULL FROM contacts WHERE phone = '+919876543210'",
        "INSERT INTO opt_outs (contact_id, reason, source, created_at, revoked_at) \
         SELECT id, 'asked', 'manual', '2026-11-10 10:00:00+00:00', '2026-11-12 09:00:00+00:00' FROM contacts WHERE phone = '+919876543211'",
    ] {
        conn.execute_unprepared(sql).await.unwrap();
    }
    Migrator::up(conn, None).await.unwrap();

    let listed: Vec<(String, String, String, Option<String>)> = suppression::Entity::find()
        .order_by_asc(suppression::Column::Key)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.key, s.kind, s.source, s.reason))
        .collect();
    assert_eq!(listed, vec![
        ("+919876543210".into(), "phone".into(), "reply".into(), Some("STOP".into())),
        ("555@lid".into(), "lid".into(), "reply".into(), Some("STOP".into())),
        ("666@lid".into(), "lid".into(), "migrated".into(), None),
    ], "every opted-out contact, under each of its keys; Bala's lifted opt-out is not");
    let bala_history: Vec<String> = suppression_event::Entity::find()
        .filter(suppression_event::Column::Key.eq("+919876543211"))
        .order_by_asc(suppression_event::Column::At)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {} {}", e.action, e.source, e.reason.unwrap_or_default()))
        .collect();
    assert_eq!(bala_history, vec!["opt_out manual asked", "opt_in migrated "]);
    assert!(suppressions::is_suppressed(conn, None, Some("555@lid")).await.unwrap());
    assert!(!suppressions::is_suppressed(conn, Some("+919876543211"), None).await.unwrap());

    let rows: Vec<(Option<String>, String, i32, Option<String>, Option<String>, bool)> = contact::Entity::find()
        .order_by_asc(contact::Column::CreatedAt)
        .all(conn)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.first_source, c.sources, c.origin, c.consent_source, c.opted_out_at.is_some()))
        .collect();
    assert_eq!(rows, vec![
        (Some("Arun".into()), "group_sync".into(), 1, Some("group:1@g.us".into()), None, true),
        (Some("Bala".into()), "csv".into(), 2, Some("import:a.csv".into()), None, false),
        (None, "manual".into(), 8, None, None, true),
    ], "the origin moves out of consent_source: none of them gave consent");
}

/// `contacts_search` is made again without column sizes (SQLite): the
/// contacts written before are found after it, and the triggers keep it in
/// step for the ones written and renamed after (both backends: PostgreSQL's
/// trigram indexes are untouched, and the same searches must hold).
#[tokio::test]
async fn contacts_stay_searchable_across_the_search_table_rebuild() {
    use flock_core::repo::contacts::{self, ContactQuery};
    let test = TestDb::new().await;
    let db = test.connect().await;
    let conn = db.conn();
    up_to_before(conn, "m20261204_000701").await;
    conn.execute_unprepared(
        "INSERT INTO contacts (phone, name, created_at, updated_at) VALUES \
         ('+919876543210', 'Arun Kumar', '2026-11-01 09:00:00+00:00', '2026-11-01 09:00:00+00:00'), \
         ('+919555500000', 'Chitra Devi', '2026-11-01 09:00:00+00:00', '2026-11-01 09:00:00+00:00')",
    )
    .await
    .unwrap();
    Migrator::up(conn, None).await.unwrap();
    conn.execute_unprepared(
        "INSERT INTO contacts (phone, name, created_at, updated_at) VALUES \
         ('+919123400000', 'Bala Kumaran', '2026-11-02 09:00:00+00:00', '2026-11-02 09:00:00+00:00')",
    )
    .await
    .unwrap();
    conn.execute_unprepared("UPDATE contacts SET name = 'Arun Raj' WHERE phone = '+919876543210'").await.unwrap();

    let found = |text: &'static str| async move {
        let query = ContactQuery { search: Some(text.into()), page_size: 50, ..Default::default() };
        let page = contacts::search(conn, &query).await.unwrap();
        let mut phones: Vec<String> = page.items.into_iter().filter_map(|c| c.phone).collect();
        phones.sort();
        phones
    };
    assert_eq!(found("itra de").await, vec!["+919555500000"], "a row from before, untouched");
    assert_eq!(found("kumar").await, vec!["+919123400000"], "the rename left the index");
    assert_eq!(found("run ra").await, vec!["+919876543210"], "the row from before, renamed after");
    assert_eq!(found("76543").await, vec!["+919876543210"], "found by number");
    if test.backend == flock_core::db::Backend::Sqlite {
        let docsize = "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'contacts_search_docsize'";
        let row = conn.query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, docsize)).await;
        assert_eq!(row.unwrap().unwrap().try_get::<i64>("", "n").unwrap(), 0, "no column sizes kept");
    }
}
