//! `flockctl campaigns …` as a user runs them: a campaign to two group
//! chats, the members of both groups, a tag and a CSV, with overlaps, an
//! opted-out and a hidden member; its outbox rows and skip reasons, its
//! texts per target, its lifecycle, report and errors.

use std::process::Output;

use flock_core::entities::message;
use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::accounts;
use flock_testkit::TestDb;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use crate::{flockctl, stdout_json};

const OWN: &str = "+919000000001";
const G1: &str = "120363000000000201@g.us";
const G2: &str = "120363000000000202@g.us";
const SHARED: &str = "+919800000001";
const ONLY_G1: &str = "+919800000002";
const OPTED: &str = "+919800000003";
const HIDDEN: &str = "777000000000009@lid";
const TAGGED: &str = "+919800000009";
const FROM_CSV: &str = "+919800000010";

fn member(wid: &str, name: &str) -> ParticipantSnapshot {
    ParticipantSnapshot {
        wid: wid.into(),
        is_admin: false,
        is_super_admin: false,
        phone_e164: None,
        name: Some(name.into()),
    }
}

fn wid(phone: &str) -> String {
    format!("{}@c.us", phone.trim_start_matches('+'))
}

struct Cli {
    home: tempfile::TempDir,
    url: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        let data = self.home.path().join("data");
        let base = ["--database-url", self.url.as_str(), "--data-dir", data.to_str().unwrap()];
        flockctl(self.home.path(), &[&base[..], args].concat())
    }

    fn json(&self, args: &[&str]) -> Value {
        stdout_json(&self.run(&[args, &["--json"]].concat()))
    }

    /// The `{"error": …}` of a failed command.
    fn error(&self, args: &[&str]) -> Value {
        let out = self.run(&[args, &["--json"]].concat());
        assert!(!out.status.success(), "expected a failure: {}", String::from_utf8_lossy(&out.stdout));
        let err: Value = serde_json::from_slice(&out.stderr).expect("stderr is one JSON object");
        err["error"].clone()
    }

    fn path(&self, name: &str) -> String {
        self.home.path().join(name).to_str().unwrap().to_string()
    }
}

async fn world(test: &TestDb) -> Cli {
    let db = test.open().await;
    let db = db.conn();
    let a = accounts::create(db, "Team 1").await.unwrap();
    accounts::set_identity(db, a.id, OWN, &wid(OWN), None).await.unwrap();
    let groups = vec![
        GroupSnapshot {
            wa_id: G1.into(),
            subject: "Salem Mango Growers".into(),
            description: None,
            participants: vec![
                member(&wid(OWN), "Team 1"),
                member(&wid(SHARED), "Dr. Priya Nair"),
                member(&wid(ONLY_G1), "K. Ramesh"),
                member(HIDDEN, "Hidden Harish"),
            ],
            lid_addressing: true,
        },
        GroupSnapshot {
            wa_id: G2.into(),
            subject: "Erode Traders".into(),
            description: None,
            participants: vec![member(&wid(OWN), "Team 1"), member(&wid(SHARED), "Priya"), member(&wid(OPTED), "Olga")],
            lid_addressing: false,
        },
    ];
    apply_snapshot(db, &AccountGroupsSnapshot { account_id: a.id, groups }, &[]).await.unwrap();
    Cli { home: tempfile::tempdir().unwrap(), url: test.url.clone() }
}

