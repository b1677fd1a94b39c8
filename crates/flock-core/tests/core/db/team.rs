//! Team mode on the database (SQLite and PostgreSQL): account leases taken
//! by exactly one workstation, renewed, run out, taken over with the
//! history naming the holder replaced; the workstations' list; and an
//! account manager that refuses to start a session for an account whose
//! lease another workstation holds.

use std::time::Duration;

use chrono::Utc;
use flock_core::accounts::{AccountError, AccountManager, AccountSettings, LinkMethod};
use flock_core::paths::DataPaths;
use flock_core::repo::accounts;
use flock_core::team::leases::{self, Acquired};
use flock_core::team::{self, Workstation};
use flock_testkit::TestDb;

const LEASE: Duration = Duration::from_secs(20);

#[tokio::test]
async fn one_workstation_holds_a_lease_until_it_runs_out_and_the_history_names_each_holder() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let a = accounts::create(db.conn(), "Sales 1").await.unwrap();
    let t0 = Utc::now();

    assert!(matches!(leases::acquire(db.conn(), a.id, "desk-a", LEASE, t0).await.unwrap(), Acquired::Taken { .. }));
    // Desk B is refused while desk A's lease runs, and told whose it is.
    match leases::acquire(db.conn(), a.id, "desk-b", LEASE, t0 + chrono::Duration::seconds(5)).await.unwrap() {
        Acquired::HeldBy { holder, .. } => assert_eq!(holder, "desk-a"),
        other => panic!("{other:?}"),
    }
    // Desk A takes its own lease again at once (a restart of the same desk).
    assert!(matches!(
        leases::acquire(db.conn(), a.id, "desk-a", LEASE, t0 + chrono::Duration::seconds(6)).await.unwrap(),
        Acquired::Taken { .. }
    ));
    // Renewed by the heartbeat: still refused to B after the first lease would have ended.
    assert!(leases::renew(db.conn(), "desk-a", &[a.id], LEASE, t0 + chrono::Duration::seconds(15)).await.unwrap().is_empty());
    let t1 = t0 + chrono::Duration::seconds(30);
    assert!(matches!(leases::acquire(db.conn(), a.id, "desk-b", LEASE, t1).await.unwrap(), Acquired::HeldBy { .. }));

    // Desk A stops renewing (killed): once its lease ran out, B takes it.
    let t2 = t0 + chrono::Duration::seconds(40);
    assert!(matches!(leases::acquire(db.conn(), a.id, "desk-b", LEASE, t2).await.unwrap(), Acquired::Taken { .. }));
    // Desk A's next heartbeat finds the lease gone (and stops that session).
    assert_eq!(leases::renew(db.conn(), "desk-a", &[a.id], LEASE, t2).await.unwrap(), vec![a.id]);
    // A's give-back changes nothing: the lease is B's.
    leases::release(db.conn(), a.id, "desk-a", t2).await.unwrap();
    let row = accounts::get(db.conn(), a.id).await.unwrap();
    assert_eq!(row.lease_holder.as_deref(), Some("desk-b"));
    // Lease columns are not the account's state: its version is untouched.
    assert_eq!(row.version, a.version);
    leases::release(db.conn(), a.id, "desk-b", t2).await.unwrap();
    assert_eq!(accounts::get(db.conn(), a.id).await.unwrap().lease_holder, None);

    let history: Vec<(String, String, Option<String>)> =
        leases::history(db.conn(), a.id).await.unwrap().into_iter().map(|e| (e.workstation_id, e.kind, e.previous_holder)).collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        history,
        vec![
            (s("desk-a"), s("acquired"), None),
            (s("desk-a"), s("acquired"), None),
            (s("desk-b"), s("acquired"), Some(s("desk-a"))),
            (s("desk-a"), s("lost"), None),
            (s("desk-b"), s("released"), None),
        ]
    );
    let takeover = &leases::history(db.conn(), a.id).await.unwrap()[2];
    assert!(takeover.previous_expires_at.is_some_and(|e| e <= takeover.at), "taken only after A's lease ran out");
}

