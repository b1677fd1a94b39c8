//! Fault tests (issue 13), the simulator's ledger as the judge: a campaign
//! with limits off and one fault in the middle, sent by a real `flockctl
//! run` through real Chromium. Each then checks every target reached
//! WhatsApp exactly once or failed with a reason, none twice, and that no
//! account sat in a transitional state past its deadline (checked on every
//! poll while the campaign runs). Faults: the browser SIGKILLed mid-send
//! twice in a row; the phone offline for 20 s; the page reloading itself;
//! a phone logged out mid-campaign (its `sending` row reconciled or parked
//! on it, the rest sent by the other account).
//!
//! Each fault lands while a send is in flight: the simulator holds the
//! sends on the wire for a few seconds (`send_latency_ms`) until one is
//! claimed, then the fault comes. `N` = 300 messages per campaign; each test
//! takes 30-75 s on a 2-core machine (it prints its time).

use std::time::{Duration, Instant};

use flock_sim::{ConfigPatch, PhoneEvent};
use serde_json::Value;

use super::support::{assert_each_once_or_failed, kill_browser, limits_off, poll_show, start_text_campaign, wait_accepted, Desk};

const TEAM: [&str; 2] = ["+919800000001", "+919800000002"];
/// Messages per campaign.
const N: u32 = 300;
/// The longest a campaign of `N` may take to finish once its fault is over.
const FINISH: Duration = Duration::from_secs(180);
/// How long a send stays on the wire while a fault is set up.
const WIRE_MS: u64 = 4_000;

fn people(base: u32) -> Vec<String> {
    (0..N).map(|n| format!("+9198333{:05}", base + n)).collect()
}

fn completed(v: &Value) -> bool {
    v["status"] == "completed"
}

/// The account's `state` lines, in order.
fn states_of(lines: &[Value], id: i64) -> Vec<String> {
    lines.iter().filter(|l| l["event"] == "state" && l["id"] == id).filter_map(|l| l["state"].as_str().map(String::from)).collect()
}

/// Holds the next sends on the wire (the simulator's `send_latency_ms`)
/// until one is claimed: the fault that follows lands while a send is in
/// flight, its outcome unknown to the dispatcher. The `campaigns show`
/// of that moment.
async fn send_in_flight(desk: &Desk, c: i64, what: &str) -> Value {
    latency(desk, WIRE_MS).await;
    // A send already past the wire finishes first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = poll_show(desk, c, Duration::from_secs(30), &format!("a send in flight before {what}"), |v| v["counts"]["sending"].as_u64() >= Some(1)).await;
    // The claimed send reaches the page and its socket.
    tokio::time::sleep(Duration::from_millis(300)).await;
    v
}

async fn latency(desk: &Desk, ms: u64) {
    desk.sim.set_config(ConfigPatch { send_latency_ms: Some(ms), ..Default::default() }).await;
}

async fn account_state(desk: &Desk, id: i64) -> Value {
    let list = desk.json(&["accounts", "list"]).await;
    list.as_array().and_then(|a| a.iter().find(|x| x["id"] == id).cloned()).unwrap_or_else(|| panic!("no account {id}: {list}"))
}

