//! Finding messages again after a browser kill (Msg, getMessagesById,
//! chat.msgs, msgFindByDirection), the outbox after a kill, and inbound
//! messages: statuses, replies, group authors, history replays.

use anyhow::{ensure, Result};
use serde_json::json;

use crate::support::*;

const LOOKUP: &str = r#"
    const C = window.require('WAWebCollections');
    const F = window.require('WAWebDBMessageFindLocal');
    const MsgKey = window.require('WAWebMsgKey');
    const get = (k) => { const m = C.Msg.get(k); return m ? m.ack : null; };
    const byId = async (k) => (await C.Msg.getMessagesById([k])).messages.map(m => [m.id._serialized, m.ack, m.isNewMsg]);
    const before = await F.msgFindByDirection({ anchor: MsgKey.fromString(K3), count: 10, direction: 'before' });
    const missing = await F.msgFindByDirection({ anchor: MsgKey.fromString(K3.replace(/_3EB0[0-9A-F]+/, '_3EB0FFFFFFFFFFFFFFFFFF')), count: 10, direction: 'before' });
    const chat = C.Chat.get(K3.split('_')[1]);
    return {
        loaded: [get(K1), get(K3)],
        k1: await byId(K1),
        never: await byId(K3.replace(/_3EB0[0-9A-F]+/, '_3EB0000000000000000000')),
        before: [before.status, before.messages.map(m => [m.id._serialized, m.ack])],
        missing: missing.status,
        chatMsgs: chat.msgs.getModelsArray().map(m => m.id._serialized),
    };
"#;