#[tokio::test]
async fn a_campaign_to_two_groups_their_members_a_tag_and_a_csv_reaches_each_target_once() {
    let test = TestDb::new().await;
    let cli = world(&test).await;
    std::fs::write(cli.path("vip.csv"), format!("Name,Mobile,Tags\nTara Singh,{TAGGED},vip\nPriya N,{SHARED},vip\n"))
        .unwrap();
    cli.json(&["contacts", "import", &cli.path("vip.csv")]);
    let opted = cli.json(&["contacts", "list", "--search", "Olga"]);
    let opted_id = opted["items"][0]["id"].as_i64().unwrap().to_string();
    cli.json(&["contacts", "opt-out", &opted_id, "--reason", "replied STOP"]);
    std::fs::write(
        cli.path("wards.csv"),
        format!("Name,Mobile,Ward No.,Consent\nPriya,{SHARED},12,yes\nMeena Kumari,{FROM_CSV},7,yes\nBad,12345,1,\n"),
    )
    .unwrap();
    let text =
        "{Hi|Hello|Vanakkam} {{ first_name | default(\"friends\") }}{% if ward_no %} of ward {{ ward_no }}{% endif %}!";
    std::fs::write(cli.path("message.txt"), text).unwrap();

    let created = cli.json(&[
        "campaigns",
        "create",
        "--name",
        "Wards",
        "--template-file",
        &cli.path("message.txt"),
        "--group",
        G1,
        "--group",
        G2,
        "--members-of",
        G1,
        "--members-of",
        G2,
        "--tag",
        "vip",
        "--csv",
        &cli.path("wards.csv"),
        "--contact",
        OWN,
        "--quiet-hours",
        "21:00-09:00",
        "--time-zone",
        "Asia/Kolkata",
        "--days",
        "mon-sat",
    ]);
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["kind"], "text");
    assert_eq!(created["csv"]["targets"], 2);
    assert_eq!(created["csv"]["rejected"][0]["row"], 4);
    let id_s = id.to_string();

    let preview = cli.json(&["campaigns", "preview", &id_s, "--sample", SHARED, "--sample", HIDDEN]);
    let a = &preview["audience"];
    assert_eq!((a["targets"].as_u64(), a["toSend"].as_u64(), a["groups"].as_u64()), (Some(9), Some(6), Some(2)), "{a}");
    assert_eq!(a["skippedByReason"], serde_json::json!({"opted_out": 1, "own_account": 1, "phone_hidden": 1}));
    assert_eq!((a["consented"].as_u64(), a["groupOnly"].as_u64(), a["other"].as_u64()), (Some(2), Some(1), Some(1)));
    assert!(preview["samples"][0]["text"].as_str().unwrap().ends_with("Priya of ward 12!"), "{preview}");
    assert_eq!(preview["samples"][1]["skipCode"], "phone_hidden");
    assert_eq!(preview["identical"]["targets"], 6);
    assert!(preview["eta"]["text"].is_string());

    let started = cli.json(&["campaigns", "start", &id_s]);
    assert_eq!((started["status"].as_str(), started["added"].as_u64()), (Some("running"), Some(9)));

    // The outbox: one row per person or chat, skips with their reasons.
    let db = test.connect().await;
    let rows = message::Entity::find()
        .filter(message::Column::CampaignId.eq(id))
        .order_by_asc(message::Column::Id)
        .all(db.conn())
        .await
        .unwrap();
    let by_key = |k: &str| rows.iter().filter(|r| r.target_key == k).collect::<Vec<_>>();
    assert_eq!(rows.len(), 9, "{rows:#?}");
    for key in [G1, G2, SHARED, ONLY_G1, TAGGED, FROM_CSV, OPTED, HIDDEN, OWN] {
        assert_eq!(by_key(key).len(), 1, "{key} once");
    }
    let skip = |k: &str| by_key(k)[0].skip_reason.clone();
    assert_eq!(skip(OPTED).as_deref(), Some("opted_out"));
    assert_eq!(skip(HIDDEN).as_deref(), Some("phone_hidden"));
    assert_eq!(skip(OWN).as_deref(), Some("own_account"));
    let text_of = |k: &str| by_key(k)[0].rendered_text.clone().unwrap();
    assert!(text_of(G2).ends_with(" friends!"));
    assert!(text_of(ONLY_G1).ends_with(" Ramesh!"));
    assert!(text_of(FROM_CSV).ends_with(" Meena of ward 7!"));
    assert!(text_of(TAGGED).ends_with(" Tara!"));
    let openers: std::collections::BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r.rendered_text.as_deref())
        .map(|t| t.split(' ').next().unwrap().to_string())
        .collect();
    assert!(openers.iter().all(|o| ["Hi", "Hello", "Vanakkam"].contains(&o.as_str())), "{openers:?}");
    // The preview showed the very text that was stored.
    assert_eq!(preview["samples"][0]["text"].as_str().unwrap(), text_of(SHARED));

    let again = cli.json(&["campaigns", "start", &id_s]);
    assert_eq!(again["added"], 0, "a second start adds nothing");

    let shown = cli.json(&["campaigns", "show", &id_s]);
    assert_eq!(shown["id"], id);
    assert_eq!(shown["status"], "running");
    assert_eq!(
        shown["counts"],
        serde_json::json!({"pending": 6, "sending": 0, "sent": 0, "delivered": 0, "read": 0, "failed": 0, "skipped": 3})
    );
    assert!(shown["eta"]["text"].is_string(), "{shown}");
    assert_eq!(shown["schedule"]["quietHours"]["start"], "21:00:00");
    assert_eq!(shown["schedule"]["days"], serde_json::json!(["mon", "tue", "wed", "thu", "fri", "sat"]));

    let report = cli.run(&["campaigns", "report", &id_s, "--csv"]);
    assert!(report.status.success());
    let report = String::from_utf8(report.stdout).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().any(|l| l.starts_with(&format!("{OPTED},phone,Olga,skipped,,0,,,,,opted out"))), "{report}");
    assert!(lines.iter().any(|l| l.starts_with(&format!("{HIDDEN},lid,Hidden Harish,skipped"))), "{report}");

    let paused = cli.json(&["campaigns", "pause", &id_s, "--reason", "checking the text"]);
    assert_eq!((paused["status"].as_str(), paused["reason"].as_str()), (Some("paused"), Some("checking the text")));
    assert_eq!(cli.json(&["campaigns", "resume", &id_s])["status"], "running");
    assert_eq!(cli.json(&["campaigns", "cancel", &id_s])["status"], "cancelled");
    let shown = cli.json(&["campaigns", "show", &id_s]);
    assert_eq!(shown["counts"]["skipped"], 9);
    assert!(shown["finishedAt"].is_string() && shown["eta"].is_null());
    let history = cli.json(&["campaigns", "history", &id_s]);
    let events: Vec<&str> =
        history["events"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["create", "start", "materialise", "pause", "resume", "cancel"]);
    let err = cli.error(&["campaigns", "resume", &id_s]);
    assert_eq!(err["kind"], "conflict");

    let list = cli.json(&["campaigns", "list"]);
    assert_eq!(list["campaigns"][0]["id"], id);
    assert_eq!(list["campaigns"][0]["counts"]["skipped"], 9);
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];

