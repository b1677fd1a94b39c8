//! Team mode end to end (issue 12): two workstations, each a `flockctl
//! run` with its own data folder, on one throwaway PostgreSQL and one
//! simulator (the phones), two accounts linked on each. The simulator's
//! ledger is the judge; its sessions per phone and the lease history show
//! that no account ever ran on two desks at once.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::support::{assert_each_once_or_failed, kill_browser, limits_off, poll_show, report_rows, start_text_campaign, wait_accepted, Desk, Server};

const DESK_A: [&str; 2] = ["+919800000021", "+919800000022"];
const DESK_B: [&str; 2] = ["+919800000023", "+919800000024"];
/// Short, so the tests see a lease run out; the heartbeat renews it every 1.5 s.
const LEASE_SECONDS: u64 = 6;

/// Desk A and desk B on `server`, each with its two accounts linked and their limits off.
async fn team(server: &Server) -> (Desk, Desk) {
    let all: Vec<&str> = DESK_A.iter().chain(&DESK_B).copied().collect();
    let mut a = Desk::new(&all, |_| {}).await;
    a.database_url = Some(server.url.clone());
    let mut b = a.beside();
    a.settings(json!({"workstation_name": "Desk A", "team_lease_seconds": LEASE_SECONDS}));
    b.settings(json!({"workstation_name": "Desk B", "team_lease_seconds": LEASE_SECONDS}));
    a.link_team(&DESK_A).await;
    b.link_team(&DESK_B).await;
    limits_off(&a).await;
    limits_off(&b).await;
    (a, b)
}

fn people(n: u32, series: u32) -> Vec<String> {
    (0..n).map(|i| format!("+919870{series}{i:05}")).collect()
}

/// Messages that reached WhatsApp, per sending phone.
async fn per_sender(desk: &Desk) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in desk.accepted().await {
        *m.entry(e.from).or_default() += 1;
    }
    m
}

/// No phone was ever logged in on two pages at once, and every lease of
/// every account was taken by the desk it was linked on only.
async fn one_desk_per_account(a: &Desk, b: &Desk) {
    for p in a.sim.phones().await.into_iter().filter(|p| DESK_A.contains(&p.phone.as_str()) || DESK_B.contains(&p.phone.as_str())) {
        assert_eq!(p.max_concurrent_sessions, 1, "{} ran in two sessions at once", p.phone);
    }
    for (desk, other) in [(a, b), (b, a)] {
        let mine = std::fs::read_to_string(desk.data_dir().join("workstation.json")).unwrap();
        let mine: Value = serde_json::from_str(&mine).unwrap();
        let theirs: Value = serde_json::from_str(&std::fs::read_to_string(other.data_dir().join("workstation.json")).unwrap()).unwrap();
        for (id, _) in &desk.team {
            let history = desk.json(&["team", "leases", &id.to_string()]).await;
            let events = history.as_array().unwrap();
            assert!(events.iter().any(|e| e["kind"] == "acquired"), "account {id}: {history}");
            for e in events {
                assert_eq!(e["workstationId"], mine["id"], "account {id} leased by another desk: {history}");
                assert_ne!(e["workstationId"], theirs["id"]);
                assert_ne!(e["kind"], "lost", "account {id}: {history}");
            }
        }
    }
}