#[tokio::test]
async fn two_workstations_racing_for_one_account_one_wins() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let other = test.connect().await;
    let a = accounts::create(db.conn(), "Sales 1").await.unwrap();
    let now = Utc::now();
    let (x, y) =
        tokio::join!(leases::acquire(db.conn(), a.id, "desk-a", LEASE, now), leases::acquire(other.conn(), a.id, "desk-b", LEASE, now));
    let won = [x.unwrap(), y.unwrap()].iter().filter(|r| matches!(r, Acquired::Taken { .. })).count();
    assert_eq!(won, 1);
}

#[tokio::test]
async fn the_team_lists_each_workstation_with_its_accounts_and_a_manager_never_starts_a_session_leased_elsewhere() {
    let test = TestDb::new().await;
    let db = test.open().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(dir_a.path().join("settings.json"), r#"{"workstation_name": "Front desk"}"#).unwrap();
    let (paths_a, paths_b) = (DataPaths::new(dir_a.path()), DataPaths::new(dir_b.path()));
    let desk_a = AccountManager::new(db.clone(), paths_a.clone(), AccountSettings::default());
    let desk_b = AccountManager::new(test.connect().await, paths_b.clone(), AccountSettings::default());
    desk_a.heartbeat().await.unwrap();
    desk_b.heartbeat().await.unwrap();
    let a = desk_a.add("Sales 1").await.unwrap();
    let me_a = Workstation::load_or_create(&paths_a).unwrap();
    assert_eq!(me_a.name, "Front desk");
    leases::acquire(db.conn(), a.id, &me_a.id, LEASE, Utc::now()).await.unwrap();

    // Desk B: linking it would open a second session for the account.
    let err = desk_b.link(a.id, LinkMethod::Qr).await.unwrap_err();
    assert!(matches!(err, AccountError::RunsElsewhere { .. }), "{err:?}");
    let report = err.report();
    assert!(report.message.contains("is running on workstation \"Front desk\""), "{}", report.message);
    assert!(report.fix.unwrap_or_default().contains("Use the account on \"Front desk\""));
    // And the account shows where it runs.
    desk_b.heartbeat().await.unwrap();
    let view = desk_b.get(a.id).await.unwrap();
    let desk = view.desk.expect("a desk");
    assert_eq!((desk.name.as_str(), desk.here, desk.online), ("Front desk", false, true));
    assert_eq!(desk.describe().as_deref(), Some("running on Front desk"));

    let team = desk_b.workstations().await.unwrap();
    assert_eq!(team.len(), 2);
    let front = team.iter().find(|w| w.name == "Front desk").unwrap();
    assert!(front.online && !front.here);
    assert_eq!(front.accounts.iter().map(|x| (x.id, x.leased)).collect::<Vec<_>>(), vec![(a.id, true)]);
    assert!(team.iter().any(|w| w.here && w.accounts.is_empty()));

    // Desk A is killed: its lease runs out with nobody writing anything. Desk
    // B's next heartbeat tells its screens that the account is offline there.
    let mut events = desk_b.subscribe();
    leases::renew(db.conn(), &me_a.id, &[a.id], Duration::from_millis(500), Utc::now()).await.unwrap();
    desk_b.heartbeat().await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    desk_b.heartbeat().await.unwrap();
    let shown = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Ok(flock_core::accounts::AccountEvent::Changed { account }) = events.recv().await {
                if account.id == a.id && account.desk.as_ref().is_some_and(|d| !d.online) {
                    return account;
                }
            }
        }
    })
    .await
    .expect("desk B announced the account offline on desk A");
    let desk = shown.desk.unwrap();
    assert!(desk.describe().unwrap().starts_with("offline on Front desk since "), "{:?}", desk.describe());
    let _ = team::DEFAULT_LEASE;
}