#[tokio::test]
async fn messages_are_found_again_after_a_browser_kill_and_restore() -> Result<()> {
    let sim = sim_with(|c| {
        // Room to install the recorder before the history arrives.
        c.pairing_ms = 3_000;
        c.auto_ack.delivered_after_ms = Some(200);
        c.auto_ack.read_after_ms = None;
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    install_helpers(&page).await?;
    let mut keys = Vec::new();
    for text in ["one", "two", "three"] {
        let s = t(&page, &format!("sendNew('919845000001@c.us', {text:?})")).await?;
        ensure!(s["res"]["messageSendResult"] == "OK", "{s}");
        keys.push(s["id"].as_str().unwrap_or_default().to_owned());
    }
    wait_for("ack 2 of all three", LONG, || async {
        (sim.ledger_accepted().await.iter().filter(|e| e.ack == 2).count() == 3).then_some(())
    })
    .await?;
    browser.kill().await?;

    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    record_events(&page).await?;
    wait_synced(&page).await?;
    let v =
        js(&page, &LOOKUP.replace("K1", &format!("{:?}", keys[0])).replace("K3", &format!("{:?}", keys[2]))).await?;
    // Only the latest message of the chat is loaded; the rest is in the local database.
    ensure!(v["loaded"] == json!([null, 2]), "{v}");
    ensure!(v["k1"] == json!([[keys[0], 2, false]]) && v["never"] == json!([]), "{v}");
    ensure!(v["before"] == json!([200, [[keys[0], 2], [keys[1], 2]]]) && v["missing"] == 404, "{v}");
    ensure!(v["chatMsgs"] == json!([keys[2]]), "{v}");
    let added = js(&page, "return window.__rec.added;").await?;
    ensure!(
        added.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|m| m["isNewMsg"] == false)),
        "replayed history is not new: {added}"
    );
    ensure!(sim.ledger().await.len() == 3, "looking up never sends");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn a_message_stored_before_the_server_took_it_goes_out_once_after_a_restore() -> Result<()> {
    // Room to look it up after the restart, before the page connects.
    let sim = sim_with(|c| c.pairing_ms = 4_000).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    install_helpers(&page).await?;
    t(&page, "exists('919845000001@c.us')").await?;
    sim.phone_event(RAVI, PhoneEvent::Offline).await?;
    wait_state(&page, "TIMEOUT").await?;
    // The send waits in the page; the message is already in the chat (ack 0).
    let pending = js(
        &page,
        r#"
        window.__pending = window.__t.send('919845000001@c.us', 'sent while offline');
        await new Promise(r => setTimeout(r, 300));
        const m = window.require('WAWebCollections').Msg.getModelsArray().find(m => m.body === 'sent while offline');
        return [m.id._serialized, m.ack];
    "#,
    )
    .await?;
    let key = pending[0].as_str().unwrap_or_default().to_owned();
    ensure!(pending[1] == 0 && sim.ledger().await.is_empty(), "{pending}");
    browser.kill().await?;
    sim.phone_event(RAVI, PhoneEvent::Online).await?;

    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    // Before the sync the local database already has it, at the clock (a
    // lookup that missed it would make a sender send it again).
    let early = js(
        &page,
        &format!("const r = await window.require('WAWebCollections').Msg.getMessagesById(['{key}']); return [window.require('WAWebSocketModel').Socket.state, r.messages.map(m => m.ack)];"),
    )
    .await?;
    ensure!(early[0] != "CONNECTED" && early[1] == json!([0]), "found before the sync: {early}");
    wait_synced(&page).await?;
    let e = wait_for("the stored message goes out", LONG, || async { sim.ledger_entry(&key).await }).await?;
    ensure!(e.accepted && e.submissions == 1 && e.text.as_deref() == Some("sent while offline"), "{e:?}");
    wait_for("its ack in the page", LONG, || async {
        let ack = js_soft(
            &page,
            &format!("const m = window.require('WAWebCollections').Msg.get('{key}'); return m && m.ack;"),
        )
        .await?;
        (ack.as_i64()? >= 1).then_some(())
    })
    .await?;
    // A second restore sends nothing again.
    page.close().await.ok();
    browser.close().await?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_synced(&page).await?;
    ensure!(sim.ledger().await.len() == 1 && sim.ledger_entry(&key).await.is_some_and(|e| e.submissions == 1));
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn inbound_statuses_replies_group_authors_and_replays() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let g = sim
        .add_group(NewGroup {
            subject: "Hosur Auto Parts Suppliers".into(),
            participants: vec![PERSON.into(), "lid:100000000000777".into()],
            members_of: vec![RAVI.into()],
            ..Default::default()
        })
        .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    record_events(&page).await?;
    install_helpers(&page).await?;
    let offer = t(&page, "sendNew('919845000001@c.us', 'Offer: 10% off')").await?;
    let offer_id = offer["keyId"].as_str().unwrap_or_default().to_owned();

    let status = sim
        .inbound(Inbound {
            from: PERSON.into(),
            to: RAVI.into(),
            text: "my status".into(),
            status: true,
            ..Default::default()
        })
        .await?;
    let reply = sim
        .inbound(Inbound {
            from: PERSON.into(),
            to: RAVI.into(),
            text: "STOP".into(),
            quoted: Some(offer_id.clone()),
            ..Default::default()
        })
        .await?;
    let in_group = sim
        .inbound(Inbound {
            from: PERSON.into(),
            to: RAVI.into(),
            text: "Price today?".into(),
            group: Some(g.id.clone()),
            ..Default::default()
        })
        .await?;
    let added = wait_for("three inbound", LONG, || async {
        let a = js_soft(&page, "return window.__rec.added.filter(m => !m.fromMe);").await?;
        (a.as_array()?.len() == 3).then_some(a)
    })
    .await?;
    let find = |id: &str| {
        added
            .as_array()
            .and_then(|a| a.iter().find(|m| m["id"].as_str().is_some_and(|s| s.contains(id))).cloned())
            .unwrap_or_default()
    };
    let s = find(&status.id);
    ensure!(s["remote"] == "status@broadcast" && s["isNewMsg"] == true && s["author"] == "919845000001@c.us", "{s}");
    let r = find(&reply.id);
    ensure!(r["quoted"] == offer_id.as_str() && r["remote"] == offer["chat"], "{r}");
    let q = js(
        &page,
        &format!(
            "const m = window.require('WAWebCollections').Msg.get('false_{}_{}'); return [m.quotedMsg.body, m.quotedParticipant._serialized];",
            offer["chat"].as_str().unwrap_or(""),
            reply.id
        ),
    )
    .await?;
    let my_lid = sim.phones().await[0].lid.clone();
    ensure!(q == json!(["Offer: 10% off", my_lid]), "our own message, quoted in the @lid chat: {q}");
    let gm = find(&in_group.id);
    ensure!(
        gm["remote"] == g.id.as_str() && gm["author"].as_str().is_some_and(|a| a.ends_with("@lid")),
        "a group of lid addressing names the author by lid: {gm}"
    );
    let st = js(&page, &format!("return window.require('WAWebCollections').Msg.get('false_status@broadcast_{}_919845000001@c.us').isStatusV3;", status.id)).await?;
    ensure!(st == true, "{st}");

    // After a reload the history comes back, not as new messages.
    reload_synced(&page).await?;
    record_events(&page).await?;
    let later = sim
        .inbound(Inbound {
            from: PERSON.into(),
            to: RAVI.into(),
            text: "after the reload".into(),
            ..Default::default()
        })
        .await?;
    let a = wait_for("the new one", LONG, || async {
        let a =
            js_soft(&page, &format!("return window.__rec.added.filter(m => m.id.includes('{}'));", later.id)).await?;
        (a.as_array()?.len() == 1).then_some(a)
    })
    .await?;
    ensure!(a[0]["isNewMsg"] == true, "{a}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}
