//! An account always opens its own WhatsApp: profiles keyed by the account's
//! UUID and marked with the database's id, a switch of database that stops
//! the old sessions first, a legacy `account-<id>` folder that goes to the
//! database whose number it is, and a profile logged in as another number
//! that never makes the account active.

use flock_core::accounts::{AccountManager, AccountState};
use flock_core::db::{Database, DatabaseTarget};
use flock_core::lock::{DataLock, LockError};
use flock_core::services::{Services, ServicesError};
use flock_testkit::TestDb;

use super::support::*;

/// A SQLite database file of its own (the app's local database).
async fn sqlite_db(dir: &tempfile::TempDir) -> Database {
    Database::open(DatabaseTarget::sqlite_file(dir.path().join("flock.sqlite3"))).await.expect("open SQLite")
}

/// Once the account's session is up: the account's number and the number
/// of the one logged-in page the simulator has.
async fn opened_as(w: &World, m: &AccountManager, id: i64) -> (Option<String>, Option<String>) {
    // `running` too: right after a start the stored state still says
    // `active` from the last run until the restore begins.
    let v = wait_for(m, "the account's session to be active", || async {
        let v = m.get(id).await.ok()?;
        (v.state == AccountState::Active && v.running).then_some(v)
    })
    .await;
    let phones = wait_for(m, "one logged-in page", || async {
        let s = w.sim.sessions().await;
        (s.len() == 1 && s[0].phone.is_some()).then(|| s[0].phone.clone())
    })
    .await;
    (v.phone, phones)
}

#[tokio::test]
async fn switching_databases_each_account_1_opens_its_own_number() {
    let w = World::new().await;
    let lock = DataLock::acquire(&w.paths(), "test").unwrap();
    let sqlite_dir = tempfile::tempdir().unwrap();
    // The other database: PostgreSQL when the run asks for it, else a second SQLite file.
    let other = TestDb::new().await;

    // SQLite: account 1 linked with the first phone.
    let svc = Services::start(&lock, sqlite_db(&sqlite_dir).await, w.config(), None).await.unwrap();
    let a = svc.accounts().add("Sales (SQLite)").await.unwrap();
    link_by_qr(&w.sim, svc.accounts(), a.id, PHONES[0]).await;
    wait_login_on_disk(svc.accounts(), &profile_of(&w.paths(), &a)).await;

    // A second Services on this data folder while the first runs is refused.
    let refused = Services::start(&lock, other.open().await, w.config(), None).await;
    assert!(matches!(refused, Err(ServicesError::Lock(LockError::SessionsRunning { .. }))), "{:?}", refused.err());

    // Switch to the other database: its account 1 is linked with the second phone.
    let (old, svc) = svc.switch(&lock, other.open().await, w.config(), None).await.unwrap();
    old.close().await.unwrap();
    wait_for(svc.accounts(), "the SQLite account's page to close", || async {
        w.sim.sessions().await.is_empty().then_some(())
    })
    .await;
    let b = svc.accounts().add("Sales (other)").await.unwrap();
    assert_eq!(b.id, a.id, "both databases have an account 1");
    assert_ne!(b.uuid, a.uuid);
    let mut events = svc.accounts().subscribe();
    svc.accounts().link(b.id, flock_core::accounts::LinkMethod::Qr).await.unwrap();
    // A fresh profile: it shows a QR (the SQLite account's login is not reused).
    let qr = next_qr(&mut events, b.id).await;
    scan_until_accepted(&w.sim, svc.accounts(), b.id, qr, PHONES[1], &mut events).await;
    assert_eq!(opened_as(&w, svc.accounts(), b.id).await, (Some(PHONES[1].into()), Some(PHONES[1].into())));
    wait_login_on_disk(svc.accounts(), &profile_of(&w.paths(), &b)).await;

    // Back and forth, as Settings, switch database does: each opens its own number.
    let mut svc = svc;
    for round in 0..2 {
        for (db, id, phone) in [(sqlite_db(&sqlite_dir).await, a.id, PHONES[0]), (other.open().await, b.id, PHONES[1])] {
            let (old, next) = svc.switch(&lock, db, w.config(), None).await.unwrap();
            old.close().await.unwrap();
            svc = next;
            assert_eq!(svc.restoring(), 1, "round {round}");
            let opened = opened_as(&w, svc.accounts(), id).await;
            assert_eq!(opened, (Some(phone.to_string()), Some(phone.to_string())), "round {round}");
        }
    }
    // Nobody was unlinked on the way.
    assert_eq!((w.devices(PHONES[0]).await, w.devices(PHONES[1]).await), (Some(1), Some(1)));
    let db = svc.stop().await;
    assert_no_overdue(&AccountManager::new(db, w.paths(), w.settings())).await;
    let _ = w.sim.shutdown().await;
}

