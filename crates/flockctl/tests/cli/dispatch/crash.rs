//! At most once through crashes, the simulator's ledger as the judge:
//! `flockctl run` killed with SIGKILL right after a row is stored `sending`
//! (nothing sent yet) and right after the session took the message (its
//! result not stored), then started again; and the browser killed while a
//! send hangs in the media upload. 0 duplicates, 0 lost.

use std::time::Duration;

use flock_sim::ConfigPatch;

use super::support::{browser_pids, per_target, Desk};

const TEAM: &str = "+919800000001";

fn p(n: u32) -> String {
    format!("+9198222{n:05}")
}

async fn fast_limits(desk: &Desk) {
    let id = desk.team[0].0.to_string();
    let off = ["--per-minute", "off", "--per-hour", "off", "--per-day", "off", "--gap", "0-1", "--pause-every", "off", "--ramp-up", "off"];
    let mut args = vec!["accounts", "limits", id.as_str()];
    args.extend_from_slice(&off);
    desk.json(&args).await;
}

async fn campaign(desk: &Desk, name: &str, people: &[String], extra: &[&str]) -> i64 {
    let mut args = vec!["campaigns", "create", "--name", name, "--text", "Vanakkam {{ first_name | default(\"friend\") }}"];
    for x in people {
        args.extend(["--contact", x.as_str()]);
    }
    args.extend_from_slice(extra);
    let id = desk.json(&args).await["id"].as_i64().unwrap();
    desk.json(&["campaigns", "start", &id.to_string()]).await;
    id
}

async fn wait_file(dir: &std::path::Path, within: Duration) -> i64 {
    let end = tokio::time::Instant::now() + within;
    loop {
        if let Some(f) = std::fs::read_dir(dir).unwrap().flatten().find(|f| f.file_name().to_string_lossy().starts_with("held-")) {
            return std::fs::read_to_string(f.path()).unwrap().trim().parse().unwrap();
        }
        assert!(tokio::time::Instant::now() < end, "the send was not held in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs until the hold, SIGKILLs, checks the row is `sending`, starts
/// again until idle; returns the held row's outbox line.
async fn kill_at(desk: &Desk, c: i64, stage: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let run = desk.spawn_run(&[], &[("FLOCK_TEST_HOLD_SEND", stage), ("FLOCK_TEST_HOLD_DIR", &dir.path().display().to_string())]);
    wait_file(dir.path(), Duration::from_secs(180)).await;
    run.kill().await;
    let held = desk.show(c).await;
    assert_eq!(held["counts"]["sending"], 1, "killed between sending and its result: {held}");
    desk.run_until_idle(Duration::from_secs(240)).await;
    let done = desk.show(c).await;
    assert_eq!(done["status"], "completed", "{done}");
    let report = String::from_utf8(desk.run(&["campaigns", "report", &c.to_string(), "--csv"]).await.stdout).unwrap();
    report.lines().skip(1).map(String::from).collect()
}

#[tokio::test]
async fn killed_between_sending_and_its_result_then_started_again_nothing_is_lost_or_doubled() {
    let mut desk = Desk::new(&[TEAM], |_| {}).await;
    desk.link_team(&[TEAM]).await;
    fast_limits(&desk).await;

    // Killed before the send: the lookup finds nothing, it is sent once after the restart.
    let first: Vec<String> = (1..=3).map(p).collect();
    let c1 = campaign(&desk, "before the send", &first, &[]).await;
    let rows = kill_at(&desk, c1, "after_claim").await;
    let per = per_target(&desk.accepted().await);
    for x in &first {
        assert_eq!(per.get(x), Some(&1), "{x}: {per:?}");
    }
    let attempts: Vec<&str> = rows.iter().map(|r| r.split(',').nth(5).unwrap_or_default()).collect();
    assert!(attempts.contains(&"1"), "the lost attempt is counted: {rows:?}");

    // Killed after the session took it: found by id, never sent again.
    let second: Vec<String> = (4..=6).map(p).collect();
    let c2 = campaign(&desk, "after the send", &second, &[]).await;
    let rows = kill_at(&desk, c2, "after_send").await;
    let ledger = desk.accepted().await;
    let per = per_target(&ledger);
    for x in first.iter().chain(&second) {
        assert_eq!(per.get(x), Some(&1), "{x}: {per:?}");
    }
    assert!(ledger.iter().all(|e| e.submissions == 1));
    assert!(rows.iter().all(|r| r.contains(",sent,") || r.contains(",delivered,") || r.contains(",read,")), "{rows:?}");
}

#[tokio::test]
async fn the_browser_killed_mid_send_is_reconciled_after_its_restart() {
    let mut desk = Desk::new(&[TEAM], |c| c.upload_hang = true).await;
    desk.link_team(&[TEAM]).await;
    fast_limits(&desk).await;
    let image = desk.home.path().join("offer.png");
    std::fs::write(&image, PNG).unwrap();
    let people: Vec<String> = (10..=11).map(p).collect();
    let c = campaign(&desk, "poster", &people, &["--file", &image.display().to_string()]).await;
    let run = desk.spawn_run(&[], &[]);
    desk.wait_show(c, Duration::from_secs(180), |v| v["counts"]["sending"] == 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pids = browser_pids(&desk.data_dir());
    assert!(!pids.is_empty(), "the account's browser");
    for pid in pids {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    desk.sim.set_config(ConfigPatch { upload_hang: Some(false), ..Default::default() }).await;
    let done = desk.wait_show(c, Duration::from_secs(240), |v| v["status"] == "completed").await;
    run.stop().await;
    let ledger = desk.accepted().await;
    let per = per_target(&ledger);
    for x in &people {
        assert_eq!(per.get(x), Some(&1), "{x}: {per:?}");
    }
    assert!(ledger.iter().all(|e| e.media.as_ref().is_some_and(|m| m.size == PNG.len() as u64)), "the image went");
    assert_eq!(done["counts"]["failed"], 0, "{done}");
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63,
    0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60,
    0x82,
];
