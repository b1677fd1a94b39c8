use flock_core::repo::contacts::{self, ContactKey, ContactQuery, ContactSort};
use flock_testkit::TestDb;

#[tokio::test]
async fn a_contact_is_stored_once_per_number_or_privacy_id() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let (a, created) = contacts::upsert(db.conn(), ContactKey::Phone("+919876543210"), None).await.unwrap();
    assert!(created);
    let (again, created) =
        contacts::upsert(db.conn(), ContactKey::Phone("+919876543210"), Some("Kavya")).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, a.id);
    assert_eq!(again.name.as_deref(), Some("Kavya"), "a missing name is filled in");
    let (kept, _) =
        contacts::upsert(db.conn(), ContactKey::Phone("+919876543210"), Some("Other")).await.unwrap();
    assert_eq!(kept.name.as_deref(), Some("Kavya"), "a known name is not overwritten");

    let (hidden, created) = contacts::upsert(db.conn(), ContactKey::Lid("12345678901234@lid"), None).await.unwrap();
    assert!(created);
    assert!(hidden.phone.is_none(), "phone hidden: nothing invented");
    assert_eq!(hidden.lid.as_deref(), Some("12345678901234@lid"));
}

#[tokio::test]
async fn search_filters_sorts_and_pages() {
    let test = TestDb::new().await;
    let db = test.open().await;
    for (i, name) in ["Arun", "bala", "Chitra", "Deepa", "Elango"].iter().enumerate() {
        let phone = format!("+9198765432{i:02}");
        contacts::upsert(db.conn(), ContactKey::Phone(&phone), Some(name)).await.unwrap();
    }
    let page = contacts::search(
        db.conn(),
        &ContactQuery { sort: ContactSort::Name, page: 0, page_size: 2, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.items.len(), 2);

    let found = contacts::search(
        db.conn(),
        &ContactQuery { search: Some("BAL".into()), page_size: 50, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(found.items.iter().map(|c| c.name.clone().unwrap()).collect::<Vec<_>>(), vec!["bala"]);

    let by_number = contacts::search(
        db.conn(),
        &ContactQuery { search: Some("43204".into()), page_size: 50, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(by_number.total, 1);
}

#[tokio::test]
async fn opting_out_and_back_in_keeps_the_history() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let (c, _) = contacts::upsert(db.conn(), ContactKey::Phone("+919876543210"), Some("Kavya")).await.unwrap();
    let out = contacts::opt_out(db.conn(), c.id, "replied STOP", "reply").await.unwrap();
    assert!(out.opted_out_at.is_some());
    let only_out = contacts::search(
        db.conn(),
        &ContactQuery { opted_out: Some(true), page_size: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(only_out.total, 1);
    let back = contacts::opt_in(db.conn(), c.id).await.unwrap();
    assert!(back.opted_out_at.is_none());
    let reachable = contacts::search(
        db.conn(),
        &ContactQuery { opted_out: Some(false), page_size: 10, ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(reachable.total, 1);
}
