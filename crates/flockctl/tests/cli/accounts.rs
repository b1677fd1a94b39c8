//! `flockctl accounts add/link/list` run as a user would, against the
//! simulator; the test plays the phone through the SimHandle.

use std::process::Stdio;
use std::time::Duration;

use flock_sim::{SimConfig, SimHandle, Simulator};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{flockctl, stdout_json};

const RAVI: &str = "+919800000001";
const PRIYA: &str = "+919800000002";

struct Setup {
    sim: SimHandle,
    home: tempfile::TempDir,
}

impl Setup {
    async fn new(tweak: impl FnOnce(&mut SimConfig)) -> Self {
        let mut cfg = SimConfig::fast();
        tweak(&mut cfg);
        let sim = Simulator::start(cfg).await.unwrap();
        sim.add_phone(RAVI, "Ravi").await.unwrap();
        sim.add_phone(PRIYA, "Priya").await.unwrap();
        Self { sim, home: tempfile::tempdir().unwrap() }
    }

    fn base_args(&self) -> Vec<String> {
        vec![
            "--data-dir".into(),
            self.home.path().join("flock").display().to_string(),
            "--wa-url".into(),
            format!("{}/", self.sim.base_url()),
        ]
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<String> = self.base_args();
        all.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        flockctl(self.home.path(), &refs)
    }

