//! A manager wired to a fresh simulator, with waits that also check that no
//! account ever sits in a transitional state past its deadline.

use std::future::Future;
use std::time::Duration;

use flock_core::accounts::{AccountEvent, AccountManager, AccountSettings, AccountState, AccountView, Timeouts};
use flock_core::db::Database;
use flock_core::paths::DataPaths;
use flock_testkit::TestDb;
pub use flock_sim::{PhoneEvent, SessionInfo, SimConfig, SimHandle, Simulator};
use tokio::sync::broadcast;

/// Generous: two cores, several browsers.
pub const LONG: Duration = Duration::from_secs(120);
/// How late a deadline may be noticed on a loaded machine.
const SLACK: chrono::Duration = chrono::Duration::seconds(10);

pub const PHONES: [&str; 6] = ["+919800000001", "+919800000002", "+919800000003", "+919800000004", "+919800000005", "+919800000006"];

pub struct Harness {
    pub sim: SimHandle,
    pub _test_db: TestDb,
    pub db: Database,
    pub data: tempfile::TempDir,
    pub home: tempfile::TempDir,
    pub manager: AccountManager,
}

pub fn settings(sim: &SimHandle, home: &std::path::Path) -> AccountSettings {
    let h = home.display().to_string();
    AccountSettings {
        wa_url: format!("{}/", sim.base_url()),
        browser_env: vec![
            ("HOME".into(), h.clone()),
            ("XDG_CONFIG_HOME".into(), format!("{h}/.config")),
            ("XDG_CACHE_HOME".into(), format!("{h}/.cache")),
        ],
        timeouts: Timeouts {
            link: Duration::from_secs(90),
            sync: Duration::from_secs(90),
            reconnect: Duration::from_secs(90),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(5),
            max_restarts: 3,
            max_pairing_codes: 2,
        },
        restore_stagger: Duration::from_millis(300),
        health_interval: Duration::from_secs(5),
        launch_timeout: Duration::from_secs(90),
        ..AccountSettings::default()
    }
}

impl Harness {
    pub async fn new(tweak: impl FnOnce(&mut SimConfig)) -> Self {
        let mut cfg = SimConfig::fast();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).await.expect("simulator");
        for (i, p) in PHONES.iter().enumerate() {
            sim.add_phone(p, &format!("Phone {}", i + 1)).await.expect("phone");
        }
        let test_db = TestDb::new().await;
        let db = test_db.open().await;
        let data = tempfile::tempdir().expect("data dir");
        let home = tempfile::tempdir().expect("home");
        let paths = DataPaths::new(data.path());
        paths.ensure().expect("data folder");
        let manager = AccountManager::new(db.clone(), paths, settings(&sim, home.path()));
        Self { sim, _test_db: test_db, db, data, home, manager }
    }

    /// A second manager on the same data folder and database (a restart).
    pub fn restart_manager(&self) -> AccountManager {
        AccountManager::new(self.db.clone(), DataPaths::new(self.data.path()), settings(&self.sim, self.home.path()))
    }

    /// Links `id` by QR, scanning the first QR it shows as `phone`.
    pub async fn link_by_qr(&self, manager: &AccountManager, id: i64, phone: &str) -> AccountView {
        link_by_qr(&self.sim, manager, id, phone).await
    }

    pub async fn shutdown(self) {
        self.manager.shutdown().await;
        assert_no_overdue(&self.manager).await;
        let _ = self.sim.shutdown().await;
    }
}

/// A simulator with the six phones, a data folder and a HOME, for tests that
/// bring their own databases and managers (several databases, several
/// workstations).
pub struct World {
    pub sim: SimHandle,
    pub data: tempfile::TempDir,
    pub home: tempfile::TempDir,
}

impl World {
    pub async fn new() -> Self {
        let sim = Simulator::start(SimConfig::fast()).await.expect("simulator");
        for (i, p) in PHONES.iter().enumerate() {
            sim.add_phone(p, &format!("Phone {}", i + 1)).await.expect("phone");
        }
        let data = tempfile::tempdir().expect("data dir");
        let home = tempfile::tempdir().expect("home");
        DataPaths::new(data.path()).ensure().expect("data folder");
        Self { sim, data, home }
    }

    pub fn paths(&self) -> DataPaths {
        DataPaths::new(self.data.path())
    }

    pub fn settings(&self) -> AccountSettings {
        settings(&self.sim, self.home.path())
    }

    pub fn manager(&self, db: &Database, paths: DataPaths) -> AccountManager {
        AccountManager::new(db.clone(), paths, self.settings())
    }

    /// What the app starts (restore on, no scheduled resync).
    pub fn config(&self) -> flock_core::services::ServicesConfig {
        flock_core::services::ServicesConfig {
            paths: self.paths(),
            accounts: self.settings(),
            restore: true,
            groups_resync_every: None,
            dispatch: None,
        }
    }

    /// The phone's linked devices, as the simulator counts them.
    pub async fn devices(&self, phone: &str) -> Option<u32> {
        self.sim.phones().await.into_iter().find(|p| p.phone == phone).map(|p| p.linked_devices)
    }
}

