//! Several writers and a database that stops answering: a workstation
//! touches only the accounts whose profile it holds, state writes are
//! compare-and-set (a running worker does not undo a change made elsewhere),
//! and a change the database does not take is shown, not assumed done.

use std::time::Duration;

use flock_core::accounts::{AccountEvent, AccountState, LinkMethod};
use flock_core::db::{Database, DatabaseTarget};
use sea_orm::ConnectionTrait;

use super::support::*;

#[tokio::test]
async fn a_workstation_restores_only_the_accounts_whose_profile_it_holds() {
    let h = Harness::new(|_| {}).await;
    // Workstation 1 runs "Sales 1" and is linking "Sales 2" (a QR on screen).
    let a = h.manager.add("Sales 1").await.unwrap();
    let b = h.manager.add("Sales 2").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let mut events = h.manager.subscribe();
    h.manager.link(b.id, LinkMethod::Qr).await.unwrap();
    next_qr(&mut events, b.id).await;
    let before = stored(&h.db).await;

    // Workstation 2: the same database, its own data folder, no profiles.
    let other = tempfile::tempdir().unwrap();
    let ws2 = flock_core::accounts::AccountManager::new(
        h.db.clone(),
        flock_core::paths::DataPaths::new(other.path()),
        settings(&h.sim, h.home.path()),
    );
    assert_eq!(ws2.restore_all().await.unwrap(), 0, "nothing of workstation 1 is restored here");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(stored(&h.db).await, before, "no state written by workstation 2");
    assert_eq!(ws2.list().await.unwrap().iter().filter(|v| v.running).count(), 0);
    assert_eq!(h.sim.sessions().await.len(), 2, "only workstation 1's two pages");
    assert_eq!(h.manager.get(a.id).await.unwrap().state, AccountState::Active);
    assert_eq!(h.manager.get(b.id).await.unwrap().state, AccountState::WaitingForScan);
    ws2.shutdown().await;
    h.shutdown().await;
}

/// Every account's state, version and history length, as stored.
async fn stored(db: &Database) -> Vec<(i64, String, i64, usize)> {
    let mut out = Vec::new();
    for r in flock_core::repo::accounts::list(db.conn()).await.unwrap() {
        out.push((r.id, r.state.clone(), r.version, history_in(db, r.id).await.len()));
    }
    out
}

/// Workstation 2 resets the account while workstation 1 runs it; then
/// workstation 1's browser crashes. Its worker must not write
/// `reconnecting` over the reset (nor restart the browser): its write is
/// compare-and-set, it loses, re-reads `new`, and decides again.
#[tokio::test]
async fn a_running_worker_does_not_undo_a_change_made_elsewhere() {
    let h = Harness::new(|_| {}).await;
    let a = h.manager.add("Sales 1").await.unwrap();
    h.link_by_qr(&h.manager, a.id, PHONES[0]).await;
    let pid = h.manager.diagnostics(a.id).await.and_then(|d| d.pid).expect("browser pid");

    let other = tempfile::tempdir().unwrap();
    let ws2 = flock_core::accounts::AccountManager::new(
        h.db.clone(),
        flock_core::paths::DataPaths::new(other.path()),
        settings(&h.sim, h.home.path()),
    );
    let reset = ws2.reset(a.id).await.unwrap();
    assert_eq!(reset.state, AccountState::New);

    let mut events = h.manager.subscribe();
    assert!(std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap().success());
    // Workstation 1 adopts what is stored.
    wait_event(&mut events, "workstation 1 to adopt the reset", |e| match e {
        AccountEvent::Changed { account } if account.id == a.id && account.state == AccountState::New && !account.running => {
            Some(())
        }
        _ => None,
    })
    .await;
    // Longer than the restart backoff: no browser comes back, nothing is written.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let v = h.manager.get(a.id).await.unwrap();
    assert_eq!((v.state, v.phone.as_deref(), v.running), (AccountState::New, None, false), "{v:?}");
    assert!(h.manager.diagnostics(a.id).await.and_then(|d| d.pid).is_none());
    let path = history(&h, a.id).await;
    assert_eq!(path.last().map(String::as_str), Some("new"), "{path:?}");
    assert!(!path.iter().rev().take_while(|s| *s != "active").any(|s| s == "reconnecting"), "{path:?}");
    ws2.shutdown().await;
    h.shutdown().await;
}

/// The database stops taking writes (SQLite `query_only` on Flock's one
/// pooled connection: deterministic, and reversible). A phone logout then
/// cannot be stored: the account shows "database unavailable", keeps its
/// stored state, a user action is refused with the same cause; once the
/// database takes writes again the change is stored by itself.
#[tokio::test]
async fn a_change_the_database_does_not_take_is_shown_then_stored_when_it_answers() {
    let w = World::new().await;
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(DatabaseTarget::sqlite_file(dir.path().join("flock.sqlite3"))).await.unwrap();
    let m = w.manager(&db, w.paths());
    let a = m.add("Sales 1").await.unwrap();
    let b = m.add("Sales 2").await.unwrap();
    link_by_qr(&w.sim, &m, a.id, PHONES[0]).await;

    let mut events = m.subscribe();
    db.conn().execute_unprepared("PRAGMA query_only = ON").await.unwrap();
    w.sim.phone_event(PHONES[0], PhoneEvent::Logout).await.unwrap();
    let shown = wait_event(&mut events, "database unavailable in the view", |e| match e {
        AccountEvent::Changed { account } if account.id == a.id && account.database_error.is_some() => Some(account.clone()),
        _ => None,
    })
    .await;
    let message = shown.database_error.clone().unwrap();
    assert!(message.contains("database unavailable") && message.contains("could not be stored"), "{message}");
    assert_eq!(shown.state, AccountState::Active, "the view shows what is stored, not what was not");
    assert_eq!(m.get(a.id).await.unwrap().state, AccountState::Active);
    assert!(m.get(a.id).await.unwrap().database_error.is_some(), "the list shows it too");

    // A user action now is refused, with the cause, and not done.
    let err = m.link(b.id, LinkMethod::Qr).await.unwrap_err();
    assert_eq!(err.report().kind, flock_core::ErrorKind::Database, "{err}");
    assert!(matches!(err, flock_core::accounts::AccountError::Unavailable { .. }), "{err:?}");
    assert_eq!(m.get(b.id).await.unwrap().state, AccountState::New);

    // The database answers again: the logout is stored and the flag cleared.
    db.conn().execute_unprepared("PRAGMA query_only = OFF").await.unwrap();
    let stored = wait_stopped(&m, a.id, AccountState::LoggedOut).await;
    let cleared = wait_for(&m, "the flag to clear", || async {
        let v = m.get(a.id).await.ok()?;
        v.database_error.is_none().then_some(v)
    })
    .await;
    assert_eq!(cleared.state, AccountState::LoggedOut);
    assert!(stored.reason.unwrap_or_default().contains("logged out"));
    m.shutdown().await;
    let _ = w.sim.shutdown().await;
}
