//! Sending through the page's internals: ledger, acks, inbound, media
//! upload, group changes, conflict and ban.

use anyhow::{ensure, Result};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::*;

const SEND_MEDIA: &str = r#"
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
    const sent = await window.__t.send('919845000001@c.us', undefined, { ...mediaData.toJSON(), caption: 'Today\'s price list' });
    return { ...sent, type: mediaData.type, limit: window.require('WAWebMediaGatingUtils').getUploadLimit('image') };
"#;

#[tokio::test]
async fn send_reaches_ledger_once_acks_fire_and_replies_arrive() -> Result<()> {
    let sim = sim_with(|c| {
        c.auto_ack.delivered_after_ms = Some(300);
        c.auto_ack.read_after_ms = None;
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let g = sim
        .add_group(NewGroup {
            subject: "Salem Mango Growers".into(),
            participants: vec!["+919845000002".into()],
            members_of: vec![RAVI.into()],
            ..Default::default()
        })
        .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    record_events(&page).await?;
    install_helpers(&page).await?;

    // Existence first (it maps the number's lid), then the send.
    let sent = t(&page, r#"sendNew("919845000001@c.us", "Vanakkam! Egg prices today")"#).await?;
    ensure!(sent["res"]["messageSendResult"] == "OK" && sent["res"]["t"].is_i64() && sent["ack"] == 1, "{sent}");
    let serialized = sent["id"].as_str().unwrap_or_default().to_owned();
    // A new one-to-one chat of a lid-migrated account is the `@lid` chat.
    ensure!(serialized.starts_with("true_") && serialized.contains("@lid_3EB0"), "{serialized}");

    let ledger = sim.ledger().await;
    ensure!(ledger.len() == 1, "exactly once: {ledger:?}");
    let e = &ledger[0];
    ensure!(e.serialized == serialized && e.from == RAVI && e.chat.ends_with("@lid") && e.kind == "chat", "{e:?}");
    ensure!(e.target.as_deref() == Some(PERSON) && e.accepted && e.failure.is_none() && e.submissions == 1, "{e:?}");
    ensure!(e.text.as_deref() == Some("Vanakkam! Egg prices today"));

    // Ack 1 (server, before the result), 2 (auto, delivered), then 3 by hand.
    wait_for("ack 2", LONG, || async {
        let acks = js_soft(&page, "return window.__rec.acks;").await?;
        acks.to_string().contains(&format!("[\"{serialized}\",2]")).then_some(())
    })
    .await?;
    let http = reqwest::Client::new();
    let r = http.post(format!("{}/_sim/acks", sim.base_url())).json(&json!({"id": e.id, "ack": 3})).send().await?;
    ensure!(r.status().is_success());
    wait_for("ack 3 (read)", LONG, || async {
        let ack =
            js_soft(&page, &format!("return window.require('WAWebCollections').Msg.get('{serialized}').ack;")).await?;
        (ack == json!(3)).then_some(())
    })
    .await?;
    ensure!(sim.ledger().await[0].ack == 3);

    // Group send: key carries the participant.
    let gs = t(&page, &format!("send({:?}, 'Meeting at 6')", g.id)).await?;
    ensure!(
        gs["res"]["messageSendResult"] == "OK" && gs["id"].as_str().unwrap_or("").ends_with("_919800000001@c.us"),
        "{gs}"
    );
    ensure!(sim
        .ledger_entry(gs["keyId"].as_str().unwrap_or(""))
        .await
        .is_some_and(|e| e.target.is_none() && e.chat == g.id));

    // A reply arrives in Msg: not from me, a new message.
    let created = sim
        .inbound(Inbound { from: PERSON.into(), to: RAVI.into(), text: "STOP".into(), ..Default::default() })
        .await?;
    let added = wait_for("inbound in Msg", LONG, || async {
        let added =
            js_soft(&page, &format!("return window.__rec.added.find(m => m.id.includes('{}'));", created.id)).await?;
        (!added.is_null()).then_some(added)
    })
    .await?;
    ensure!(
        added["fromMe"] == false
            && added["isNewMsg"] == true
            && added["body"] == "STOP"
            && added["remote"] == sent["chat"], // the chat we wrote in: the @lid one
        "{added}"
    );

    // Media: prepare, upload, send; the server saw the exact bytes.
    let media = js(&page, SEND_MEDIA).await?;
    ensure!(media["res"]["messageSendResult"] == "OK" && media["type"] == "image", "{media}");
    ensure!(media["limit"] == 16 * 1024 * 1024, "getUploadLimit('image') in bytes: {media}");
    let bytes: Vec<u8> = (0..5000u32).map(|i| ((i * 31 + 7) % 256) as u8).collect();
    let sha = hex::encode(Sha256::digest(&bytes));
    let last = sim.ledger().await.pop();
    let m = last.as_ref().and_then(|e| e.media.clone());
    ensure!(
        m.as_ref().map(|m| (m.sha256.as_str(), m.size, m.mimetype.as_str())) == Some((sha.as_str(), 5000, "image/png")),
        "{m:?}"
    );
    ensure!(
        last.as_ref().is_some_and(|e| e.caption.as_deref() == Some("Today's price list") && e.kind == "image"),
        "{last:?}"
    );

    // A renamed group shows up in the open session.
    sim.patch_group(
        &g.id,
        GroupPatch {
            subject: Some("Salem Mango Growers 2026".into()),
            add: vec!["lid:555000111222333".into()],
            ..Default::default()
        },
    )
    .await?;
    wait_for("group rename visible", LONG, || async {
        let v = js_soft(&page, &format!("const g = window.require('WAWebCollections').GroupMetadata.get('{}'); return [g.subject, g.participants.length];", g.id)).await?;
        (v == json!(["Salem Mango Growers 2026", 3])).then_some(())
    })
    .await?;

    // Ids are unique in the ledger: nothing twice.
    let ledger = sim.ledger_accepted().await;
    let mut ids: Vec<&str> = ledger.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ensure!(ids.len() == ledger.len() && ledger.len() == 3, "{ledger:?}");
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
    let phones = sim.phones().await;
    ensure!(phones[0].max_concurrent_sessions == 1, "{phones:?}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn a_send_on_the_wire_when_the_phone_goes_offline_is_refused_queued_and_goes_once_when_back() -> Result<()> {
    let sim = sim_with(|c| c.send_latency_ms = 2_000).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    install_helpers(&page).await?;
    js(&page, "await window.__t.exists('919845000001@c.us'); window.__p = window.__t.send('919845000001@c.us', 'On the wire'); return true;").await?;
    // On the wire: the server has not got it yet.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    ensure!(sim.ledger().await.is_empty(), "not yet at the server");
    sim.phone_event(RAVI, PhoneEvent::Offline).await?;
    wait_state(&page, "TIMEOUT").await?;
    // It arrives while offline: refused, nothing recorded; the page keeps it.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    ensure!(sim.ledger().await.is_empty(), "nothing reaches WhatsApp while offline: {:?}", sim.ledger().await);
    let ack = js(&page, "return window.require('WAWebCollections').Msg.getModelsArray().filter(m => m.body === 'On the wire').map(m => m.ack);").await?;
    ensure!(ack == json!([0]), "at the clock while offline: {ack}");
    sim.phone_event(RAVI, PhoneEvent::Online).await?;
    let sent = js(&page, "return await window.__p;").await?;
    ensure!(sent["res"]["messageSendResult"] == "OK" && sent["ack"] == 1, "{sent}");
    let ledger = sim.ledger().await;
    ensure!(ledger.len() == 1 && ledger[0].accepted && ledger[0].submissions == 1, "once: {ledger:?}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}
