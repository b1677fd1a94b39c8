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
    pub sim: SimHandle,
    pub home: tempfile::TempDir,
    /// (account id, phone) of the linked team accounts.
    pub team: Vec<(i64, String)>,
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
        let mut cfg = SimConfig::fast();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).await.unwrap();
        for (i, p) in team.iter().enumerate() {
            sim.add_phone(p, &format!("Team {}", i + 1)).await.unwrap();
        }
        Self { sim, home: tempfile::tempdir().unwrap(), team: Vec::new() }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("flock")
    }

    pub fn base_args(&self) -> Vec<String> {
        vec!["--data-dir".into(), self.data_dir().display().to_string(), "--wa-url".into(), format!("{}/", self.sim.base_url())]
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
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
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
