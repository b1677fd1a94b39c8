//! The control API over HTTP, without a browser.

use anyhow::{ensure, Result};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn control_api_speaks_json_with_clear_errors() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    let base = sim.base_url();
    let http = reqwest::Client::new();

    let r = http.post(format!("{base}/_sim/phones")).json(&json!({"phone": "+919800000001", "name": "Ravi"})).send().await?;
    ensure!(r.status() == 200);
    let p: Value = r.json().await?;
    ensure!(p["phone"] == "+919800000001" && p["lid"].as_str().unwrap_or("").ends_with("@lid"), "{p}");

    let r = http.post(format!("{base}/_sim/phones")).body("{not json").send().await?;
    ensure!(r.status() == 400);
    let e: Value = r.json().await?;
    ensure!(e["error"]["kind"] == "invalid_input" && e["error"]["message"].is_string(), "{e}");

    let r = http.post(format!("{base}/_sim/groups")).json(&json!({
        "subject": "Erode Turmeric Growers", "participants": ["+919845000001", "lid:123456789"],
        "admins": ["+919845000001"], "members_of": ["+919800000001"]})).send().await?;
    let g: Value = r.json().await?;
    let gid = g["id"].as_str().unwrap_or("").to_owned();
    ensure!(gid.ends_with("@g.us") && g["isLidAddressingMode"] == true, "{g}");

    let r = http.patch(format!("{base}/_sim/groups/{gid}")).json(&json!({"subject": "Erode Turmeric Growers Assn", "remove": ["lid:123456789"]})).send().await?;
    let g: Value = r.json().await?;
    ensure!(g["subject"] == "Erode Turmeric Growers Assn" && g["participants"].as_array().map(Vec::len) == Some(2), "{g}");

    let r = http.post(format!("{base}/_sim/groups")).json(&json!({"subject": "x", "members_of": ["+919999999999"]})).send().await?;
    ensure!(r.status() == 404, "unregistered member phone");

    let r = http.post(format!("{base}/_sim/scan")).json(&json!({"qr": "2@nope,a,b,c", "phone": "+919800000001"})).send().await?;
    ensure!(r.status() == 409);
    let r = http.post(format!("{base}/_sim/pair")).json(&json!({"code": "ABCD1234", "phone": "+919800000001"})).send().await?;
    ensure!(r.status() == 409);
    let r = http.post(format!("{base}/_sim/phones/+919800000001/restrict")).send().await?;
    let p: Value = r.json().await?;
    ensure!(p["restricted"] == true, "{p}");
    let r = http.post(format!("{base}/_sim/phones/+919800000001/explode")).send().await?;
    ensure!(r.status() == 404);
    let r = http.post(format!("{base}/_sim/inbound")).json(&json!({"from": "+919845000001", "to": "+919800000001", "text": "STOP"})).send().await?;
    ensure!(r.status() == 200);
    let r = http.post(format!("{base}/_sim/acks")).json(&json!({"id": "nope", "ack": 2})).send().await?;
    ensure!(r.status() == 404);

    let r = http.post(format!("{base}/_sim/config")).json(&json!({"first_qr_ttl_ms": 1234, "self_reload_ms": null, "omit_modules": ["WALinkify"]})).send().await?;
    let c: Value = r.json().await?;
    ensure!(c["first_qr_ttl_ms"] == 1234 && c["self_reload_ms"] == Value::Null && c["omit_modules"] == json!(["WALinkify"]), "{c}");
    let r = http.post(format!("{base}/_sim/config")).json(&json!({"bogus": 1})).send().await?;
    ensure!(r.status() == 400);

    let s: Value = http.get(format!("{base}/_sim/sessions")).send().await?.json().await?;
    ensure!(s == json!([]));
    let l: Value = http.get(format!("{base}/_sim/ledger")).send().await?.json().await?;
    ensure!(l == json!([]));

    // The page is served at / with its boot data.
    let html = http.get(format!("{base}/")).send().await?.text().await?;
    ensure!(html.contains("\"omit\":[\"WALinkify\"]") && html.contains("/_wa/app.js"));

    // The demo scenario loads.
    let demo = demo_scenario();
    let groups = sim.load(&demo).await?;
    ensure!(groups.len() == 25 && sim.phones().await.len() == 3);
    sim.shutdown().await?;
    Ok(())
}
