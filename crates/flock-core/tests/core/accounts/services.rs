//! The one start function: what it starts on its own (the scheduled group
//! resync the app and `flockctl run` both get from it).

use std::time::Duration;

use flock_core::lock::DataLock;
use flock_core::services::Services;
use flock_testkit::TestDb;

use super::support::*;

#[tokio::test]
async fn the_started_services_resync_the_groups_of_active_accounts_on_schedule() {
    let sim = Simulator::start(SimConfig::fast()).await.expect("simulator");
    let scenario = flock_sim::demo_scenario();
    sim.load(&scenario).await.unwrap();
    let phone = scenario.phones[0].phone.clone();
    let expected = scenario.groups.iter().filter(|g| g.members_of.contains(&phone)).count();
    assert!(expected > 0);
    let w = World { sim, data: tempfile::tempdir().unwrap(), home: tempfile::tempdir().unwrap() };
    let lock = DataLock::acquire(&w.paths(), "test").unwrap();
    let test_db = TestDb::new().await;
    let mut config = w.config();
    config.groups_resync_every = Some(Duration::from_secs(2));
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = progress.clone();
    let report: flock_core::services::ResyncProgress = std::sync::Arc::new(move |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let svc = Services::start(&lock, test_db.open().await, config, Some(report)).await.unwrap();
    let a = svc.accounts().add("Sales 1").await.unwrap();
    link_by_qr(&w.sim, svc.accounts(), a.id, &phone).await;
    // Nobody asks for a sync: the schedule does it.
    let groups = wait_for(svc.accounts(), "the scheduled resync to record the groups", || async {
        let groups = flock_core::repo::groups::list(svc.db().conn()).await.ok()?;
        (groups.len() == expected).then_some(groups)
    })
    .await;
    assert_eq!(groups.len(), expected);
    assert!(progress.load(std::sync::atomic::Ordering::SeqCst) > 0, "progress was reported");
    svc.stop().await;
    let _ = w.sim.shutdown().await;
}