#[tokio::test]
async fn the_browser_killed_mid_send_twice_in_a_row_loses_and_doubles_nothing() {
    let started = Instant::now();
    let mut desk = Desk::new(&TEAM[..1], |c| c.auto_ack.read_after_ms = None).await;
    desk.link_team(&TEAM[..1]).await;
    limits_off(&desk).await;
    let people = people(0);
    let c = start_text_campaign(&desk, "killed twice", &people).await;
    let run = desk.spawn_run(&[], &[]);
    let mut killed_sending = 0;
    for round in 1..=2 {
        // Each kill after the (restarted) browser has sent again.
        let before = desk.accepted().await.len();
        wait_accepted(&desk, before + N as usize / 4, Duration::from_secs(120), &format!("sends before kill {round}")).await;
        let v = send_in_flight(&desk, c, &format!("kill {round}")).await;
        killed_sending += v["counts"]["sending"].as_u64().unwrap_or(0);
        let pids = kill_browser(&desk.data_dir());
        latency(&desk, 0).await;
        assert!(!pids.is_empty(), "kill {round}: the account's browser is running");
        eprintln!("kill {round}: SIGKILLed {pids:?} with {} accepted", desk.accepted().await.len());
    }
    let done = poll_show(&desk, c, FINISH, "the campaign to complete after two browser kills", completed).await;
    let lines = run.lines();
    run.stop().await;
    let rows = assert_each_once_or_failed(&desk, c, &people, &[], &[]).await;
    let id = desk.team[0].0;
    let states = states_of(&lines, id);
    assert!(states.iter().filter(|s| *s == "reconnecting").count() >= 2, "restarted after each kill: {states:?}");
    assert_eq!(states.last().map(String::as_str), Some("active"), "{states:?}");
    assert_eq!(account_state(&desk, id).await["state"], "active");
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    let retried = rows.iter().filter(|r| r.attempts.parse::<u32>().unwrap_or(0) > 1).count();
    eprintln!("killed twice: {} rows, {failed} failed, {retried} with more than one attempt, {killed_sending} sending at the kills, {}; took {:?}", rows.len(), done["counts"], started.elapsed());
}

