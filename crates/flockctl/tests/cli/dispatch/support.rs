//! A desk for end-to-end dispatch tests: the simulator (its ledger is the
//! judge), a data folder, team accounts linked by `flockctl accounts link`
//! (the test plays the phones), and `flockctl run` processes whose JSON
//! lines are collected.

use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flock_sim::{LedgerEntry, SimConfig, SimHandle, Simulator};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Desk {
    /// Shared by the desks of one team (`Desk::beside`).
    pub sim: Arc<SimHandle>,
    pub home: tempfile::TempDir,
    /// (account id, phone) of the linked team accounts.
    pub team: Vec<(i64, String)>,
    /// `--database-url` of every command (default: SQLite in the data folder).
    pub database_url: Option<String>,
}

/// A `flockctl run` in the background and the JSON lines it printed.
pub struct Running {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<Value>>>,
}

impl Running {
    pub fn lines(&self) -> Vec<Value> {
        self.lines.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Waits for the process to exit by itself.
    pub async fn wait(mut self, within: Duration) -> (bool, Vec<Value>) {
        let status = tokio::time::timeout(within, self.child.wait()).await.expect("flockctl run exited in time").expect("wait");
        tokio::time::sleep(Duration::from_millis(200)).await;
        (status.success(), self.lines())
    }

    /// SIGTERM, as a service manager stops it: sends in flight finish, browsers close.
    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        if tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await.is_err() {
            let _ = self.child.start_kill();
        }
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

impl Desk {
    pub async fn new(team: &[&str], tweak: impl FnOnce(&mut SimConfig)) -> Self {
        failure_last();
        let mut cfg = SimConfig::fast();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).await.unwrap();
        for (i, p) in team.iter().enumerate() {
            sim.add_phone(p, &format!("Team {}", i + 1)).await.unwrap();
        }
        Self { sim: Arc::new(sim), home: tempfile::tempdir().unwrap(), team: Vec::new(), database_url: None }
    }

    /// A second workstation of the same team: the same simulator (the
    /// phones) and database, a data folder of its own.
    pub fn beside(&self) -> Self {
        Self { sim: self.sim.clone(), home: tempfile::tempdir().unwrap(), team: Vec::new(), database_url: self.database_url.clone() }
    }

    /// Writes the desk's `settings.json` (before its first command).
    pub fn settings(&self, settings: Value) {
        std::fs::create_dir_all(self.data_dir()).unwrap();
        std::fs::write(self.data_dir().join("settings.json"), settings.to_string()).unwrap();
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("flock")
    }

    pub fn base_args(&self) -> Vec<String> {
        let mut args = vec!["--data-dir".into(), self.data_dir().display().to_string(), "--wa-url".into(), format!("{}/", self.sim.base_url())];
        if let Some(url) = &self.database_url {
            args.extend(["--database-url".into(), url.clone()]);
        }
        args
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flockctl"));
        cmd.args(self.base_args())
            .args(args)
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"))
            .env_remove("FLOCK_DATABASE_URL")
            .env_remove("FLOCK_TEST_HOLD_SEND")
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.expect("run flockctl")
    }

    /// Runs a `--json` command that must succeed; its stdout as JSON.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all).await;
        assert!(out.status.success(), "flockctl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("flockctl {args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// Adds and links one account per team phone (the test scans the QR).
    pub async fn link_team(&mut self, phones: &[&str]) {
        for phone in phones {
            let added = self.json(&["accounts", "add", &format!("Team {phone}")]).await;
            let id = added["id"].as_i64().unwrap();
            let mut child = self.command(&["accounts", "link", &id.to_string(), "--json", "--timeout", "150"]).stdout(Stdio::piped()).spawn().unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let scan = async {
                while let Ok(Some(line)) = lines.next_line().await {
                    let v: Value = serde_json::from_str(&line).unwrap();
                    if v["event"] == "qr" {
                        if let Err(e) = self.sim.scan(v["payload"].as_str().unwrap(), phone).await {
                            eprintln!("scan refused ({e}); waiting for the next QR");
                        }
                    }
                }
            };
            tokio::time::timeout(Duration::from_secs(180), scan).await.expect("linked in time");
            let status = child.wait().await.unwrap();
            assert!(status.success(), "linking {phone} failed");
            self.team.push((id, phone.to_string()));
        }
    }

    /// Starts `flockctl run --json <extra>` with extra environment.
    pub fn spawn_run(&self, extra: &[&str], env: &[(&str, &str)]) -> Running {
        let mut args = vec!["run", "--json"];
        args.extend_from_slice(extra);
        let mut cmd = self.command(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = lines.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(out).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(mut v) = serde_json::from_str::<Value>(&line) {
                    // When the test read it: lines of two desks compare in time.
                    if let Some(o) = v.as_object_mut() {
                        o.insert("_readAtMs".into(), Value::from(chrono::Utc::now().timestamp_millis()));
                    }
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Running { child, lines }
    }

    /// `flockctl run --until-idle` to its end; must exit 0.
    pub async fn run_until_idle(&self, within: Duration) -> Vec<Value> {
        let (ok, lines) = self.spawn_run(&["--until-idle", "--idle-horizon", "120"], &[]).wait(within).await;
        assert!(ok, "run --until-idle failed: {lines:?}");
        assert!(lines.iter().any(|l| l["event"] == "idle"), "{lines:?}");
        lines
    }

    /// What reached WhatsApp.
    pub async fn accepted(&self) -> Vec<LedgerEntry> {
        self.sim.ledger().await.into_iter().filter(|e| e.accepted).collect()
    }

    pub async fn show(&self, campaign: i64) -> Value {
        self.json(&["campaigns", "show", &campaign.to_string()]).await
    }

    /// Polls `campaigns show` until `done` holds for it.
    pub async fn wait_show(&self, campaign: i64, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let end = tokio::time::Instant::now() + within;
        loop {
            let v = self.show(campaign).await;
            if done(&v) {
                return v;
            }
            assert!(tokio::time::Instant::now() < end, "campaign {campaign} did not get there in time: {v}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// Repeats a failing assertion's place and the start of its message as the
/// test's very last line: these tests print much (the dispatcher's log, a
/// backtrace), and CI shows only the start and the end of a failure's output.
fn failure_last() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            default(info);
            let message: String = info.payload_as_str().unwrap_or("").chars().take(400).collect();
            match info.location() {
                Some(at) => eprintln!("FAILED at {at}: {message}"),
                None => eprintln!("FAILED: {message}"),
            }
        }));
    });
}

/// Accepted ledger entries per person or group chat.
pub fn per_target(ledger: &[LedgerEntry]) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for e in ledger {
        let key = e.target.clone().unwrap_or_else(|| e.chat.clone());
        *m.entry(key).or_default() += 1;
    }
    m
}

/// The processes of the browser running on an account's profile folder.
pub fn browser_pids(data_dir: &std::path::Path) -> Vec<u32> {
    let needle = data_dir.join("profiles").display().to_string();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) else { continue };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains("chrom") && cmd.contains(&needle) && !cmd.contains("--type=") {
            pids.push(pid);
        }
    }
    pids
}