#[tokio::test]
async fn two_desks_share_a_campaign_and_a_killed_desk_is_reconciled_when_it_comes_back() {
    let server = Server::start();
    let (a, b) = team(&server).await;
    let people = people(1000, 1);
    let c = start_text_campaign(&a, "two desks", &people).await;

    // Desk A holds one send after WhatsApp took it (its result never stored), then dies.
    let hold = tempfile::tempdir().unwrap();
    let run_a = a.spawn_run(&[], &[("FLOCK_TEST_HOLD_SEND", "after_send"), ("FLOCK_TEST_HOLD_DIR", &hold.path().display().to_string())]);
    let run_b = b.spawn_run(&[], &[]);
    wait_accepted(&a, 300, Duration::from_secs(240), "both desks sending").await;
    let senders = per_sender(&a).await;
    assert!(DESK_A.iter().chain(&DESK_B).all(|p| senders.get(*p).is_some_and(|n| *n > 0)), "every account of both desks sends: {senders:?}");
    let held = std::fs::read_dir(hold.path()).unwrap().count();
    assert_eq!(held, 1, "desk A holds a send");

    // A workstation dies: the process and its browsers, SIGKILL.
    run_a.kill().await;
    kill_browser(&a.data_dir());

    // Desk B finishes the unclaimed work with its own accounts.
    poll_show(&b, c, Duration::from_secs(300), "desk B to send what was left", |v| v["counts"]["pending"] == 0).await;
    // Desk A's lease runs out: its accounts show offline there, and its
    // `sending` rows wait for it, named, never resent by desk B.
    let end = tokio::time::Instant::now() + Duration::from_secs(60);
    let parked = loop {
        let rows = report_rows(&b, c).await;
        let sending: Vec<_> = rows.into_iter().filter(|r| r.status == "sending").collect();
        if !sending.is_empty() && sending.iter().all(|r| r.reason.starts_with("waiting for Desk A to reconcile")) {
            break sending;
        }
        assert!(tokio::time::Instant::now() < end, "desk A's sending rows were not named as waiting for it: {sending:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(!parked.is_empty());
    let accounts = b.json(&["accounts", "list"]).await;
    for acc in accounts.as_array().unwrap().iter().filter(|x| DESK_A.contains(&x["phone"].as_str().unwrap_or_default())) {
        assert_eq!(acc["desk"]["name"], "Desk A", "{acc}");
        assert_eq!(acc["desk"]["online"], false, "{acc}");
    }
    let workstations = b.json(&["team", "list"]).await;
    let desk_a = workstations.as_array().unwrap().iter().find(|w| w["name"] == "Desk A").expect("desk A listed").clone();
    assert_eq!(desk_a["online"], false, "{workstations}");
    let shown = b.show(c).await;
    assert_eq!(shown["status"], "running", "not complete while desk A's rows are unresolved: {shown}");

    // Desk A comes back: each parked row is looked up in its own session, never sent again.
    a.run_until_idle(Duration::from_secs(300)).await;
    run_b.stop().await;
    let done = a.show(c).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_each_once_or_failed(&a, c, &people, &[], &[]).await;
    let senders = per_sender(&a).await;
    assert_eq!(senders.values().sum::<usize>(), people.len(), "{senders:?}");
    one_desk_per_account(&a, &b).await;
}

/// When a desk's `run --json` printed `state` for the account (read time, ms).
fn state_lines(run: &super::support::Running, account: i64, state: &str) -> Vec<i64> {
    run.lines()
        .into_iter()
        .filter(|l| l["event"] == "state" && l["id"] == account && l["state"] == state)
        .filter_map(|l| l["_readAtMs"].as_i64())
        .collect()
}

#[tokio::test]
async fn two_desks_ride_out_a_postgresql_restart_and_finish_the_campaign_once() {
    let server = Server::start();
    let (a, b) = team(&server).await;
    let people = people(600, 2);
    let c = start_text_campaign(&a, "restart", &people).await;
    // Desk B first: it sees desk A's accounts come back, live, on its own stream.
    let run_b = b.spawn_run(&[], &[]);
    poll_show(&b, c, Duration::from_secs(120), "desk B to start sending", |v| v["counts"]["pending"].as_u64() < Some(people.len() as u64)).await;
    let run_a = a.spawn_run(&[], &[]);
    let end = tokio::time::Instant::now() + Duration::from_secs(120);
    for (id, _) in &a.team {
        loop {
            let (mine, theirs) = (state_lines(&run_a, *id, "reconnecting"), state_lines(&run_b, *id, "reconnecting"));
            if let (Some(at_a), Some(at_b)) = (mine.first(), theirs.first()) {
                let lag = at_b - at_a;
                assert!(lag < 1000, "desk B saw desk A's account {id} reconnecting {lag} ms after desk A");
                eprintln!("desk B saw account {id} of desk A reconnecting {lag} ms after desk A did");
                break;
            }
            assert!(tokio::time::Instant::now() < end, "desk B never showed desk A's account {id} reconnecting: {:?}", run_b.lines());
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // Both desks sending, then the database goes away under them.
    let end = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let senders = per_sender(&a).await;
        if DESK_A.iter().all(|p| senders.get(*p).is_some_and(|n| *n > 0)) {
            break;
        }
        assert!(tokio::time::Instant::now() < end, "desk A never sent: {:?}", a.sim.ledger_accepted().await.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.ctl("down");
    tokio::time::sleep(Duration::from_secs(10)).await;
    server.ctl("up");
    let done = poll_show(&a, c, Duration::from_secs(300), "the campaign to complete after the restart", |v| v["status"] == "completed").await;
    assert_eq!(done["counts"]["sent"].as_u64().unwrap_or(0) + done["counts"]["delivered"].as_u64().unwrap_or(0) + done["counts"]["read"].as_u64().unwrap_or(0), people.len() as u64, "{done}");
    run_a.stop().await;
    run_b.stop().await;
    assert_each_once_or_failed(&a, c, &people, &[], &[]).await;
    let senders = per_sender(&a).await;
    assert!(DESK_A.iter().chain(&DESK_B).all(|p| senders.get(*p).is_some_and(|n| *n > 0)), "both desks sent: {senders:?}");
    one_desk_per_account(&a, &b).await;
}
