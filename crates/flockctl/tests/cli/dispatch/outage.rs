//! The database failing mid-campaign (issue 13), the simulator's ledger as
//! the judge: the PostgreSQL server stopped and started again, and the
//! SQLite file locked by another program past the busy timeout (what a
//! backup tool or a database browser does), and the disk under the SQLite
//! file full for 10 s. While it lasts `flockctl run`
//! stays up and says so (`{"event":"dispatcher","databaseError":…}`),
//! sends wait, and acks and a STOP that arrive meanwhile are held until
//! the database answers. Then: every target exactly once or skipped with
//! its reason, the STOP honoured, every ack recorded, the error cleared.
//!
//! The PostgreSQL test runs its own throwaway server (scripts/
//! throwaway-postgres.sh, Debian's `postgresql` package): stopping a shared
//! one would break the other tests.

use std::process::Stdio;
use std::time::{Duration, Instant};

use flock_sim::Inbound;
use serde_json::Value;

use super::support::{assert_each_once_or_failed, limits_off, poll_show, start_text_campaign, wait_accepted, Desk, Running, Server};

const TEAM: [&str; 1] = ["+919800000001"];
const N: u32 = 200;
/// How long the database stays away.
const OUTAGE: Duration = Duration::from_secs(15);
/// How long the SQLite file stays locked: long enough that, after a send in
/// flight fails to store its result (5 s busy timeout), the next claim fails
/// too (the claim is what names the outage) on a loaded machine.
const LOCK: Duration = Duration::from_secs(25);

/// The `dispatcher` health lines `flockctl run --json` printed.
fn health(run: &Running) -> Vec<Value> {
    run.lines().into_iter().filter(|l| l["event"] == "dispatcher").collect()
}

