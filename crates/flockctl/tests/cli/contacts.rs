//! `flockctl contacts …`, `groups list` and `tags rule add`, as a user runs them.

use flock_core::groups::{apply_snapshot, AccountGroupsSnapshot, GroupSnapshot, ParticipantSnapshot};
use flock_core::repo::{accounts, tags};
use flock_testkit::TestDb;

use crate::{flockctl, stdout_json};

const MESSY: &[u8] = b"Full Name,Mobile,District,Tags\n\
Arun Kumar, 98765 43210 ,Salem,farmer;vip\n\
Bala,+91-98765-43211,Erode,\n\
Chitra,098765 43212,Madurai,trader\n\
Deepa,9876543210,Namakkal,\n\
,,,\n\
Elango,12345,Madurai,\n\
Fa\xffiz,98765 43213,Salem,\n\
Ganesh\n";

#[tokio::test]
async fn import_reports_every_row_then_list_and_export_filter() {
    let test = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("leads.csv");
    std::fs::write(&file, MESSY).unwrap();
    let db = ["--database-url", test.url.as_str()];

    let report = stdout_json(&flockctl(
        home.path(),
        &[&db[..], &["contacts", "import", file.to_str().unwrap(), "--json", "--default-country", "IN"]].concat(),
    ));
    assert_eq!(report["fileName"], "leads.csv");
    assert_eq!(report["origin"], "import:leads.csv");
    assert_eq!(report["totals"]["rows"], 8);
    assert_eq!(report["totals"]["imported"], 3);
    assert_eq!(report["totals"]["duplicates"], 1);
    assert_eq!(report["totals"]["rejected"], 4);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let rejected: Vec<(u64, &str)> = rows
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .map(|r| (r["row"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), vec![6, 7, 8, 9]);
    assert!(rejected[2].1.contains("UTF-8"), "{rejected:?}");
    assert!(rejected[3].1.contains("Mobile"), "{rejected:?}");
    assert_eq!(rows[3]["outcome"], "duplicate");
    assert_eq!(rows[0]["phone"], "+919876543210");
    assert_eq!(rows[0]["raw"], " 98765 43210 ");

    let list = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--limit", "2"]].concat()));
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["items"][0]["name"], "Arun Kumar");
    assert_eq!(list["items"][0]["tags"], serde_json::json!(["farmer", "vip"]));
    let by_tag = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--tag", "trader"]].concat()));
    assert_eq!(by_tag["total"], 1);
    assert_eq!(by_tag["items"][0]["name"], "Chitra");
    let search = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--search", "bala"]].concat()));
    assert_eq!(search["total"], 1);
    let id = search["items"][0]["id"].as_i64().unwrap().to_string();

    // Opt-out shows in the list and in the export.
    let out = stdout_json(&flockctl(
        home.path(),
        &[&db[..], &["contacts", "opt-out", id.as_str(), "--reason", "replied STOP", "--json"]].concat(),
    ));
    assert_eq!(out["optedOut"], true);
    let opted = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--opted-out"]].concat()));
    assert_eq!(opted["total"], 1);
    assert_eq!(opted["items"][0]["optedOut"], true);

    let export = home.path().join("salem.csv");
    let done = stdout_json(&flockctl(
        home.path(),
        &[&db[..], &["contacts", "export", export.to_str().unwrap(), "--district", "Salem", "--json"]].concat(),
    ));
    assert_eq!(done["written"], 1);
    let text = std::fs::read_to_string(&export).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().starts_with("+919876543210,Arun Kumar"));
    let all = home.path().join("all.csv");
    stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "export", all.to_str().unwrap(), "--json"]].concat()));
    let text = std::fs::read_to_string(&all).unwrap();
    let bala = text.lines().find(|l| l.contains("Bala")).unwrap();
    assert!(bala.contains(",yes,"), "opted out in the export: {bala}");

    let back = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "opt-in", id.as_str(), "--json"]].concat()));
    assert_eq!(back["optedOut"], false);

    // A missing contact is a clear error.
    let missing = flockctl(home.path(), &[&db[..], &["contacts", "opt-in", "999999", "--json"]].concat());
    assert!(!missing.status.success());
    let err: serde_json::Value = serde_json::from_slice(&missing.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "not_found");
}

#[tokio::test]
async fn import_with_an_explicit_mapping_and_country() {
    let test = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("uk.csv");
    std::fs::write(&file, "Contact Person,Reach,Town\nAlice,07400 123456,Leeds\n").unwrap();
    let db = ["--database-url", test.url.as_str()];
    let out = flockctl(home.path(), &[&db[..], &["contacts", "import", file.to_str().unwrap(), "--json"]].concat());
    assert!(!out.status.success(), "no phone column is found without a mapping");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert!(err["error"]["fix"].as_str().unwrap().contains("--map"));

    let report = stdout_json(&flockctl(
        home.path(),
        &[
            &db[..],
            &[
                "contacts", "import", file.to_str().unwrap(), "--json", "--default-country", "GB", "--map",
                "phone=Reach,name=Contact Person",
            ],
        ]
        .concat(),
    ));
    assert_eq!(report["totals"]["imported"], 1);
    assert_eq!(report["mapping"]["phone"], "Reach");
    assert_eq!(report["mapping"]["district"], "Town", "the proposed part of the mapping stays");
    let list = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json"]].concat()));
    assert_eq!(list["items"][0]["phone"], "+447400123456");
    assert_eq!(list["items"][0]["name"], "Alice");
}

