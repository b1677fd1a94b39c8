//! The Contacts page query: each filter, sorting, rows with tags and groups.

use flock_core::contacts::{import_csv, ImportOptions};
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::entities::group;
use flock_core::repo::contacts::{self, ContactQuery, ContactSort};
use flock_core::repo::{accounts, tags};
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

fn member(wid: &str) -> ParticipantSnapshot {
    ParticipantSnapshot { wid: wid.into(), is_admin: false, is_super_admin: false, phone_e164: None, name: None }
}

async fn names(db: &DatabaseConnection, query: ContactQuery) -> Vec<String> {
    let page = contacts::search(db, &ContactQuery { page_size: 100, ..query }).await.unwrap();
    assert_eq!(page.total as usize, page.items.len());
    page.items.into_iter().map(|r| r.name.unwrap_or_else(|| r.lid.unwrap_or_default())).collect()
}

#[tokio::test]
async fn every_filter_of_the_contacts_page() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let conn = db.conn();
    let csv = "name,phone,region,state,district,tags\n\
               Arun,9876543210,West,Tamil Nadu,Salem,farmer\n\
               Bala,9876543211,West,Tamil Nadu,Erode,farmer;vip\n\
               Chitra,9876543212,South,Tamil Nadu,Madurai,trader\n\
               Deepa,9876543213,,Kerala,,\n";
    import_csv(conn, csv.as_bytes(), &ImportOptions::new("t.csv")).await.unwrap();
    let a = accounts::create(conn, "A").await.unwrap();
    let snapshot = AccountGroupsSnapshot {
        account_id: a.id,
        groups: vec![
            GroupSnapshot {
                wa_id: "1@g.us".into(),
                subject: "Salem Mango Growers".into(),
                description: None,
                participants: vec![member("919876543210@c.us"), member("919876543212@c.us"), member("555555555555555@lid")],
                lid_addressing: true,
            },
            GroupSnapshot {
                wa_id: "2@g.us".into(),
                subject: "Erode Turmeric Growers".into(),
                description: None,
                participants: vec![member("919876543210@c.us")],
                lid_addressing: false,
            },
        ],
    };
    apply_snapshot(conn, &snapshot, &[]).await.unwrap();
    let chitra = contacts::search(conn, &ContactQuery { search: Some("chitra".into()), ..Default::default() }).await.unwrap();
    contacts::opt_out(conn, chitra.items[0].id, "STOP", "reply").await.unwrap();
    let salem = group::Entity::find().filter(group::Column::WaId.eq("1@g.us")).one(conn).await.unwrap().unwrap();

    let all = names(conn, ContactQuery::default()).await;
    assert_eq!(all, vec!["Arun", "Bala", "Chitra", "Deepa", "555555555555555@lid"], "by name, hidden (no name) last");
    assert_eq!(names(conn, ContactQuery { tag: Some("farmer".into()), ..Default::default() }).await, vec!["Arun", "Bala"]);
    assert_eq!(names(conn, ContactQuery { tag: Some("nope".into()), ..Default::default() }).await, Vec::<String>::new());
    assert_eq!(names(conn, ContactQuery { region: Some("West".into()), ..Default::default() }).await, vec!["Arun", "Bala"]);
    assert_eq!(names(conn, ContactQuery { state: Some("Kerala".into()), ..Default::default() }).await, vec!["Deepa"]);
    assert_eq!(names(conn, ContactQuery { district: Some("Madurai".into()), ..Default::default() }).await, vec!["Chitra"]);
    assert_eq!(
        names(conn, ContactQuery { group_id: Some(salem.id), ..Default::default() }).await,
        vec!["Arun", "Chitra", "555555555555555@lid"]
    );
    assert_eq!(names(conn, ContactQuery { opted_out: Some(true), ..Default::default() }).await, vec!["Chitra"]);
    assert_eq!(names(conn, ContactQuery { opted_out: Some(false), ..Default::default() }).await.len(), 4);
    assert_eq!(names(conn, ContactQuery { phone_hidden: Some(true), ..Default::default() }).await, vec!["555555555555555@lid"]);
    assert_eq!(names(conn, ContactQuery { phone_hidden: Some(false), ..Default::default() }).await.len(), 4);
    // Search: name, number however spaced, tag name.
    assert_eq!(names(conn, ContactQuery { search: Some("BAL".into()), ..Default::default() }).await, vec!["Bala"]);
    assert_eq!(names(conn, ContactQuery { search: Some("98765 43213".into()), ..Default::default() }).await, vec!["Deepa"]);
    assert_eq!(names(conn, ContactQuery { search: Some("trad".into()), ..Default::default() }).await, vec!["Chitra"]);
    // Filters combine.
    assert_eq!(
        names(conn, ContactQuery { tag: Some("farmer".into()), group_id: Some(salem.id), ..Default::default() }).await,
        vec!["Arun"]
    );
    // Sorts.
    assert_eq!(
        names(conn, ContactQuery { sort: ContactSort::Region, ..Default::default() }).await,
        vec!["Chitra", "Arun", "Bala", "Deepa", "555555555555555@lid"]
    );
    assert_eq!(names(conn, ContactQuery { sort: ContactSort::Newest, ..Default::default() }).await[0], "555555555555555@lid");
    // Paging.
    let page = contacts::search(conn, &ContactQuery { page: 1, page_size: 2, ..Default::default() }).await.unwrap();
    assert_eq!((page.total, page.items.len()), (5, 2));
    assert_eq!(page.items[0].name.as_deref(), Some("Chitra"));

    // The rows carry what the page shows.
    let rows = contacts::search(conn, &ContactQuery::default()).await.unwrap().items;
    let arun = &rows[0];
    assert_eq!((arun.tags.clone(), arun.group_count), (vec!["farmer".to_string()], 2));
    assert!(!arun.opted_out && !arun.phone_hidden);
    assert!(rows[2].opted_out && rows[2].opted_out_at.is_some());
    assert!(rows[4].phone_hidden && rows[4].phone.is_none());
    let json = serde_json::to_value(arun).unwrap();
    assert_eq!(json["groupCount"], 2);
    assert_eq!(json["phoneHidden"], false);

    // Bulk edit of a selection shows up in the filters.
    let ids: Vec<i64> = rows.iter().take(2).map(|r| r.id).collect();
    let res = tags::bulk_edit(conn, &tags::BulkEdit {
        target: tags::BulkTarget::Contacts,
        ids: ids.clone(),
        set: vec![tags::FieldChange { field: tags::OrgField::Segment, value: Some("dealer".into()) }],
        add_tags: vec!["q4".into(), "farmer".into()],
        remove_tags: vec![],
    })
    .await
    .unwrap();
    assert_eq!((res.updated, res.tagged), (2, 2), "Arun and Bala already had farmer");
    assert_eq!(names(conn, ContactQuery { segment: Some("dealer".into()), ..Default::default() }).await, vec!["Arun", "Bala"]);
    let res = tags::bulk_edit(conn, &tags::BulkEdit {
        target: tags::BulkTarget::Contacts,
        ids,
        set: vec![],
        add_tags: vec![],
        remove_tags: vec!["farmer".into()],
    })
    .await
    .unwrap();
    assert_eq!(res.untagged, 2);
    assert!(names(conn, ContactQuery { tag: Some("farmer".into()), ..Default::default() }).await.is_empty());
    let groups = tags::bulk_edit(conn, &tags::BulkEdit {
        target: tags::BulkTarget::Groups,
        ids: vec![salem.id],
        set: vec![tags::FieldChange { field: tags::OrgField::Segment, value: Some("x".into()) }],
        add_tags: vec![],
        remove_tags: vec![],
    })
    .await;
    assert!(groups.is_err(), "groups have no segment");
}