/// A campaign of `N` through one account with `outage` in the middle.
async fn campaign_through(desk: &mut Desk, name: &str, outage: impl AsyncFnOnce(&Desk)) {
    let started = Instant::now();
    desk.link_team(&TEAM).await;
    limits_off(desk).await;
    let people: Vec<String> = (0..N).map(|n| format!("+9198444{n:05}")).collect();
    // Last in the outbox: still waiting when the database comes back.
    let stopper = people.last().unwrap().clone();
    let c = start_text_campaign(desk, name, &people).await;
    let mut run = desk.spawn_run(&[], &[]);
    wait_accepted(desk, N as usize / 3, Duration::from_secs(120), "sends before the outage").await;

    let down = Instant::now();
    outage(desk).await;
    let held = desk.accepted().await.len();
    assert!(run.child.try_wait().unwrap().is_none(), "flockctl run stays up through the outage");
    // Named: at once on PostgreSQL (refused), within the busy and pool
    // timeouts (5 s each) on SQLite, possibly just after the lock ended.
    let named = |run: &Running| health(run).iter().any(|l| l["databaseError"].as_str().is_some_and(|e| e.contains("database")));
    let end = Instant::now() + Duration::from_secs(20);
    while !named(&run) {
        assert!(Instant::now() < end, "the outage is named: {:?}", health(&run));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("{name}: {held} accepted when the database came back after {:?}", down.elapsed());

    let done = poll_show(desk, c, Duration::from_secs(180), "the campaign to complete after the outage", |v| v["status"] == "completed").await;
    // Every ack recorded, those that came during the outage too.
    let acked = poll_show(desk, c, Duration::from_secs(30), "every sent message's ack", |v| v["counts"]["sent"] == 0 && v["counts"]["sending"] == 0).await;
    let said = health(&run);
    run.stop().await;
    let last = said.last().cloned().unwrap_or_default();
    assert_eq!((last["databaseError"].clone(), last["unrecordedEvents"].clone()), (Value::Null, Value::from(0)), "the error cleared, nothing left unrecorded: {said:?}");

    let rows = assert_each_once_or_failed(desk, c, &people, &[], std::slice::from_ref(&stopper)).await;
    let stop = rows.iter().find(|r| r.target == stopper).unwrap();
    assert_eq!(stop.status, "skipped", "the STOP sent during the outage is honoured: {stop:?}");
    assert!(rows.iter().filter(|r| r.target != stopper).all(|r| r.status != "failed"), "an outage fails no message: {rows:?}");
    eprintln!("{name}: {}; {}; took {:?}", done["counts"], acked["counts"], started.elapsed());
}

async fn stop_from(desk: &Desk, phone: &str) {
    desk.sim.inbound(Inbound { from: phone.into(), to: TEAM[0].into(), text: "STOP".into(), group: None, quoted: None, status: false }).await.unwrap();
}

#[tokio::test]
async fn the_postgres_server_restarted_mid_campaign_loses_and_doubles_nothing() {
    let server = Server::start();
    let mut desk = Desk::new(&TEAM, |_| {}).await;
    desk.database_url = Some(server.url.clone());
    let stopper = format!("+9198444{:05}", N - 1);
    campaign_through(&mut desk, "server restarted", async |desk: &Desk| {
        server.ctl("down");
        stop_from(desk, &stopper).await;
        tokio::time::sleep(OUTAGE).await;
        server.ctl("up");
    })
    .await;
}

#[tokio::test]
async fn the_sqlite_file_locked_by_another_program_mid_campaign_loses_and_doubles_nothing() {
    let mut desk = Desk::new(&TEAM, |_| {}).await;
    let file = desk.data_dir().join("flock.sqlite3");
    let stopper = format!("+9198444{:05}", N - 1);
    campaign_through(&mut desk, "file locked", async |desk: &Desk| {
        // Another program takes the write lock (python3's sqlite3, as a
        // database browser would) and keeps it past Flock's 5 s busy timeout.
        let hold = "import sqlite3, sys, time\n\
                    c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)\n\
                    c.execute('BEGIN EXCLUSIVE')\n\
                    print('locked', flush=True)\n\
                    time.sleep(float(sys.argv[2]))\n\
                    c.execute('COMMIT')\n";
        let mut locker = tokio::process::Command::new("python3")
            .args(["-c", hold, &file.display().to_string(), &LOCK.as_secs().to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 (scripts/setup.sh --test installs it)");
        let mut out = tokio::io::BufReader::new(locker.stdout.take().unwrap());
        let mut line = String::new();
        tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line).await.unwrap();
        assert_eq!(line.trim(), "locked");
        stop_from(desk, &stopper).await;
        let status = tokio::time::timeout(LOCK + Duration::from_secs(30), locker.wait()).await.expect("the lock ends").unwrap();
        assert!(status.success(), "the locking program finished");
    })
    .await;
}

/// A small filesystem of the test's own for the SQLite file (tmpfs, 24 MB),
/// unmounted on drop. (Read-only cannot be staged the same way: Linux
/// refuses to remount a filesystem read-only while SQLite holds its files
/// open for writing.) Needs root (CI runs as root; scripts/test.sh as the
/// user skips it, said aloud).
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Option<Self> {
        let dir = tempfile::Builder::new().prefix("flock-small-disk").tempdir_in("/tmp").unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

#[tokio::test]
async fn the_sqlite_disk_full_mid_campaign_loses_and_doubles_nothing() {
    // SAFETY of the check: geteuid has no preconditions.
    if unsafe { libc_geteuid() } != 0 {
        eprintln!("skipped: mounting a small disk needs root (CI runs as root)");
        return;
    }
    let disk = SmallDisk::mount().expect("mount a tmpfs as root");
    let mut desk = Desk::new(&TEAM, |_| {}).await;
    let file = disk.path().join("flock.sqlite3");
    desk.database_url = Some(format!("sqlite://{}", file.display()));
    let stopper = format!("+9198444{:05}", N - 1);
    campaign_through(&mut desk, "disk full", async |desk: &Desk| {
        // Full: a file takes every byte left; SQLite's writes fail with
        // "database or disk is full" while its reads go on.
        let filler = disk.path().join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 1 << 20];
        while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
        drop(f);
        stop_from(desk, &stopper).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        std::fs::remove_file(&filler).unwrap();
    })
    .await;
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}