/// The repository's scripts folder.
pub fn script(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(name)
}

/// A PostgreSQL server of the test's own (scripts/throwaway-postgres.sh),
/// stopped on drop: a test that stops and starts it must not break the others.
pub struct Server {
    dir: tempfile::TempDir,
    pub url: String,
}

impl Server {
    pub fn start() -> Self {
        // Under /tmp: the server runs as the `postgres` user, who must enter it.
        let dir = tempfile::Builder::new().prefix("flock-test-pg").tempdir_in("/tmp").unwrap();
        let out = std::process::Command::new(script("throwaway-postgres.sh")).arg("start").arg(dir.path().join("pg")).output().unwrap();
        assert!(out.status.success(), "throwaway PostgreSQL: {}", String::from_utf8_lossy(&out.stderr));
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Self { dir, url }
    }

    /// `down` (stop the server, keep its data) or `up` (start it again).
    pub fn ctl(&self, cmd: &str) {
        let out = std::process::Command::new(script("throwaway-postgres.sh")).arg(cmd).arg(self.dir.path().join("pg")).output().unwrap();
        assert!(out.status.success(), "throwaway-postgres.sh {cmd}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script("throwaway-postgres.sh")).arg("stop").arg(self.dir.path().join("pg")).output();
    }
}

// ---- fault tests (faults.rs) ----

/// Sends as fast as the session allows: no caps, no gap, no pause, no ramp-up.
pub async fn limits_off(desk: &Desk) {
    for (id, _) in &desk.team {
        let id = id.to_string();
        let mut args = vec!["accounts", "limits", id.as_str()];
        args.extend_from_slice(&["--per-minute", "off", "--per-hour", "off", "--per-day", "off", "--gap", "0", "--pause-every", "off", "--ramp-up", "off"]);
        desk.json(&args).await;
    }
}

/// Creates and starts a text campaign to these numbers; its id.
pub async fn start_text_campaign(desk: &Desk, name: &str, people: &[String]) -> i64 {
    let mut args = vec!["campaigns", "create", "--name", name, "--text", "Vanakkam {{ first_name | default(\"friend\") }}"];
    for x in people {
        args.extend(["--contact", x.as_str()]);
    }
    let id = desk.json(&args).await["id"].as_i64().unwrap();
    desk.json(&["campaigns", "start", &id.to_string()]).await;
    id
}

/// Accounts in a transitional state whose deadline passed more than
/// `grace` ago (the worker acts on a deadline at once; the grace covers
/// the write and a slow machine).
pub async fn past_deadline(desk: &Desk, grace: chrono::Duration) -> Vec<Value> {
    let now = chrono::Utc::now();
    let list = desk.json(&["accounts", "list"]).await;
    list.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| matches!(a["state"].as_str(), Some("waiting_for_scan" | "syncing" | "reconnecting")))
        .filter(|a| match a["deadline"].as_str().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok()) {
            Some(d) => d.with_timezone(&chrono::Utc) + grace < now,
            // A transitional state always has a deadline.
            None => true,
        })
        .collect()
}

