//! Sending through the page's internals: ledger, acks, inbound, restriction,
//! media upload, group changes.

use anyhow::{ensure, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::*;

const SEND_TEXT: &str = r#"
    const { createWid } = window.require('WAWebWidFactory');
    const { findOrCreateLatestChat } = window.require('WAWebFindChatAction');
    const MsgKey = window.require('WAWebMsgKey');
    const me = window.require('WAWebUserPrefsMeUser').getMaybeMePnUser();
    const { chat } = await findOrCreateLatestChat(createWid(TO));
    const id = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), participant: chat.id.isGroup() ? me : undefined, selfDir: 'out' });
    const [msgP, resP] = window.require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, {
        id, ack: 0, body: BODY, from: me, to: chat.id, local: true, self: 'out',
        t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat' });
    const msg = await msgP;
    const res = await resP;
    return { id: msg.id._serialized, keyId: msg.id.id, res, ack: msg.ack };
"#;

fn send_js(to: &str, body: &str) -> String {
    SEND_TEXT.replace("TO", &format!("{to:?}")).replace("BODY", &format!("{body:?}"))
}

#[tokio::test]
async fn send_reaches_ledger_once_acks_fire_and_replies_arrive() -> Result<()> {
    let sim = sim_with(|c| {
        c.auto_ack.delivered_after_ms = Some(300);
        c.auto_ack.read_after_ms = None;
        c.not_on_whatsapp = vec!["+919811111111".into()];
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let g = sim
        .add_group(NewGroup { subject: "Salem Mango Growers".into(), participants: vec!["+919845000002".into()], members_of: vec![RAVI.into()], ..Default::default() })
        .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    record_events(&page).await?;

    // Does the number have WhatsApp? (asks the server)
    let ex = js(&page, "const r = await window.require('WAWebQueryExistsJob').queryWidExists(window.require('WAWebWidFactory').createWid('919845000009@c.us')); return r && r.wid._serialized;").await?;
    ensure!(ex == "919845000009@c.us", "{ex}");
    let no = js(&page, "return await window.require('WAWebQueryExistsJob').queryWidExists(window.require('WAWebWidFactory').createWid('919811111111@c.us'));").await?;
    ensure!(no == Value::Null, "{no}");

    let sent = js(&page, &send_js("919845000001@c.us", "Vanakkam! Egg prices today")).await?;
    ensure!(sent["res"]["messageSendResult"] == "OK", "{sent}");
    let serialized = sent["id"].as_str().unwrap_or_default().to_owned();
    ensure!(serialized.starts_with("true_919845000001@c.us_3EB0"), "{serialized}");

    let ledger = sim.ledger().await;
    ensure!(ledger.len() == 1, "exactly once: {ledger:?}");
    let e = &ledger[0];
    ensure!(e.serialized == serialized && e.from == RAVI && e.chat == "919845000001@c.us" && e.kind == "chat");
    ensure!(e.text.as_deref() == Some("Vanakkam! Egg prices today"));

    // Ack 1 (server) and 2 (auto, delivered), then 3 by hand through HTTP.
    wait_for("acks 1 and 2", LONG, || async {
        let acks = js_soft(&page, "return window.__rec.acks;").await?;
        (acks.to_string().contains(&format!("[\"{serialized}\",1]")) && acks.to_string().contains(&format!("[\"{serialized}\",2]"))).then_some(())
    })
    .await?;
    let http = reqwest::Client::new();
    let r = http.post(format!("{}/_sim/acks", sim.base_url())).json(&json!({"id": e.id, "ack": 3})).send().await?;
    ensure!(r.status().is_success());
    wait_for("ack 3 (read)", LONG, || async {
        let ack = js_soft(&page, &format!("return window.require('WAWebCollections').Msg.get('{serialized}').ack;")).await?;
        (ack == json!(3)).then_some(())
    })
    .await?;
    ensure!(sim.ledger().await[0].ack == 3);

    // Group send: key carries the participant.
    let gs = js(&page, &send_js(&g.id, "Meeting at 6")).await?;
    ensure!(gs["res"]["messageSendResult"] == "OK" && gs["id"].as_str().unwrap_or("").ends_with("_919800000001@c.us"), "{gs}");

    // A reply arrives in Msg with fromMe false.
    let created = sim.inbound(Inbound { from: "+919845000001".into(), to: RAVI.into(), text: "STOP".into(), group: None }).await?;
    wait_for("inbound in Msg", LONG, || async {
        let added = js_soft(&page, "return window.__rec.added.filter(m => !m.fromMe);").await?;
        let s = added.to_string();
        (s.contains(&created.id) && s.contains("STOP")).then_some(())
    })
    .await?;

    // Restricted: sends to people who never wrote fail with 463, session stays.
    sim.phone_event(RAVI, PhoneEvent::Restrict).await?;
    let blocked = js(&page, &send_js("919845000077@c.us", "hello new friend")).await?;
    ensure!(blocked["res"]["error"]["code"] == 463 && blocked["ack"] == -1, "{blocked}");
    let ok = js(&page, &send_js("919845000001@c.us", "thanks for writing")).await?;
    ensure!(ok["res"]["messageSendResult"] == "OK", "a contact who wrote is fine: {ok}");
    ensure!(js(&page, "return window.require('WAWebSocketModel').Socket.state;").await? == "CONNECTED");
    ensure!(sim.ledger().await.len() == 3, "the refused message never reached WhatsApp");

    // Media: prepare, upload, send; the server saw the exact bytes.
    let media = js(&page, r#"
        const bytes = new Uint8Array(5000).map((_, i) => (i * 31 + 7) % 256);
        const file = new File([bytes], 'price-list.png', { type: 'image/png' });
        const OpaqueData = window.require('WAWebMediaOpaqueData');
        const opaque = await OpaqueData.createFromData(file, file.type);
        const prep = window.require('WAWebPrepRawMedia').prepRawMedia(opaque, {});
        const mediaData = await prep.waitForPrep();
        const mediaObject = window.require('WAWebMediaStorage').getOrCreateMediaObject(mediaData.filehash);
        const mediaType = window.require('WAWebMmsMediaTypes').msgToMediaType({ type: mediaData.type, isGif: false });
        mediaData.renderableUrl = mediaData.mediaBlob.url();
        mediaObject.consolidate(mediaData.toJSON());
        const up = await window.require('WAWebMediaMmsV4Upload').uploadMedia({ mimetype: mediaData.mimetype, mediaObject, mediaType });
        const e = up.mediaEntry;
        mediaData.set({ clientUrl: e.mmsUrl, deprecatedMms3Url: e.deprecatedMms3Url, directPath: e.directPath, mediaKey: e.mediaKey,
            mediaKeyTimestamp: e.mediaKeyTimestamp, filehash: mediaObject.filehash, encFilehash: e.encFilehash, uploadhash: e.uploadHash, size: mediaObject.size });
        const { createWid } = window.require('WAWebWidFactory');
        const MsgKey = window.require('WAWebMsgKey');
        const me = window.require('WAWebUserPrefsMeUser').getMaybeMePnUser();
        const { chat } = await window.require('WAWebFindChatAction').findOrCreateLatestChat(createWid('919845000001@c.us'));
        const id = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), selfDir: 'out' });
        const [msgP, resP] = window.require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, {
            id, ack: 0, from: me, to: chat.id, local: true, self: 'out', t: Math.floor(Date.now() / 1000), isNewMsg: true,
            ...mediaData.toJSON(), caption: 'Today\'s price list' });
        await msgP;
        return { res: await resP, type: mediaData.type, filehash: mediaData.filehash };
    "#).await?;
    ensure!(media["res"]["messageSendResult"] == "OK" && media["type"] == "image", "{media}");
    let bytes: Vec<u8> = (0..5000u32).map(|i| ((i * 31 + 7) % 256) as u8).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    let ledger = sim.ledger().await;
    let m = ledger.last().and_then(|e| e.media.clone());
    ensure!(m.as_ref().map(|m| (m.sha256.as_str(), m.size)) == Some((sha.as_str(), 5000)), "{m:?}");
    ensure!(ledger.last().and_then(|e| e.text.clone()).as_deref() == Some("Today's price list"));

    // A renamed group shows up in the open session.
    sim.patch_group(&g.id, GroupPatch { subject: Some("Salem Mango Growers 2026".into()), add: vec!["lid:555000111222333".into()], ..Default::default() }).await?;
    wait_for("group rename visible", LONG, || async {
        let v = js_soft(&page, &format!("const g = window.require('WAWebCollections').GroupMetadata.get('{}'); return [g.subject, g.participants.length];", g.id)).await?;
        (v == json!(["Salem Mango Growers 2026", 3])).then_some(())
    })
    .await?;

    // Ids are unique in the ledger: nothing twice.
    let ledger = sim.ledger().await;
    let mut ids: Vec<&str> = ledger.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ensure!(ids.len() == ledger.len());
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn conflict_takeover_and_ban() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    record_events(&page).await?;
    sim.phone_event(RAVI, PhoneEvent::Conflict).await?;
    wait_state(&page, "CONFLICT").await?;
    js(&page, "window.require('WAWebSocketModel').Socket.takeover(); return true;").await?;
    wait_state(&page, "CONNECTED").await?;
    sim.phone_event(RAVI, PhoneEvent::Offline).await?;
    wait_state(&page, "TIMEOUT").await?;
    sim.phone_event(RAVI, PhoneEvent::Online).await?;
    wait_state(&page, "CONNECTED").await?;
    sim.phone_event(RAVI, PhoneEvent::Ban).await?;
    wait_state(&page, "TOS_BLOCK").await?;
    let v = js(&page, "return [window.__rec.logout, localStorage.getItem('last-wid-md')];").await?;
    ensure!(v == json!([1, null]), "{v}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}