/// Links `id` by QR, scanning the first QR it shows as `phone`.
pub async fn link_by_qr(sim: &SimHandle, manager: &AccountManager, id: i64, phone: &str) -> AccountView {
    let mut events = manager.subscribe();
    manager.link(id, flock_core::accounts::LinkMethod::Qr).await.expect("link");
    let payload = next_qr(&mut events, id).await;
    scan_until_accepted(sim, manager, id, payload, phone, &mut events).await;
    wait_state(manager, id, AccountState::Active).await
}

/// The account's profile folder in `paths`.
pub fn profile_of(paths: &DataPaths, account: &AccountView) -> std::path::PathBuf {
    paths.profiles_dir().join(&account.uuid)
}

/// The next QR the account shows.
pub async fn next_qr(events: &mut broadcast::Receiver<AccountEvent>, id: i64) -> String {
    wait_event(events, "a QR", |e| match e {
        AccountEvent::Qr { id: i, payload, svg } if *i == id => {
            assert!(svg.contains("<svg"), "the QR comes as SVG too");
            Some(payload.clone())
        }
        _ => None,
    })
    .await
}

/// Scans `payload`; a QR that rotated meanwhile (slow machine) is retried
/// with the next one.
pub async fn scan_until_accepted(
    sim: &SimHandle,
    _manager: &AccountManager,
    id: i64,
    mut payload: String,
    phone: &str,
    events: &mut broadcast::Receiver<AccountEvent>,
) {
    for _ in 0..5 {
        match sim.scan(&payload, phone).await {
            Ok(_) => return,
            Err(e) => {
                eprintln!("scan refused ({e}), waiting for the next QR");
                payload = next_qr(events, id).await;
            }
        }
    }
    panic!("no QR could be scanned");
}

pub async fn wait_event<T>(
    events: &mut broadcast::Receiver<AccountEvent>,
    what: &str,
    mut f: impl FnMut(&AccountEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        let ev = match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(e)) => panic!("event stream ended waiting for {what}: {e}"),
            Err(_) => panic!("timed out after {LONG:?} waiting for {what}"),
        };
        if let Some(v) = f(&ev) {
            return v;
        }
    }
}

/// Polls until `check` yields, asserting the deadline rule on every round.
pub async fn wait_for<T, F, Fut>(manager: &AccountManager, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + LONG;
    loop {
        assert_no_overdue(manager).await;
        if let Some(v) = check().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            let all = manager.list().await.unwrap_or_default();
            panic!("timed out after {LONG:?} waiting for {what}; accounts: {all:#?}");
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

pub async fn wait_state(manager: &AccountManager, id: i64, state: AccountState) -> AccountView {
    wait_for(manager, &format!("account {id} to be {}", state.as_str()), || async {
        let v = manager.get(id).await.ok()?;
        (v.state == state).then_some(v)
    })
    .await
}

/// In `state` with its browser closed.
pub async fn wait_stopped(manager: &AccountManager, id: i64, state: AccountState) -> AccountView {
    wait_for(manager, &format!("account {id} to be {} with its browser closed", state.as_str()), || async {
        let v = manager.get(id).await.ok()?;
        (v.state == state && !v.running).then_some(v)
    })
    .await
}

/// Chromium writes localStorage to disk lazily: waits until the profile
/// holds the page's `last-wid-md` there (its login itself is in IndexedDB).
pub async fn wait_login_on_disk(manager: &AccountManager, profile: &std::path::Path) {
    fn holds(dir: &std::path::Path) -> bool {
        let Ok(entries) = std::fs::read_dir(dir) else { return false };
        entries.flatten().any(|e| {
            let p = e.path();
            if p.is_dir() {
                holds(&p)
            } else {
                std::fs::read(&p).map(|b| b.windows(11).any(|w| w == b"last-wid-md")).unwrap_or(false)
            }
        })
    }
    let dir = profile.join("Default").join("Local Storage");
    wait_for(manager, "the login in the profile on disk", || async { holds(&dir).then_some(()) }).await
}

/// No account is in a transitional state past its deadline (nor without one).
pub async fn assert_no_overdue(manager: &AccountManager) {
    let now = chrono::Utc::now();
    for a in manager.list().await.expect("list") {
        if a.state.is_transitional() {
            let deadline = a.deadline.unwrap_or_else(|| panic!("{} without a deadline: {a:?}", a.state.as_str()));
            assert!(now <= deadline + SLACK, "account {} is {} past its deadline {deadline}: {a:?}", a.id, a.state.as_str());
        }
    }
}

/// The state path the account went through, from its stored history.
pub async fn history(h: &Harness, id: i64) -> Vec<String> {
    history_in(&h.db, id).await
}

pub async fn history_in(db: &Database, id: i64) -> Vec<String> {
    flock_core::repo::accounts::events(db.conn(), id).await.expect("events").into_iter().map(|e| e.to_state).collect()
}

pub async fn one_session(sim: &SimHandle) -> SessionInfo {
    let mut n = 0;
    loop {
        let s = sim.sessions().await;
        if s.len() == 1 {
            return s[0].clone();
        }
        n += 1;
        assert!(n < 1200, "expected one page session, have {}", s.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