/// Polls `campaigns show` until `done` holds, checking on every round that
/// no account sits in a transitional state past its deadline; the panic
/// names `what` did not happen in time.
pub async fn poll_show(desk: &Desk, campaign: i64, within: Duration, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let end = tokio::time::Instant::now() + within;
    loop {
        let v = desk.show(campaign).await;
        if done(&v) {
            return v;
        }
        let stuck = past_deadline(desk, chrono::Duration::seconds(5)).await;
        assert!(stuck.is_empty(), "while waiting for {what}: accounts past their deadline: {stuck:?}");
        assert!(tokio::time::Instant::now() < end, "timed out after {within:?} waiting for {what}: {v}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Waits until at least `n` messages reached WhatsApp; names `what` on timeout.
pub async fn wait_accepted(desk: &Desk, n: usize, within: Duration, what: &str) {
    let end = tokio::time::Instant::now() + within;
    loop {
        let got = desk.accepted().await.len();
        if got >= n {
            return;
        }
        assert!(tokio::time::Instant::now() < end, "timed out after {within:?} waiting for {what}: {got} of {n} accepted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One outbox row of `campaigns report --csv`: target, status, account, attempts, reason.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub target: String,
    pub status: String,
    pub account: String,
    pub attempts: String,
    pub reason: String,
}

pub async fn report_rows(desk: &Desk, campaign: i64) -> Vec<ReportRow> {
    let out = desk.run(&["campaigns", "report", &campaign.to_string(), "--csv"]).await;
    assert!(out.status.success(), "campaigns report: {}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    csv.lines()
        .skip(1)
        .map(|l| {
            // target,kind,name,status,account,attempts,sent,delivered,read,failed,reason:
            // the reason (last) may hold commas; the test's names hold none.
            let f: Vec<&str> = l.splitn(11, ',').collect();
            let cell = |i: usize| f.get(i).map(|s| s.trim_matches('"').to_string()).unwrap_or_default();
            ReportRow { target: cell(0), status: cell(3), account: cell(4), attempts: cell(5), reason: cell(10) }
        })
        .collect()
}

/// The judge of a fault test: every target reached WhatsApp exactly once
/// (its row sent, delivered or read), or it did not and its row failed
/// with a reason; no target twice, every id submitted once; nothing else
/// sent. `parked`: rows that may stay `sending` (their account's session
/// gone); each is at most once in the ledger. `opted_out`: rows that must
/// be skipped with a reason (a STOP during the test), never in the ledger.
/// Returns the rows.
pub async fn assert_each_once_or_failed(desk: &Desk, campaign: i64, people: &[String], parked: &[String], opted_out: &[String]) -> Vec<ReportRow> {
    let ledger = desk.accepted().await;
    let per = per_target(&ledger);
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let resubmitted: Vec<_> = desk.sim.ledger().await.into_iter().filter(|e| e.submissions != 1).map(|e| (e.id, e.submissions)).collect();
    assert!(resubmitted.is_empty(), "ids submitted more than once: {resubmitted:?}");
    let strangers: Vec<_> = per.keys().filter(|t| !people.contains(t)).collect();
    assert!(strangers.is_empty(), "sent to someone not in the campaign: {strangers:?}");
    let rows = report_rows(desk, campaign).await;
    assert_eq!(rows.len(), people.len(), "one row per target");
    for r in &rows {
        let sent = per.get(&r.target).copied().unwrap_or(0);
        match r.status.as_str() {
            "sent" | "delivered" | "read" => assert_eq!(sent, 1, "{} is {} but in the ledger {sent} times", r.target, r.status),
            "failed" => {
                assert_eq!(sent, 0, "{} failed but reached WhatsApp", r.target);
                assert!(!r.reason.is_empty(), "{} failed without a reason", r.target);
            }
            "sending" if parked.contains(&r.target) => assert!(sent <= 1),
            "skipped" if opted_out.contains(&r.target) => {
                assert_eq!(sent, 0, "{} skipped but reached WhatsApp", r.target);
                assert!(!r.reason.is_empty(), "{} skipped without a reason", r.target);
            }
            other => panic!("{} left {other} (account {}, reason {:?})", r.target, r.account, r.reason),
        }
    }
    rows
}

/// SIGKILLs the browser running on the data folder's profiles; the pids killed.
pub fn kill_browser(data_dir: &std::path::Path) -> Vec<u32> {
    let pids = browser_pids(data_dir);
    for pid in &pids {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    pids
}