#[tokio::test]
async fn groups_list_shows_members_accounts_and_tags_from_rules() {
    let test = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let db = ["--database-url", test.url.as_str()];
    let rule = stdout_json(&flockctl(
        home.path(),
        &[&db[..], &["tags", "rule", "add", "--contains", "Namakkal", "--set", "district=Namakkal", "--json"]].concat(),
    ));
    assert_eq!(rule["contains"], "Namakkal");
    assert_eq!(rule["set"]["field"], "district");
    let rule2 = stdout_json(&flockctl(
        home.path(),
        &[&db[..], &["tags", "rule", "add", "--contains", "poultry", "--tag", "poultry", "--json"]].concat(),
    ));
    assert_eq!(rule2["tag"], "poultry");
    let bad = flockctl(home.path(), &[&db[..], &["tags", "rule", "add", "--contains", "x", "--set", "colour=red"]].concat());
    assert!(!bad.status.success());

    // A sync, as the session driver will run it.
    let opened = test.open().await;
    let conn = opened.conn();
    let a = accounts::create(conn, "Ravi").await.unwrap();
    let b = accounts::create(conn, "Priya").await.unwrap();
    let rules = tags::list_rules(conn).await.unwrap();
    let member = |wid: &str| ParticipantSnapshot {
        wid: wid.into(),
        is_admin: false,
        is_super_admin: false,
        phone_e164: None,
        name: None,
    };
    let group = GroupSnapshot {
        wa_id: "120363000000000001@g.us".into(),
        subject: "Namakkal Poultry Farmers".into(),
        description: None,
        participants: vec![member("919876543210@c.us"), member("123456789012345@lid")],
        lid_addressing: true,
    };
    for account_id in [a.id, b.id] {
        apply_snapshot(conn, &AccountGroupsSnapshot { account_id, groups: vec![group.clone()] }, &rules).await.unwrap();
    }
    opened.close().await.unwrap();

    let list = stdout_json(&flockctl(home.path(), &[&db[..], &["groups", "list", "--json"]].concat()));
    let groups = list["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "one group for two accounts");
    assert_eq!(groups[0]["memberCount"], 2);
    assert_eq!(groups[0]["district"], "Namakkal");
    assert_eq!(groups[0]["tags"], serde_json::json!(["poultry"]));
    let names: Vec<&str> = groups[0]["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Ravi", "Priya"]);

    let hidden = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--phone-hidden"]].concat()));
    assert_eq!(hidden["total"], 1);
    assert_eq!(hidden["items"][0]["phoneHidden"], true);
    assert_eq!(hidden["items"][0]["district"], "Namakkal");
    assert_eq!(hidden["items"][0]["groupCount"], 1);
    let by_region = stdout_json(&flockctl(home.path(), &[&db[..], &["contacts", "list", "--json", "--region", "West"]].concat()));
    assert_eq!(by_region["total"], 0);
}

#[tokio::test]
async fn an_opt_out_survives_delete_and_reimport_and_consent_is_marked_by_hand() {
    let test = TestDb::new().await;
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("leads.csv");
    std::fs::write(&file, "name,phone\nArun,9876543210\nBala,9876543211\n").unwrap();
    let db = ["--database-url", test.url.as_str()];
    let run = |args: &[&str]| stdout_json(&flockctl(home.path(), &[&db[..], args].concat()));
    run(&["contacts", "import", file.to_str().unwrap(), "--json"]);
    let arun = run(&["contacts", "list", "--json", "--search", "arun"])["items"][0]["id"].as_i64().unwrap().to_string();
    run(&["contacts", "opt-out", arun.as_str(), "--reason", "replied STOP", "--json"]);

    let deleted = run(&["contacts", "delete", arun.as_str(), "--json"]);
    assert_eq!(deleted["deleted"], 1);
    run(&["contacts", "import", file.to_str().unwrap(), "--json"]);
    let back = run(&["contacts", "list", "--json", "--search", "arun"]);
    assert_eq!(back["items"][0]["optedOut"], true, "deleted and imported again: still opted out");
    let again = back["items"][0]["id"].as_i64().unwrap().to_string();
    assert_ne!(again, arun);
    let history = run(&["contacts", "history", again.as_str(), "--json"]);
    let events = history.as_array().unwrap();
    assert_eq!(events.len(), 1, "{history}");
    assert_eq!(
        (&events[0]["action"], &events[0]["source"], &events[0]["actor"], &events[0]["reason"], &events[0]["key"]),
        (&"opt_out".into(), &"manual".into(), &"flockctl".into(), &"replied STOP".into(), &"+919876543210".into())
    );

    let bala = run(&["contacts", "list", "--json", "--search", "bala"])["items"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(run(&["contacts", "list", "--json", "--consent"])["total"], 0, "an import without a consent column is no consent");
    let marked = run(&["contacts", "consent", bala.as_str(), "--source", "signed form", "--at", "2026-11-30", "--json"]);
    assert_eq!((&marked["consent"], &marked["consentSource"]), (&true.into(), &"signed form".into()));
    assert!(marked["consentAt"].as_str().unwrap().starts_with("2026-11-30"), "{marked}");
    let consented = run(&["contacts", "list", "--json", "--consent", "--source", "csv"]);
    assert_eq!((consented["total"].as_u64(), consented["items"][0]["name"].as_str()), (Some(1), Some("Bala")));
    let bad = flockctl(home.path(), &[&db[..], &["contacts", "consent", bala.as_str(), "--at", "soon", "--json"]].concat());
    assert!(!bad.status.success());
    let err: serde_json::Value = serde_json::from_slice(&bad.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "invalid_input");
    assert!(err["error"]["message"].as_str().unwrap().contains("soon"), "{err}");
    let cleared = run(&["contacts", "consent", bala.as_str(), "--clear", "--json"]);
    assert_eq!(cleared["consent"], false);
}
