use flock_core::accounts::AccountState;
use flock_core::repo::{accounts, accounts::Transition, RepoError};
use flock_testkit::TestDb;

#[tokio::test]
async fn every_state_change_is_stored_with_its_history() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let account = accounts::create(db.conn(), " Sales 1 ").await.unwrap();
    assert_eq!(account.name, "Sales 1");
    assert_eq!(account.state, "new");

    let deadline = chrono::Utc::now() + chrono::Duration::seconds(90);
    let waiting = accounts::set_state(
        db.conn(),
        account.id,
        Transition {
            to: AccountState::WaitingForScan,
            reason: Some("showing a QR code"),
            fix: Some("scan it with the phone"),
            deadline: Some(deadline),
        },
    )
    .await
    .unwrap();
    assert_eq!(waiting.state, "waiting_for_scan");
    assert_eq!(waiting.state_fix.as_deref(), Some("scan it with the phone"));
    assert!(waiting.state_deadline.is_some());

    let events = accounts::events(db.conn(), account.id).await.unwrap();
    let path: Vec<_> = events.iter().map(|e| (e.from_state.clone(), e.to_state.clone())).collect();
    assert_eq!(
        path,
        vec![(None, "new".into()), (Some("new".into()), "waiting_for_scan".into())]
    );
}

#[tokio::test]
async fn a_number_can_belong_to_one_account_only() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let first = accounts::create(db.conn(), "A").await.unwrap();
    let second = accounts::create(db.conn(), "B").await.unwrap();
    accounts::set_identity(db.conn(), first.id, "+919800000001", "919800000001@c.us", Some("Ravi"))
        .await
        .unwrap();
    let err = accounts::set_identity(db.conn(), second.id, "+919800000001", "919800000001@c.us", None)
        .await
        .unwrap_err();
    match err {
        RepoError::Conflict { message, .. } => assert!(message.contains("already linked as account \"A\"")),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let got = accounts::get(db.conn(), first.id).await.unwrap();
    assert_eq!(got.phone.as_deref(), Some("+919800000001"));
    assert_eq!(got.profile_name.as_deref(), Some("Ravi"));
    assert!(accounts::get(db.conn(), second.id).await.unwrap().phone.is_none());
}

#[tokio::test]
async fn removing_an_account_removes_its_history() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let account = accounts::create(db.conn(), "A").await.unwrap();
    accounts::remove(db.conn(), account.id).await.unwrap();
    assert!(matches!(accounts::get(db.conn(), account.id).await, Err(RepoError::NotFound { .. })));
    assert!(accounts::events(db.conn(), account.id).await.unwrap().is_empty());
    assert!(matches!(accounts::remove(db.conn(), account.id).await, Err(RepoError::NotFound { .. })));
}