/// Today's data folders hold `profiles/account-1/`, made by whichever
/// database ran account 1 last. On the first start the database whose
/// account 1 is linked claims it; the session's number settles whose it is.
#[tokio::test]
async fn a_legacy_profile_goes_to_the_database_whose_number_it_is() {
    let w = World::new().await;
    let lock = DataLock::acquire(&w.paths(), "test").unwrap();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let other = TestDb::new().await;

    // An account 1 linked with the first phone, its profile then put back
    // where Flock used to keep it (`account-1`, no marker).
    let svc = Services::start(&lock, sqlite_db(&sqlite_dir).await, w.config(), None).await.unwrap();
    let a = svc.accounts().add("Sales (SQLite)").await.unwrap();
    link_by_qr(&w.sim, svc.accounts(), a.id, PHONES[0]).await;
    wait_login_on_disk(svc.accounts(), &profile_of(&w.paths(), &a)).await;
    svc.stop().await.close().await.unwrap();
    let legacy = w.paths().profiles_dir().join(format!("account-{}", a.id));
    std::fs::rename(profile_of(&w.paths(), &a), &legacy).unwrap();
    std::fs::remove_file(legacy.join(flock_core::accounts::profile::MARKER)).unwrap();

    // The other database's account 1 is linked with the second phone.
    let db = other.open().await;
    let b = flock_core::repo::accounts::create(db.conn(), "Sales (other)").await.unwrap();
    flock_core::repo::accounts::set_identity(db.conn(), b.id, PHONES[1], "919800000002@c.us", None).await.unwrap();
    let to_active = flock_core::repo::accounts::Transition { to: AccountState::Active, reason: None, fix: None, deadline: None };
    flock_core::repo::accounts::set_state(db.conn(), b.id, b.version + 1, to_active).await.unwrap();

    // It starts first and claims the folder: the session is the first phone.
    let svc = Services::start(&lock, db, w.config(), None).await.unwrap();
    assert_eq!(svc.restoring(), 1);
    let failed = wait_stopped(svc.accounts(), b.id, AccountState::Failed).await;
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(reason.contains(PHONES[0]) && reason.contains(PHONES[1]), "names both numbers: {failed:?}");
    assert!(failed.fix.as_deref().unwrap_or("").contains("reset"), "{failed:?}");
    assert_eq!(failed.phone.as_deref(), Some(PHONES[1]), "its own number is kept");
    // Given back untouched: the first phone's device is still linked.
    assert!(legacy.is_dir() && !profile_of(&w.paths(), &failed).exists());
    assert_eq!(w.devices(PHONES[0]).await, Some(1));

    // SQLite's account 1 claims it next, and it is its number: active, and the profile is its own now.
    let (old, svc) = svc.switch(&lock, sqlite_db(&sqlite_dir).await, w.config(), None).await.unwrap();
    old.close().await.unwrap();
    assert_eq!(opened_as(&w, svc.accounts(), a.id).await, (Some(PHONES[0].into()), Some(PHONES[0].into())));
    let marker = flock_core::accounts::profile::read_marker(&profile_of(&w.paths(), &a)).unwrap().unwrap();
    assert!(!marker.provisional && marker.account_uuid == a.uuid, "{marker:?}");
    assert!(!legacy.exists());

    // The other database never claims it again: its account stays failed, without a browser.
    let (old, svc) = svc.switch(&lock, other.open().await, w.config(), None).await.unwrap();
    old.close().await.unwrap();
    assert_eq!(svc.restoring(), 0);
    let v = svc.accounts().get(b.id).await.unwrap();
    assert_eq!((v.state, v.running), (AccountState::Failed, false));
    svc.stop().await;
    let _ = w.sim.shutdown().await;
}

/// A profile logged in as another number than the account's own never
/// makes the account active (nothing could be sent from the wrong number),
/// and the other number's device stays linked.
#[tokio::test]
async fn a_profile_logged_in_as_another_number_never_becomes_active() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    h.manager.shutdown().await;
    // Someone else's number is stored for the account (e.g. restored from a backup).
    let row = flock_core::repo::accounts::get(h.db.conn(), a.id).await.unwrap();
    let conn = h.db.conn();
    use sea_orm::{ConnectionTrait, Statement};
    conn.execute_raw(Statement::from_sql_and_values(
        conn.get_database_backend(),
        match h._test_db.backend {
            flock_core::db::Backend::Postgres => "UPDATE accounts SET phone = $1 WHERE id = $2",
            flock_core::db::Backend::Sqlite => "UPDATE accounts SET phone = ? WHERE id = ?",
        },
        [PHONES[2].into(), row.id.into()],
    ))
    .await
    .unwrap();
    let m = h.restart_manager();
    assert_eq!(m.restore_all().await.unwrap(), 1);
    let failed = wait_stopped(&m, a.id, AccountState::Failed).await;
    let reason = failed.reason.clone().unwrap_or_default();
    assert!(reason.contains(PHONES[0]) && reason.contains(PHONES[2]), "{failed:?}");
    assert_eq!(failed.phone.as_deref(), Some(PHONES[2]), "the stored number is not overwritten");
    assert!(!history(&h, a.id).await.ends_with(&["active".to_string()]));
    assert_eq!(h.sim.phones().await.into_iter().find(|p| p.phone == PHONES[0]).map(|p| p.linked_devices), Some(1));
    m.shutdown().await;
    h.shutdown().await;
}
