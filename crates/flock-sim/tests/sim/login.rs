//! QR rotation, scan, sync, persistence (also across a kill right after
//! pairing), logout, pairing code, self-reload.

use std::time::Instant;

use anyhow::{ensure, Result};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn qr_rotates_then_idles_and_an_expired_qr_is_refused() -> Result<()> {
    let sim = sim_with(|c| {
        c.first_qr_ttl_ms = 2_000;
        c.next_qr_ttl_ms = 1_000;
        c.max_qr_refs = 3;
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    record_events(&page).await?;
    let first = wait_qr(&page).await?;
    let t0 = Instant::now();
    ensure!(
        first.split(',').count() == 5 && first.ends_with(",1"),
        "payload is ref,noise,identity,adv,platform: {first}"
    );
    // Conn.ref is the payload's ref, and /_sim/sessions shows the same payload
    // (read together, as the QR may rotate meanwhile on a slow machine).
    wait_for("Conn.ref, data-ref and sessions agree", LONG, || async {
        let v = js_soft(&page, "const e = document.querySelector('[data-ref]'); return [window.require('WAWebConnModel').Conn.ref, e && e.getAttribute('data-ref')];").await?;
        let (r, payload) = (v[0].as_str()?.to_owned(), v[1].as_str()?.to_owned());
        let s = sim.sessions().await;
        (payload.starts_with(&format!("{r},")) && s.len() == 1 && s[0].qr.as_deref() == Some(payload.as_str())).then_some(())
    })
    .await?;

    // Rotation: the payload changes, Conn fires change:ref.
    let second = wait_for("a second QR", LONG, || async { data_ref(&page).await.filter(|q| *q != first) }).await?;
    let rotated_after = t0.elapsed();
    ensure!(second.split(',').skip(1).eq(first.split(',').skip(1)), "keys stay, ref changes");

    // The phone refuses the expired first QR.
    let http = reqwest::Client::new();
    let resp =
        http.post(format!("{}/_sim/scan", sim.base_url())).json(&json!({"qr": first, "phone": RAVI})).send().await?;
    ensure!(resp.status() == 409, "expired QR -> 409, got {}", resp.status());
    let body: Value = resp.json().await?;
    ensure!(body["error"]["kind"] == "conflict", "error body: {body}");

    // After max refs: UNPAIRED_IDLE, no QR on screen.
    wait_state(&page, "UNPAIRED_IDLE").await?;
    let idle_after = t0.elapsed();
    ensure!(data_ref(&page).await.is_none(), "no QR while idle");
    let rec = js(&page, "return window.__rec;").await?;
    let refs = rec["refs"].as_array().map(Vec::len).unwrap_or(0);
    ensure!(refs >= 2, "change:ref fired for each new ref: {rec}");
    let s = one_session(&sim).await?;
    ensure!(s.state == "UNPAIRED_IDLE" && s.qr.is_none(), "{s:?}");
    eprintln!("timing: first ref rotated after {rotated_after:?}, idle after {idle_after:?} (config 2s + 2x1s)");

    // Cmd.refreshQR() brings a fresh QR back.
    js(&page, "window.require('WAWebCmd').Cmd.refreshQR(); return true;").await?;
    wait_state(&page, "UNPAIRED").await?;
    let again = wait_qr(&page).await?;
    ensure!(again != second && again != first);
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn scan_syncs_persists_across_relaunch_and_phone_logout_ends_it() -> Result<()> {
    let sim = sim_with(|c| c.sync_ms = 1_500).await?;
    sim.add_phone(RAVI, "Ravi Kumar").await?;
    let g = sim
        .add_group(NewGroup {
            subject: "Namakkal Poultry Farmers".into(),
            participants: vec!["+919845000001".into(), "lid:123456789012345".into()],
            admins: vec!["+919845000001".into()],
            members_of: vec![RAVI.into()],
            ..Default::default()
        })
        .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    record_events(&page).await?;
    let qr = wait_qr(&page).await?;
    ensure!(js(&page, "return window.require('WAWebUserPrefsMeUser').getMaybeMePnUser();").await? == Value::Null);

    // The canvas holds a real QR that decodes to exactly the payload.
    let decoded = decode_canvas_qr(&page).await?;
    ensure!(decoded == qr, "canvas QR {decoded:?} != data-ref {qr:?}");

    let t0 = Instant::now();
    sim.scan(&qr, RAVI).await?;
    wait_state(&page, "CONNECTED").await?;
    let connected_after = t0.elapsed();
    let mid = js(&page, "return window.require('WAWebSocketModel').Socket.hasSynced;").await?;
    wait_synced(&page).await?;
    let synced_after = t0.elapsed();
    eprintln!("timing: scan->CONNECTED {connected_after:?}, scan->hasSynced {synced_after:?} (config pairing 0.3s, sync 1.5s); hasSynced at CONNECTED = {mid}");
    let states = js(&page, "return window.__rec.states;").await?;
    let states: Vec<String> = serde_json::from_value(states)?;
    let pos = |s: &str| states.iter().position(|x| x == s);
    ensure!(pos("PAIRING") < pos("CONNECTED") && pos("PAIRING").is_some(), "states {states:?}");

    let me = js(&page, "const w = window.require('WAWebUserPrefsMeUser').getMaybeMePnUser(); return [w._serialized, w.user, w.server, w.toString()];").await?;
    ensure!(me == json!(["919800000001@c.us", "919800000001", "c.us", "919800000001@c.us"]), "{me}");
    let lid = js(&page, "return window.require('WAWebUserPrefsMeUser').getMaybeMeLidUser().server;").await?;
    ensure!(lid == "lid");
    let stored =
        js(&page, "return [localStorage.getItem('last-wid-md'), !!localStorage.getItem('WANoiseInfo')];").await?;
    ensure!(stored == json!(["\"919800000001:2@c.us\"", true]), "{stored}");

    // Groups arrive with the sync: metadata, chat, lid participants.
    let gm = js(
        &page,
        &format!(
            r#"
        const C = window.require('WAWebCollections');
        const g = C.GroupMetadata.get('{id}');
        const chat = C.Chat.get('{id}');
        return {{ subject: g.subject, lid: g.isLidAddressingMode, isGroup: chat.isGroup,
                 parts: g.participants.getModelsArray().map(p => [p.id._serialized, p.isAdmin]) }};
    "#,
            id = g.id
        ),
    )
    .await?;
    ensure!(gm["subject"] == "Namakkal Poultry Farmers" && gm["isGroup"] == true, "{gm}");
    let parts = gm["parts"].to_string();
    ensure!(
        parts.contains("[\"919845000001@c.us\",true]")
            && parts.contains("123456789012345@lid")
            && parts.contains("919800000001@c.us"),
        "{parts}"
    );

    // Relaunch with the same profile: no QR, straight to CONNECTED and sync.
    page.close().await.ok();
    browser.close().await?;
    wait_for("the closed page's session to go", LONG, || async { sim.sessions().await.is_empty().then_some(()) })
        .await?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_synced(&page).await?;
    let s = one_session(&sim).await?;
    ensure!(s.phone.as_deref() == Some(RAVI) && s.qr.is_none() && s.qr_refs_shown == 0, "{s:?}");
    record_events(&page).await?;

    // Logged out from the phone: Cmd emits logout, keys cleared, fresh QR.
    sim.phone_event(RAVI, PhoneEvent::Logout).await?;
    wait_for("Cmd logout", LONG, || async {
        (js_soft(&page, "return window.__rec.logout;").await? == json!(1)).then_some(())
    })
    .await?;
    let fresh = wait_qr(&page).await?;
    ensure!(fresh != qr);
    let stored =
        js(&page, "return [localStorage.getItem('last-wid-md'), localStorage.getItem('WANoiseInfo')];").await?;
    ensure!(stored == json!([null, null]), "{stored}");
    let login = js(&page, &format!("return await {STORED_LOGIN};")).await?;
    ensure!(login == Value::Null, "the stored login is gone: {login}");
    ensure!(js(&page, "return window.require('WAWebUserPrefsMeUser').getMaybeMePnUser();").await? == Value::Null);
    page.close().await.ok();
    browser.close().await?;

    // And a relaunch now shows a QR again.
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_qr(&page).await?;
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// The login lives in IndexedDB, committed before the page goes on: a
/// browser killed (SIGKILL) the moment after pairing comes back logged in,
/// without a QR. (localStorage reaches the disk seconds later and would
/// lose it.)
#[tokio::test]
async fn a_browser_killed_right_after_pairing_keeps_the_login() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    let qr = wait_qr(&page).await?;
    sim.scan(&qr, RAVI).await?;
    let probe = format!("return (await {STORED_LOGIN}) !== null;");
    wait_for("the stored login", LONG, || async { js_soft(&page, &probe).await.filter(|v| *v == json!(true)) }).await?;
    browser.kill().await?;

    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_synced(&page).await?;
    let s = one_session(&sim).await?;
    ensure!(s.phone.as_deref() == Some(RAVI) && s.qr.is_none() && s.qr_refs_shown == 0, "{s:?}");
    let phones = sim.phones().await;
    ensure!(phones.iter().any(|p| p.phone == RAVI && p.linked_devices == 1), "the same linked device: {phones:?}");
    // The page writes its localStorage copy of the number again.
    let wid = js(&page, "return JSON.parse(localStorage.getItem('last-wid-md'));").await?;
    ensure!(wid.as_str().is_some_and(|w| w.starts_with("919800000001:") && w.ends_with("@c.us")), "{wid}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn pairing_code_logs_in() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(PRIYA, "Priya").await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_qr(&page).await?;
    let code = js(
        &page,
        r#"
        const A = window.require('WAWebAltDeviceLinkingApi');
        A.setPairingType('ALT_DEVICE_LINKING');
        await A.initializeAltDeviceLinking();
        return await A.startAltLinkingFlow('919800000002', true);
    "#,
    )
    .await?;
    let code = code.as_str().unwrap_or_default().to_owned();
    ensure!(code.len() == 8 && code.chars().all(|c| c.is_ascii_alphanumeric()), "code {code:?}");
    let s = one_session(&sim).await?;
    ensure!(s.pairing_code.as_deref() == Some(code.as_str()) && s.pairing_phone.as_deref() == Some(PRIYA), "{s:?}");
    let wrong = if code == "ABCDEFGH" { "HGFEDCBA" } else { "ABCDEFGH" };
    ensure!(matches!(sim.pair(wrong, PRIYA).await, Err(SimError::Conflict(_))), "wrong code refused");
    ensure!(matches!(sim.pair(&code, RAVI).await, Err(SimError::Conflict(_))), "code for another phone refused");
    sim.pair(&code, PRIYA).await?;
    wait_synced(&page).await?;
    let me = js(&page, "return window.require('WAWebUserPrefsMeUser').getMaybeMePnUser()._serialized;").await?;
    ensure!(me == "919800000002@c.us");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn page_reloads_itself_after_fresh_pairing_and_on_command() -> Result<()> {
    let sim = sim_with(|c| c.self_reload_ms = Some(2_000)).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    let first = one_session(&sim).await?.id;
    let t0 = Instant::now();
    // A reload opens a new page session; the old one closes.
    wait_for("self reload (a new session replaces the first)", LONG, || async {
        let s = sim.sessions().await;
        (s.len() == 1 && s[0].id != first).then_some(())
    })
    .await?;
    let nav = js(&page, "return performance.getEntriesByType('navigation')[0].type;").await?;
    ensure!(nav == "reload", "navigation type {nav}");
    eprintln!("timing: self-reload {:?} after sync (config 2s)", t0.elapsed());
    wait_synced(&page).await?;
    // A resumed login does not schedule another self-reload; the control API can.
    let second = one_session(&sim).await?.id;
    js(&page, "window.__marker = 2; return true;").await?;
    sim.reload_session(second).await?;
    wait_for("commanded reload", LONG, || async {
        let gone = js_soft(&page, "return window.__marker === undefined && !!(window.Debug && window.Debug.VERSION);")
            .await?
            == Value::Bool(true);
        gone.then_some(())
    })
    .await?;
    wait_synced(&page).await?;
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// The QR string built the way whatsapp-web.js builds it (key modules,
/// `Conn.ref`, `change:ref`) equals what the page shows; the phone accepts
/// it with or without the platform field.
#[tokio::test]
async fn qr_built_from_the_key_modules_matches_the_screen_and_scans() -> Result<()> {
    let sim = sim_with(|c| {
        c.first_qr_ttl_ms = 3_000;
        c.next_qr_ttl_ms = 20_000;
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    let shown = wait_qr(&page).await?;
    let built = js(&page, r#"
        const AuthStore = {
            Conn: window.require('WAWebConnModel').Conn,
            Base64Tools: window.require('WABase64'),
            RegistrationUtils: {
                ...window.require('WAWebCompanionRegClientUtils'),
                ...window.require('WAWebAdvSignatureApi'),
                ...window.require('WAWebUserPrefsInfoStore'),
                ...window.require('WAWebSignalStoreApi'),
            },
        };
        const reg = await AuthStore.RegistrationUtils.waSignalStore.getRegistrationInfo();
        const noise = await AuthStore.RegistrationUtils.waNoiseInfo.get();
        const s = AuthStore.Base64Tools.encodeB64(noise.staticKeyPair.pubKey);
        const i = AuthStore.Base64Tools.encodeB64(reg.identityKeyPair.pubKey);
        const adv = await AuthStore.RegistrationUtils.getADVSecretKey();
        const p = AuthStore.RegistrationUtils.DEVICE_PLATFORM;
        const getQR = (ref) => ref + ',' + s + ',' + i + ',' + adv + ',' + p;
        window.__qrs = [getQR(AuthStore.Conn.ref)];
        AuthStore.Conn.on('change:ref', (_, ref) => window.__qrs.push(getQR(ref)));
        return {
            qr: window.__qrs[0], platform: p,
            types: [noise.staticKeyPair.pubKey instanceof ArrayBuffer, reg.identityKeyPair.pubKey instanceof ArrayBuffer,
                    noise.staticKeyPair.pubKey.byteLength, typeof reg.registrationId, typeof adv],
            prefsAdv: window.require('WAWebUserPrefsMultiDevice').getADVSecretKey(),
            adv,
            roundtrip: AuthStore.Base64Tools.encodeB64(new Uint8Array(AuthStore.Base64Tools.decodeB64(s))) === s,
        };
    "#).await?;
    ensure!(built["qr"] == shown.as_str() && built["platform"] == "1", "{built} vs {shown}");
    ensure!(built["types"] == json!([true, true, 32, "number", "string"]) && built["roundtrip"] == true, "{built}");
    ensure!(built["prefsAdv"] == built["adv"], "{built}");

    // On change:ref the same recipe gives the new payload on screen.
    let next = wait_for("a second ref", LONG, || async { data_ref(&page).await.filter(|q| *q != shown) }).await?;
    wait_for("change:ref rebuilt the QR", LONG, || async {
        let qrs = js_soft(&page, "return window.__qrs;").await?;
        qrs.as_array()?.iter().any(|q| q == next.as_str()).then_some(())
    })
    .await?;

    // The phone takes the 4-part form too (no platform), for the same ref.
    let four = next.rsplit_once(',').map(|(a, _)| a.to_owned()).unwrap_or_default();
    ensure!(four.split(',').count() == 4);
    sim.scan(&four, RAVI).await?;
    wait_synced(&page).await?;
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// Two browsers logged in as one phone at once: counted in
/// `max_concurrent_sessions` (issue 12 asserts it never happens).
#[tokio::test]
async fn sessions_of_one_phone_are_counted_over_time() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let (p1, p2) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let b1 = TestBrowser::launch(p1.path()).await?;
    let page1 = login(&sim, &b1, RAVI).await?;
    ensure!(sim.phones().await[0].max_concurrent_sessions == 1);
    let b2 = TestBrowser::launch(p2.path()).await?;
    let page2 = login(&sim, &b2, RAVI).await?;
    let p = sim.phones().await.remove(0);
    ensure!(p.sessions == 2 && p.max_concurrent_sessions == 2 && p.linked_devices == 2, "{p:?}");
    page2.close().await.ok();
    b2.close().await?;
    wait_for("one session left", LONG, || async { (sim.phones().await[0].sessions == 1).then_some(()) }).await?;
    ensure!(sim.phones().await[0].max_concurrent_sessions == 2, "the most at once stays");
    page1.close().await.ok();
    b1.close().await?;
    sim.shutdown().await?;
    Ok(())
}