#[tokio::test]
async fn bad_input_is_a_clear_typed_error() {
    let test = TestDb::new().await;
    let cli = world(&test).await;
    let base = ["campaigns", "create", "--name", "Bad", "--members-of", G1];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }

    let err = cli.error(&with(&base, &["--text", "Hello {{ frist_name }}"]));
    assert_eq!(err["kind"], "invalid_input");
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("`frist_name` at line 1, column 10") && message.contains("first_name"), "{message}");

    let err = cli.error(&with(&base, &["--text", "Hi {a|b", "--group", "999"]));
    assert!(err["message"].as_str().unwrap().contains("line 1"), "{err}");

    let err = cli.error(&["campaigns", "create", "--name", "X", "--text", "Hi", "--group", "999"]);
    assert!(err["message"].as_str().unwrap().contains("999@g.us"), "{err}");
    assert!(err["fix"].as_str().unwrap().contains("groups list"), "{err}");

    std::fs::write(cli.path("empty.csv"), "").unwrap();
    let err = cli.error(&with(&base, &["--text", "Hi", "--csv", &cli.path("empty.csv")]));
    assert!(err["message"].as_str().unwrap().contains("empty"), "{err}");
    std::fs::write(cli.path("nophone.csv"), "Name,City\nAsha,Salem\n").unwrap();
    let err = cli.error(&with(&base, &["--text", "Hi", "--csv", &cli.path("nophone.csv")]));
    assert!(err["message"].as_str().unwrap().contains("phone"), "{err}");

    // 17 MiB of PNG: over WhatsApp's 16 MiB for images.
    let big = cli.path("big.png");
    let f = std::fs::File::create(&big).unwrap();
    std::io::Write::write_all(&mut &f, PNG).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap();
    let err = cli.error(&with(&base, &["--text", "Hi", "--file", &big]));
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("images up to"), "{message}");
    let err = cli.error(&with(&base, &["--text", "Hi", "--file", &cli.path("missing.jpg")]));
    assert!(err["message"].as_str().unwrap().contains("missing.jpg"), "{err}");

    let err = cli.error(&["campaigns", "create", "--name", "X", "--text", "Hi", "--district", "Nowhere"]);
    assert!(err["message"].as_str().unwrap().contains("no targets"), "{err}");
    let err = cli.error(&["campaigns", "create", "--name", "X", "--text", "Hi"]);
    assert!(err["message"].as_str().unwrap().contains("audience is empty"), "{err}");
    let err = cli.error(&with(&base, &["--text", "Hi", "--quiet-hours", "9pm-9am"]));
    assert!(err["fix"].as_str().unwrap().contains("21:00-09:00"), "{err}");
    let err = cli.error(&with(&base, &["--text", "Hi", "--time-zone", "Mars/Olympus"]));
    assert!(err["message"].as_str().unwrap().contains("Mars/Olympus"), "{err}");
    let err = cli.error(&["campaigns", "show", "4242"]);
    assert_eq!(err["kind"], "not_found");

    // Nothing half-made: no campaign exists after all those.
    assert_eq!(cli.json(&["campaigns", "list"])["campaigns"], serde_json::json!([]));

    // A good image is stored once in the data folder's media store.
    std::fs::write(cli.path("offer.png"), PNG).unwrap();
    let made = cli
        .json(&with(&base, &["--text", "Offer!", "--file", &cli.path("offer.png"), "--start-at", "2099-01-01 09:00"]));
    assert_eq!(made["kind"], "image");
    let media: Vec<_> = std::fs::read_dir(cli.home.path().join("data/media")).unwrap().collect();
    assert_eq!(media.len(), 1);
    let id = made["id"].as_i64().unwrap().to_string();
    let started = cli.json(&["campaigns", "start", &id]);
    assert_eq!(started["status"], "scheduled");
}
