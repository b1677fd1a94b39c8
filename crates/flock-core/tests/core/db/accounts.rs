use flock_core::accounts::AccountState;
use flock_core::repo::{accounts, accounts::Transition, RepoError};
use flock_migrations::{Migrator, MigratorTrait};
use flock_testkit::TestDb;
use sea_orm::{ConnectionTrait, Statement};

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
        account.version,
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

fn to(state: AccountState) -> Transition<'static> {
    Transition { to: state, reason: Some("test"), fix: None, deadline: None }
}

/// Two writers read the same version; the second write loses with `Stale`
/// and changes nothing, so it cannot silently undo the first.
#[tokio::test]
async fn state_writes_are_compare_and_set_on_the_version() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let a = accounts::create(db.conn(), "A").await.unwrap();
    assert_eq!(a.version, 0);
    let first = accounts::set_state(db.conn(), a.id, a.version, to(AccountState::LoggedOut)).await.unwrap();
    assert_eq!(first.version, 1);
    let lost = accounts::set_state(db.conn(), a.id, a.version, to(AccountState::Reconnecting)).await.unwrap_err();
    assert!(matches!(lost, RepoError::Stale { id, .. } if id == a.id), "{lost:?}");
    let now = accounts::get(db.conn(), a.id).await.unwrap();
    assert_eq!((now.state.as_str(), now.version), ("logged_out", 1));
    assert_eq!(accounts::events(db.conn(), a.id).await.unwrap().len(), 2, "the lost write left no history");
    // The identity too.
    let identity = accounts::Identity { phone: "+919800000001", wa_id: "919800000001@c.us", profile_name: None };
    assert!(matches!(accounts::store_identity(db.conn(), a.id, 0, &identity).await, Err(RepoError::Stale { .. })));
    assert!(matches!(accounts::clear_identity(db.conn(), a.id, 0).await, Err(RepoError::Stale { .. })));
    assert!(matches!(accounts::set_state(db.conn(), 999, 0, to(AccountState::New)).await, Err(RepoError::NotFound { .. })));
}

/// A session that reports another number than the account's stored one is
/// refused, naming both numbers; the stored number stays.
#[tokio::test]
async fn an_account_keeps_its_number() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let a = accounts::create(db.conn(), "Sales").await.unwrap();
    accounts::set_identity(db.conn(), a.id, "+919800000001", "919800000001@c.us", None).await.unwrap();
    let row = accounts::get(db.conn(), a.id).await.unwrap();
    let other = accounts::Identity { phone: "+919800000002", wa_id: "919800000002@c.us", profile_name: None };
    let outcome = accounts::store_identity(db.conn(), a.id, row.version, &other).await.unwrap();
    assert_eq!(outcome, accounts::IdentityOutcome::OtherNumber { stored: "+919800000001".into() });
    let err = accounts::set_identity(db.conn(), a.id, "+919800000002", "919800000002@c.us", None).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("+919800000001") && message.contains("+919800000002"), "{message}");
    assert_eq!(accounts::get(db.conn(), a.id).await.unwrap().phone.as_deref(), Some("+919800000001"));
}

/// Accounts made before the UUID column get one each, distinct; the
/// database gets its own id, once.
#[tokio::test]
async fn existing_accounts_get_a_uuid_and_the_database_an_id() {
    let test = TestDb::new().await;
    let db = test.connect().await;
    let before_uuid = Migrator::migrations().iter().position(|m| m.name() == "m20261201_000101_add_accounts_uuid").unwrap();
    Migrator::up(db.conn(), Some(before_uuid as u32)).await.unwrap();
    let backend = db.conn().get_database_backend();
    for name in ["Old 1", "Old 2"] {
        db.conn()
            .execute_raw(Statement::from_string(
                backend,
                format!(
                    "INSERT INTO accounts (name, state, show_browser, created_at, updated_at) \
                     VALUES ('{name}', 'active', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
            ))
            .await
            .unwrap();
    }
    Migrator::up(db.conn(), None).await.unwrap();
    let rows = accounts::list(db.conn()).await.unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert!(uuid::Uuid::parse_str(&r.uuid).is_ok(), "{r:?}");
        assert_eq!(r.version, 0);
    }
    assert_ne!(rows[0].uuid, rows[1].uuid);
    let id = accounts::database_id(db.conn()).await.unwrap();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    // A new account gets its own too, and the UUID is unique.
    let c = accounts::create(db.conn(), "New").await.unwrap();
    assert!(rows.iter().all(|r| r.uuid != c.uuid));
    let dup = db
        .conn()
        .execute_raw(Statement::from_string(backend, format!("UPDATE accounts SET uuid = '{}' WHERE id = {}", rows[0].uuid, c.id)))
        .await;
    assert!(dup.is_err(), "two accounts cannot share a UUID");
    // Migrating again does not change the database's id.
    db.migrate().await.unwrap();
    assert_eq!(accounts::database_id(db.conn()).await.unwrap(), id);
}
