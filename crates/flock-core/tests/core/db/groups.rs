use flock_core::repo::{accounts, groups, groups::GroupFacts};
use flock_testkit::TestDb;

#[tokio::test]
async fn a_group_shared_by_two_accounts_is_one_group_with_two_memberships() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let a = accounts::create(db.conn(), "A").await.unwrap();
    let b = accounts::create(db.conn(), "B").await.unwrap();
    let facts = GroupFacts {
        wa_id: "120363000000000001@g.us",
        subject: "Namakkal Farmers",
        description: None,
        member_count: 42,
    };
    let (g1, created) = groups::upsert(db.conn(), &facts).await.unwrap();
    assert!(created);
    groups::add_membership(db.conn(), a.id, g1.id, false).await.unwrap();
    let renamed = GroupFacts { subject: "Namakkal Farmers 2026", ..facts.clone() };
    let (g2, created) = groups::upsert(db.conn(), &renamed).await.unwrap();
    assert!(!created);
    assert_eq!(g1.id, g2.id);
    assert_eq!(g2.subject, "Namakkal Farmers 2026");
    groups::add_membership(db.conn(), b.id, g2.id, true).await.unwrap();
    groups::add_membership(db.conn(), b.id, g2.id, true).await.unwrap();

    assert_eq!(groups::list(db.conn()).await.unwrap().len(), 1);
    assert_eq!(groups::member_accounts(db.conn(), g1.id).await.unwrap(), vec![a.id, b.id]);
}
