//! The control API over HTTP, without a browser.

use anyhow::{ensure, Result};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn control_api_speaks_json_with_clear_errors() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    let base = sim.base_url();
    let http = reqwest::Client::new();

    let r = http
        .post(format!("{base}/_sim/phones"))
        .json(&json!({"phone": "+919800000001", "name": "Ravi"}))
        .send()
        .await?;
    ensure!(r.status() == 200);
    let p: Value = r.json().await?;
    ensure!(p["phone"] == "+919800000001" && p["lid"].as_str().unwrap_or("").ends_with("@lid"), "{p}");

    let r = http.post(format!("{base}/_sim/phones")).body("{not json").send().await?;
    ensure!(r.status() == 400);
    let e: Value = r.json().await?;
    ensure!(e["error"]["kind"] == "invalid_input" && e["error"]["message"].is_string(), "{e}");

    let r = http
        .post(format!("{base}/_sim/groups"))
        .json(&json!({
        "subject": "Erode Turmeric Growers", "participants": ["+919845000001", "lid:123456789"],
        "admins": ["+919845000001"], "members_of": ["+919800000001"]}))
        .send()
        .await?;
    let g: Value = r.json().await?;
    let gid = g["id"].as_str().unwrap_or("").to_owned();
    ensure!(gid.ends_with("@g.us") && g["isLidAddressingMode"] == true && g["announce"] == false, "{g}");
    let r = http
        .post(format!("{base}/_sim/groups"))
        .json(&json!({"subject": "Admins only", "announce": true, "members_of": ["+919800000001"]}))
        .send()
        .await?;
    let a: Value = r.json().await?;
    ensure!(a["announce"] == true && a["restrict"] == false, "{a}");
    let r = http
        .patch(format!("{base}/_sim/groups/{}", a["id"].as_str().unwrap_or("")))
        .json(&json!({"announce": false, "restrict": true}))
        .send()
        .await?;
    let a: Value = r.json().await?;
    ensure!(a["announce"] == false && a["restrict"] == true, "{a}");

    let r = http
        .patch(format!("{base}/_sim/groups/{gid}"))
        .json(&json!({"subject": "Erode Turmeric Growers Assn", "remove": ["lid:123456789"]}))
        .send()
        .await?;
    let g: Value = r.json().await?;
    ensure!(
        g["subject"] == "Erode Turmeric Growers Assn" && g["participants"].as_array().map(Vec::len) == Some(2),
        "{g}"
    );

    let r = http
        .post(format!("{base}/_sim/groups"))
        .json(&json!({"subject": "x", "members_of": ["+919999999999"]}))
        .send()
        .await?;
    ensure!(r.status() == 404, "unregistered member phone");

    let r = http
        .post(format!("{base}/_sim/scan"))
        .json(&json!({"qr": "2@nope,a,b,c", "phone": "+919800000001"}))
        .send()
        .await?;
    ensure!(r.status() == 409);
    let r = http
        .post(format!("{base}/_sim/pair"))
        .json(&json!({"code": "ABCD1234", "phone": "+919800000001"}))
        .send()
        .await?;
    ensure!(r.status() == 409);
    let r = http.post(format!("{base}/_sim/phones/+919800000001/restrict")).send().await?;
    let p: Value = r.json().await?;
    ensure!(p["restricted"] == true && p["restricted_until"].is_string(), "{p}");
    let until = chrono::DateTime::parse_from_rfc3339(p["restricted_until"].as_str().unwrap_or(""))?;
    let left = until.timestamp() - chrono::Utc::now().timestamp();
    ensure!((3_500..=3_600).contains(&left), "default one hour: {left}");
    let r =
        http.post(format!("{base}/_sim/phones/+919800000001/restrict")).json(&json!({"seconds": 120})).send().await?;
    let p: Value = r.json().await?;
    let until = chrono::DateTime::parse_from_rfc3339(p["restricted_until"].as_str().unwrap_or(""))?;
    ensure!((100..=120).contains(&(until.timestamp() - chrono::Utc::now().timestamp())), "{p}");
    let r = http.post(format!("{base}/_sim/phones/+919800000001/logout")).json(&json!({"seconds": 5})).send().await?;
    ensure!(r.status() == 400, "seconds only with restrict");
    let r = http.post(format!("{base}/_sim/phones/+919800000001/unrestrict")).send().await?;
    let p: Value = r.json().await?;
    ensure!(
        p["restricted"] == false
            && p["restricted_until"].is_null()
            && p["max_concurrent_sessions"] == 0
            && p["sessions"] == 0,
        "{p}"
    );
    let r = http.post(format!("{base}/_sim/phones/+919800000001/explode")).send().await?;
    ensure!(r.status() == 404);
    let r = http
        .post(format!("{base}/_sim/inbound"))
        .json(&json!({"from": "+919845000001", "to": "+919800000001", "text": "STOP"}))
        .send()
        .await?;
    ensure!(r.status() == 200);
    let r = http.post(format!("{base}/_sim/acks")).json(&json!({"id": "nope", "ack": 2})).send().await?;
    ensure!(r.status() == 404);

    let r = http
        .post(format!("{base}/_sim/config"))
        .json(&json!({"first_qr_ttl_ms": 1234, "self_reload_ms": null, "omit_modules": ["WALinkify"]}))
        .send()
        .await?;
    let c: Value = r.json().await?;
    ensure!(
        c["first_qr_ttl_ms"] == 1234 && c["self_reload_ms"] == Value::Null && c["omit_modules"] == json!(["WALinkify"]),
        "{c}"
    );
    let r = http.post(format!("{base}/_sim/config")).json(&json!({
        "default_export_modules": ["*"], "rename_modules": {"WAWebSendMsgChatAction": "WAWebSendMsgChatActionV2"},
        "no_lid_until_queried": false, "upload_hang": true, "upload_limits_mb": {"video": 64}, "loaded_msgs_per_chat": 20,
        "send_latency_ms": 250})).send().await?;
    let c: Value = r.json().await?;
    ensure!(
        c["default_export_modules"] == json!(["*"])
            && c["rename_modules"]["WAWebSendMsgChatAction"] == "WAWebSendMsgChatActionV2",
        "{c}"
    );
    ensure!(c["no_lid_until_queried"] == false && c["upload_hang"] == true && c["loaded_msgs_per_chat"] == 20, "{c}");
    ensure!(c["send_latency_ms"] == 250, "{c}");
    ensure!(c["upload_limits_mb"] == json!({"image": 16, "video": 64, "audio": 16, "document": 2048}), "{c}");
    let r = http.post(format!("{base}/_sim/config")).json(&json!({"bogus": 1})).send().await?;
    ensure!(r.status() == 400);

    let s: Value = http.get(format!("{base}/_sim/sessions")).send().await?.json().await?;
    ensure!(s == json!([]));
    let l: Value = http.get(format!("{base}/_sim/ledger")).send().await?.json().await?;
    ensure!(l == json!([]));
    let l: Value =
        http.get(format!("{base}/_sim/ledger?accepted=true&target=%2B919845000001")).send().await?.json().await?;
    ensure!(l == json!([]));
    let r = http.get(format!("{base}/_sim/ledger?accepted=maybe")).send().await?;
    ensure!(r.status() == 400);
    let r = http.get(format!("{base}/_sim/ledger?sent=1")).send().await?;
    ensure!(r.status() == 400);
    let r = http
        .post(format!("{base}/_sim/inbound"))
        .json(&json!({"from": "+919845000001", "to": "+919800000001", "text": "re", "quoted": "3EB0NOPE"}))
        .send()
        .await?;
    ensure!(r.status() == 400, "a reply to an unknown message");
    let r = http
        .post(format!("{base}/_sim/inbound"))
        .json(&json!({"from": "+919845000001", "to": "+919800000001", "text": "story", "status": true}))
        .send()
        .await?;
    ensure!(r.status() == 200);

    // The page is served at / with its boot data.
    let html = http.get(format!("{base}/")).send().await?.text().await?;
    ensure!(
        html.contains("\"omit\":[\"WALinkify\"]")
            && html.contains("\"defaultExport\":[\"*\"]")
            && html.contains("/_wa/app.js")
    );

    // The demo scenario loads.
    let demo = demo_scenario();
    let groups = sim.load(&demo).await?;
    ensure!(groups.len() == 25 && sim.phones().await.len() == 3);
    sim.shutdown().await?;
    Ok(())
}