#[tokio::test]
async fn the_phone_offline_for_20_s_holds_the_sends_and_loses_none() {
    let started = Instant::now();
    let mut desk = Desk::new(&TEAM[..1], |c| c.auto_ack.read_after_ms = None).await;
    desk.link_team(&TEAM[..1]).await;
    limits_off(&desk).await;
    let people = people(1_000);
    let c = start_text_campaign(&desk, "offline", &people).await;
    let run = desk.spawn_run(&[], &[]);
    wait_accepted(&desk, N as usize / 3, Duration::from_secs(120), "sends before the phone goes offline").await;
    send_in_flight(&desk, c, "the phone goes offline").await;
    desk.sim.phone_event(TEAM[0], PhoneEvent::Offline).await.unwrap();
    latency(&desk, 0).await;
    let id = desk.team[0].0;
    // The page's socket times out: the account shows it is reconnecting.
    let end = tokio::time::Instant::now() + Duration::from_secs(15);
    while !states_of(&run.lines(), id).iter().any(|s| s == "reconnecting") {
        assert!(tokio::time::Instant::now() < end, "the account did not show the lost connection: {:?}", states_of(&run.lines(), id));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let offline_at = desk.accepted().await.len();
    // 20 s offline: nothing reaches WhatsApp, nothing is given up.
    let back = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < back {
        let v = poll_show(&desk, c, Duration::from_secs(5), "campaigns show while offline", |_| true).await;
        assert_eq!(v["counts"]["failed"], 0, "nothing fails while the phone is offline: {v}");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    assert_eq!(desk.accepted().await.len(), offline_at, "nothing reaches WhatsApp while the phone is offline");
    desk.sim.phone_event(TEAM[0], PhoneEvent::Online).await.unwrap();
    let done = poll_show(&desk, c, FINISH, "the campaign to complete after the phone came back", completed).await;
    let lines = run.lines();
    run.stop().await;
    let rows = assert_each_once_or_failed(&desk, c, &people, &[], &[]).await;
    assert!(rows.iter().all(|r| r.status != "failed"), "sends waited, none given up: {:?}", rows.iter().filter(|r| r.status == "failed").collect::<Vec<_>>());
    let states = states_of(&lines, id);
    assert_eq!(states.last().map(String::as_str), Some("active"), "{states:?}");
    eprintln!("offline 20 s: {offline_at} sent before, {}; took {:?}", done["counts"], started.elapsed());
}

#[tokio::test]
async fn the_page_reloading_itself_mid_campaign_loses_and_doubles_nothing() {
    let started = Instant::now();
    let mut desk = Desk::new(&TEAM[..1], |c| c.auto_ack.read_after_ms = None).await;
    desk.link_team(&TEAM[..1]).await;
    limits_off(&desk).await;
    let people = people(2_000);
    let c = start_text_campaign(&desk, "reload", &people).await;
    let run = desk.spawn_run(&[], &[]);
    wait_accepted(&desk, N as usize / 3, Duration::from_secs(120), "sends before the reload").await;
    send_in_flight(&desk, c, "the reload").await;
    let sessions = desk.sim.sessions().await;
    let page = sessions
        .iter()
        .find(|s| s.phone.as_deref() == Some(TEAM[0]) && s.state == "CONNECTED")
        .unwrap_or_else(|| panic!("the account's page: {sessions:?}"));
    desk.sim.reload_session(page.id).await.unwrap();
    latency(&desk, 0).await;
    let reloaded_at = desk.accepted().await.len();
    let done = poll_show(&desk, c, FINISH, "the campaign to complete after the page reloaded", completed).await;
    let lines = run.lines();
    run.stop().await;
    let ledger = desk.accepted().await;
    let sessions: std::collections::BTreeSet<_> = ledger.iter().map(|e| e.session).collect();
    assert!(sessions.len() >= 2, "sent from the page before and after its reload: {sessions:?}");
    assert_each_once_or_failed(&desk, c, &people, &[], &[]).await;
    let states = states_of(&lines, desk.team[0].0);
    assert_eq!(states.last().map(String::as_str), Some("active"), "{states:?}");
    eprintln!("reload: at {reloaded_at} accepted, {}; took {:?}", done["counts"], started.elapsed());
}

#[tokio::test]
async fn a_phone_logged_out_mid_campaign_parks_its_sending_row_and_the_other_account_sends_the_rest() {
    let started = Instant::now();
    let mut desk = Desk::new(&TEAM, |c| c.auto_ack.read_after_ms = None).await;
    desk.link_team(&TEAM).await;
    limits_off(&desk).await;
    let people = people(3_000);
    let c = start_text_campaign(&desk, "logout", &people).await;
    let run = desk.spawn_run(&[], &[]);
    wait_accepted(&desk, N as usize / 3, Duration::from_secs(120), "sends before the logout").await;
    let (gone, stays) = (desk.team[0].0, desk.team[1].0);
    send_in_flight(&desk, c, "the logout").await;
    desk.sim.phone_event(TEAM[0], PhoneEvent::Logout).await.unwrap();
    latency(&desk, 0).await;
    let logout_at = chrono::Utc::now();
    let end = tokio::time::Instant::now() + Duration::from_secs(30);
    while account_state(&desk, gone).await["state"] != "logged_out" {
        assert!(tokio::time::Instant::now() < end, "account {gone} not logged_out in time: {}", account_state(&desk, gone).await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Everything but what the logged-out account held goes through the other one.
    let v = poll_show(&desk, c, FINISH, "every row but the logged-out account's to be done", |v| {
        v["counts"]["pending"] == 0 && v["counts"]["sending"].as_u64().unwrap_or(9) <= 1
    })
    .await;
    // Let a last send in flight on the other account finish.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let lines = run.lines();
    run.stop().await;
    let rows = super::support::report_rows(&desk, c).await;
    let gone_phone = TEAM[0];
    let parked: Vec<String> = rows.iter().filter(|r| r.status == "sending").map(|r| r.target.clone()).collect();
    for r in rows.iter().filter(|r| r.status == "sending") {
        assert!(r.account.contains(gone_phone), "only the logged-out account's row may stay sending: {r:?}");
        eprintln!("parked: {r:?}");
    }
    assert!(parked.len() <= 1, "one send at a time per account: {parked:?}");
    assert_each_once_or_failed(&desk, c, &people, &parked, &[]).await;
    let ledger = desk.accepted().await;
    let late: Vec<_> = ledger.iter().filter(|e| e.from == gone_phone && e.time > logout_at + chrono::Duration::seconds(2)).collect();
    assert!(late.is_empty(), "nothing from the logged-out phone after the logout: {late:?}");
    let after = ledger.iter().filter(|e| e.from == TEAM[1] && e.time > logout_at).count();
    assert!(after > 0, "the other account sent the rest");
    assert_eq!(account_state(&desk, stays).await["state"], "active");
    let states = states_of(&lines, gone);
    assert_eq!(states.last().map(String::as_str), Some("logged_out"), "{states:?}");
    eprintln!("logout: parked {parked:?}, {after} sent by the other account after it, {}; took {:?}", v["counts"], started.elapsed());
}