    /// Runs `accounts link`, answering QR codes and pairing codes as `phone`.
    /// Returns the exit success, the JSON lines and stderr.
    async fn link(&self, args: &[&str], phone: &str) -> (bool, Vec<Value>, String) {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_flockctl"));
        cmd.args(self.base_args())
            .args(args)
            .env("HOME", self.home.path())
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env_remove("FLOCK_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("spawn flockctl");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut out = Vec::new();
        let read = async {
            while let Ok(Some(line)) = lines.next_line().await {
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
                match v["event"].as_str() {
                    Some("qr") => {
                        if let Err(e) = self.sim.scan(v["payload"].as_str().unwrap(), phone).await {
                            eprintln!("scan refused ({e}); waiting for the next QR");
                        }
                    }
                    Some("pairing_code") => {
                        self.sim.pair(v["code"].as_str().unwrap(), phone).await.unwrap();
                    }
                    _ => {}
                }
                out.push(v);
            }
        };
        tokio::time::timeout(Duration::from_secs(180), read).await.expect("flockctl link finished in time");
        let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.expect("exit").expect("wait");
        (output.status.success(), out, String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// No account is in a transitional state past (or without) its deadline.
fn assert_no_overdue(list: &Value) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for a in list.as_array().expect("array") {
        if matches!(a["state"].as_str(), Some("waiting_for_scan" | "syncing" | "reconnecting")) {
            let deadline = a["deadline"].as_str().unwrap_or_else(|| panic!("no deadline: {a}"));
            let secs = chrono_secs(deadline);
            assert!(now <= secs + 10, "past its deadline: {a}");
        }
    }
}

/// Seconds since the epoch of an RFC 3339 UTC time (`2026-11-26T05:14:45.65Z`).
fn chrono_secs(t: &str) -> i64 {
    let (date, time) = t.split_once('T').expect("RFC 3339");
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let hms: Vec<i64> = time.trim_end_matches('Z').split(['+', '.']).next().unwrap().split(':').map(|x| x.parse().unwrap()).collect();
    let (y, m) = if d[1] <= 2 { (d[0] - 1, d[1] + 9) } else { (d[0], d[1] - 3) };
    let days = 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d[2] - 1 - 719_468;
    days * 86_400 + hms[0] * 3_600 + hms[1] * 60 + hms[2]
}

fn events<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["event"] == kind).collect()
}

#[tokio::test]
async fn accounts_add_link_by_qr_list_and_relink_without_qr() {
    let s = Setup::new(|_| {}).await;
    let added = stdout_json(&s.run(&["accounts", "add", "Sales 1", "--json"]));
    let id = added["id"].as_i64().expect("id");
    let id_s = id.to_string();

    let (ok, lines, stderr) = s.link(&["accounts", "link", &id_s, "--json", "--timeout", "120"], RAVI).await;
    assert!(ok, "link failed: {stderr}\n{lines:?}");
    assert!(!events(&lines, "qr").is_empty(), "{lines:?}");
    let states: Vec<&str> = events(&lines, "state").iter().filter_map(|v| v["state"].as_str()).collect();
    assert_eq!(states.first(), Some(&"waiting_for_scan"), "{lines:?}");
    assert_eq!(states.last(), Some(&"active"), "{lines:?}");
    assert_eq!(events(&lines, "state").last().unwrap()["phone"], RAVI);

    let list = stdout_json(&s.run(&["accounts", "list", "--json"]));
    let a = &list.as_array().expect("array")[0];
    assert_eq!((a["id"].as_i64(), a["state"].as_str(), a["phone"].as_str()), (Some(id), Some("active"), Some(RAVI)), "{list}");
    assert_eq!(a["waId"], "919800000001@c.us");
    assert_no_overdue(&list);

    // The profile is still logged in: linking again needs no QR.
    let (ok, lines, stderr) = s.link(&["accounts", "link", &id_s, "--json", "--timeout", "120"], RAVI).await;
    assert!(ok, "relink failed: {stderr}\n{lines:?}");
    assert!(events(&lines, "qr").is_empty(), "no QR for a logged-in profile: {lines:?}");
    assert_eq!(events(&lines, "state").last().unwrap()["state"], "active");

    // `flockctl run` restores it headless and stops cleanly on SIGTERM.
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_flockctl"))
        .args(s.base_args())
        .args(["run", "--json"])
        .env("HOME", s.home.path())
        .env("XDG_CONFIG_HOME", s.home.path().join(".config"))
        .env_remove("FLOCK_DATABASE_URL")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let restored = async {
        while let Ok(Some(line)) = lines.next_line().await {
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["state"] == "active" && v["id"].as_i64() == Some(id) {
                return true;
            }
        }
        false
    };
    assert!(tokio::time::timeout(Duration::from_secs(120), restored).await.expect("restored in time"));
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("stops").unwrap();
    assert!(status.success(), "{status:?}");
    let _ = s.sim.shutdown().await;
}

#[tokio::test]
async fn accounts_link_by_pairing_code_and_an_expired_qr_fails_with_the_reason() {
    let s = Setup::new(|c| {
        c.first_qr_ttl_ms = 1_500;
        c.next_qr_ttl_ms = 700;
        c.max_qr_refs = 2;
    })
    .await;
    let id = stdout_json(&s.run(&["accounts", "add", "Sales 2", "--json"]))["id"].as_i64().unwrap().to_string();
    let (ok, lines, stderr) = s.link(&["accounts", "link", &id, "--pairing-phone", PRIYA, "--json"], PRIYA).await;
    assert!(ok, "pairing link failed: {stderr}\n{lines:?}");
    let code = events(&lines, "pairing_code")[0]["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    assert_eq!(events(&lines, "state").last().unwrap()["phone"], PRIYA);

    // Nobody scans: the QR refs run out, the command fails with the reason.
    let other = stdout_json(&s.run(&["accounts", "add", "Sales 3", "--json"]))["id"].as_i64().unwrap().to_string();
    let (ok, lines, stderr) = s.link(&["accounts", "link", &other, "--json"], "+910000000000").await;
    assert!(!ok, "{lines:?}");
    assert_eq!(events(&lines, "state").last().unwrap()["state"], "link_expired", "{lines:?}");
    let err: Value = serde_json::from_str(stderr.trim().lines().last().unwrap_or("{}")).unwrap_or(Value::Null);
    assert!(err["error"]["message"].as_str().unwrap_or("").contains("QR code expired"), "{stderr}");
    let list = stdout_json(&s.run(&["accounts", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_no_overdue(&list);
    assert_eq!(chrono_secs("1970-01-02T00:00:01Z"), 86_401);
    let _ = s.sim.shutdown().await;
}

/// `groups sync` on the demo scenario: every group of the linked account and
/// every member arrive; a second sync after a change records exactly it.
/// Multi-threaded: `s.run` blocks a thread while the simulator must answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_sync_records_the_demo_groups_then_exactly_the_change() {
    let sim = Simulator::start(SimConfig::fast()).await.unwrap();
    let scenario = flock_sim::demo_scenario();
    sim.load(&scenario).await.unwrap();
    let s = Setup { sim, home: tempfile::tempdir().unwrap() };

    // What WhatsApp shows this account: its groups, each with its participants.
    let mine: Vec<_> = scenario.groups.iter().filter(|g| g.members_of.iter().any(|p| p == RAVI)).collect();
    assert!(mine.len() > 3, "the demo phone is in several groups");
    let members_of = |g: &flock_sim::NewGroup| -> std::collections::BTreeSet<String> {
        g.participants.iter().chain(g.members_of.iter()).cloned().collect()
    };
    let expected_members: usize = mine.iter().map(|g| members_of(g).len()).sum();
    let expected_contacts: std::collections::BTreeSet<String> = mine.iter().flat_map(|g| members_of(g)).collect();

    let id = stdout_json(&s.run(&["accounts", "add", "Sales 1", "--json"]))["id"].as_i64().unwrap().to_string();
    let (ok, lines, stderr) = s.link(&["accounts", "link", &id, "--json", "--timeout", "120"], RAVI).await;
    assert!(ok, "link failed: {stderr}\n{lines:?}");

    let first = stdout_json(&s.run(&["groups", "sync", "--json", "--timeout", "120"]));
    assert_eq!(first["groups_added"].as_u64().unwrap() as usize, mine.len(), "{first}");
    assert_eq!(first["members_added"].as_u64().unwrap() as usize, expected_members, "{first}");
    assert_eq!(first["contacts_added"].as_u64().unwrap() as usize, expected_contacts.len(), "{first}");

    let listed = stdout_json(&s.run(&["groups", "list", "--json"]));
    let groups = listed["groups"].as_array().unwrap();
    assert_eq!(groups.len(), mine.len());
    for g in &mine {
        let row = groups.iter().find(|r| r["subject"] == g.subject.as_str()).unwrap_or_else(|| panic!("{} missing", g.subject));
        assert_eq!(row["memberCount"].as_u64().unwrap() as usize, members_of(g).len(), "{}", g.subject);
    }
    let contacts = stdout_json(&s.run(&["contacts", "list", "--json", "--limit", "100000"]));
    let hidden = expected_contacts.iter().filter(|c| c.starts_with("lid:")).count();
    assert!(hidden > 0, "the demo has privacy-id members");
    assert_eq!(contacts["total"].as_u64().unwrap() as usize, expected_contacts.len(), "nothing dropped");

    // Rename one group and add a member on the "phone" side, then sync again.
    let target = groups.iter().find(|r| r["subject"] == mine[0].subject.as_str()).unwrap();
    let wa_id = target["waId"].as_str().unwrap().to_string();
    s.sim
        .patch_group(&wa_id, flock_sim::GroupPatch {
            subject: Some(format!("{} (2026)", mine[0].subject)),
            add: vec!["+919840012345".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let second = stdout_json(&s.run(&["groups", "sync", "--json", "--timeout", "120"]));
    assert_eq!(second["groups_added"], 0, "{second}");
    assert_eq!(second["groups_changed"], 1, "{second}");
    assert_eq!(second["members_added"], 1, "{second}");
    assert_eq!(second["members_removed"], 0, "{second}");
    assert_eq!(second["contacts_added"], 1, "{second}");
}

/// One process per data folder: a second `flockctl run`, and any command
/// that runs sessions, is refused while the first runs, naming its pid; a
/// command that only reads works; once the first stops, the folder is free.
#[tokio::test]
async fn a_second_flockctl_on_the_same_data_folder_is_refused_naming_the_first_ones_pid() {
    let s = Setup::new(|_| {}).await;
    let id = stdout_json(&s.run(&["accounts", "add", "Sales 1", "--json"]))["id"].as_i64().unwrap().to_string();
    let mut first = tokio::process::Command::new(env!("CARGO_BIN_EXE_flockctl"))
        .args(s.base_args())
        .args(["run", "--json"])
        .env("HOME", s.home.path())
        .env("XDG_CONFIG_HOME", s.home.path().join(".config"))
        .env_remove("FLOCK_DATABASE_URL")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(first.stdout.take().unwrap()).lines();
    let started: Value = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("run starts")
        .unwrap()
        .map(|l| serde_json::from_str(&l).unwrap())
        .expect("a started line");
    assert_eq!(started["event"], "started", "{started}");
    let pid = first.id().unwrap();
    assert_eq!(started["pid"].as_u64(), Some(u64::from(pid)));

    for args in [vec!["run", "--json"], vec!["accounts", "link", &id, "--json"], vec!["groups", "sync", "--json"]] {
        let out = s.run(&args);
        assert!(!out.status.success(), "{args:?} must be refused");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let err: Value = serde_json::from_str(stderr.trim().lines().last().unwrap_or("{}")).unwrap_or(Value::Null);
        let message = err["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(&format!("pid {pid}")) && message.contains("flockctl run"), "{args:?}: {stderr}");
        assert_eq!(err["error"]["kind"], "conflict", "{stderr}");
        assert!(err["error"]["fix"].as_str().unwrap_or("").contains("--data-dir"), "{stderr}");
    }
    // Reading is fine meanwhile.
    let list = stdout_json(&s.run(&["accounts", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);

    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(60), first.wait()).await.expect("stops").unwrap();
    assert!(status.success(), "{status:?}");
    // Free again: `accounts logout` takes the lock and runs.
    let out = s.run(&["accounts", "reset", &id, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = s.sim.shutdown().await;
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// `messages send` and `messages exists` through a linked account's own
/// session, against the simulator (its ledger is the judge); `accounts
/// list` shows what the account's WhatsApp Web can do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_send_follows_the_ticks_and_exists_checks_a_number() {
    const CUSTOMER: &str = "+919811111101";
    const NOBODY: &str = "+919800099999";
    let s = Setup::new(|c| c.not_on_whatsapp = vec![NOBODY.into()]).await;
    let id = stdout_json(&s.run(&["accounts", "add", "Sales 1", "--json"]))["id"].as_i64().unwrap().to_string();
    let (ok, lines, stderr) = s.link(&["accounts", "link", &id, "--json", "--timeout", "120"], RAVI).await;
    assert!(ok, "link failed: {stderr}\n{lines:?}");

    // Text, followed to read.
    let out = s.run(&["messages", "send", &id, "--to", CUSTOMER, "--text", "Mango offer", "--wait", "read", "--timeout", "90", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["event"], "accepted", "{lines:?}");
    let msg_id = lines[0]["id"].as_str().unwrap().to_string();
    assert!(msg_id.starts_with("3EB0"), "{msg_id}");
    let acks: Vec<i64> = lines.iter().filter(|l| l["event"] == "ack").map(|l| l["ack"].as_i64().unwrap()).collect();
    assert_eq!(acks, vec![1, 2, 3], "{lines:?}");
    let ledger: Vec<_> = s.sim.ledger().await.into_iter().filter(|e| e.id == msg_id).collect();
    assert_eq!(ledger.len(), 1, "exactly once: {ledger:?}");
    assert_eq!((ledger[0].from.as_str(), ledger[0].kind.as_str(), ledger[0].text.as_deref()), (RAVI, "chat", Some("Mango offer")));

    // An image with a caption, sent as an image (its type read from its content).
    let png = s.home.path().join("offer.png");
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
    bytes.resize(30_000, 7);
    std::fs::write(&png, bytes).unwrap();
    let png_s = png.display().to_string();
    let out = s.run(&["messages", "send", &id, "--to", CUSTOMER, "--file", &png_s, "--caption", "Fresh mangoes", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let image_id = json_lines(&out)[0]["id"].as_str().unwrap().to_string();
    let ledger: Vec<_> = s.sim.ledger().await.into_iter().filter(|e| e.id == image_id).collect();
    assert_eq!(ledger.len(), 1);
    assert_eq!((ledger[0].kind.as_str(), ledger[0].caption.as_deref()), ("image", Some("Fresh mangoes")), "{ledger:?}");

    // A number not on WhatsApp: refused, typed, nothing sent.
    let out = s.run(&["messages", "send", &id, "--to", NOBODY, "--text", "Hello", "--json"]);
    assert!(!out.status.success());
    let failed = json_lines(&out).into_iter().find(|l| l["event"] == "failed").expect("a failed line");
    assert_eq!((failed["error"].as_str(), failed["maybeSent"].as_bool()), (Some("not_on_whatsapp"), Some(false)), "{failed}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let err: Value = serde_json::from_str(stderr.trim().lines().last().unwrap_or("{}")).unwrap();
    assert_eq!(err["error"]["kind"], "not_found", "{stderr}");
    assert!(s.sim.ledger().await.iter().all(|e| e.id != failed["id"].as_str().unwrap()));

    // Existence checks.
    let yes = stdout_json(&s.run(&["messages", "exists", &id, CUSTOMER, "--json"]));
    assert_eq!(yes, serde_json::json!({"exists": true, "waId": "919811111101@c.us"}));
    let no = stdout_json(&s.run(&["messages", "exists", &id, NOBODY, "--json"]));
    assert_eq!(no, serde_json::json!({"exists": false, "waId": null}));

    // What the account can do, as the last session reported it.
    let list = stdout_json(&s.run(&["accounts", "list", "--json"]));
    let caps = &list[0]["capabilities"];
    let available: Vec<&str> = caps["available"].as_array().expect("capabilities listed").iter().filter_map(|c| c.as_str()).collect();
    assert!(available.contains(&"send_text") && available.contains(&"send_media"), "{caps}");
    assert_eq!(caps["missing"], serde_json::json!([]), "{caps}");
    let _ = s.sim.shutdown().await;
}

/// A missing media module: the account links and sends text; `accounts
/// list` names what is missing, and a file send is refused with that
/// reason, never attempted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_capability_is_listed_and_refused_by_name() {
    let s = Setup::new(|c| c.omit_modules = vec!["WAWebPrepRawMedia".into()]).await;
    let id = stdout_json(&s.run(&["accounts", "add", "Sales 1", "--json"]))["id"].as_i64().unwrap().to_string();
    let (ok, lines, stderr) = s.link(&["accounts", "link", &id, "--json", "--timeout", "120"], RAVI).await;
    assert!(ok, "link failed: {stderr}\n{lines:?}");
    let list = stdout_json(&s.run(&["accounts", "list", "--json"]));
    let missing = list[0]["capabilities"]["missing"].as_array().expect("missing listed").clone();
    let media = missing.iter().find(|m| m["capability"] == "send_media").unwrap_or_else(|| panic!("{list}"));
    assert_eq!(media["internals"], serde_json::json!(["WAWebPrepRawMedia"]));
    assert!(media["reason"].as_str().unwrap().ends_with("lacks WAWebPrepRawMedia"), "{media}");

    let pdf = s.home.path().join("menu.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    let pdf_s = pdf.display().to_string();
    let out = s.run(&["messages", "send", &id, "--to", PRIYA, "--file", &pdf_s, "--json"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Media sending unavailable") && stderr.contains("WAWebPrepRawMedia"), "{stderr}");
    assert!(s.sim.ledger().await.is_empty(), "never attempted");
    let out = s.run(&["messages", "send", &id, "--to", PRIYA, "--text", "Menu follows", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.sim.ledger().await.len(), 1);
    let _ = s.sim.shutdown().await;
}
