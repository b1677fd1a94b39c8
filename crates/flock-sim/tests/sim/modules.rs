//! The module system and the export shapes; a left-out module is absent.

use anyhow::{ensure, Result};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn modules_have_real_shapes_and_omitted_ones_are_absent() -> Result<()> {
    let sim = sim_with(|c| {
        c.omit_modules = vec!["WAWebSendMsgChatAction".into()];
        c.version = "2.3000.1111111111".into();
    })
    .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    let v = js(&page, r#"
        const names = Object.keys(window.require('__debug').modulesMap);
        let missing = null;
        try { window.require('WAWebSendMsgChatAction'); } catch (e) { missing = String(e.message); }
        const S = window.require('WAWebSocketModel').Socket;
        const wid = window.require('WAWebWidFactory').createWid('919800000001@c.us');
        const MsgKey = window.require('WAWebMsgKey');
        const key = new MsgKey({ from: wid, to: window.require('WAWebWidFactory').createWid('120363000000000001@g.us'), id: 'ABC', participant: wid, selfDir: 'out' });
        return {
            version: window.Debug.VERSION,
            hasSend: names.includes('WAWebSendMsgChatAction'),
            hasColl: names.includes('WAWebCollections'),
            missing,
            socket: [typeof S.on, typeof S.off, typeof S.once, typeof S.takeover, typeof S.logout, typeof S.state],
            conn: [typeof window.require('WAWebConnModel').Conn.serialize, 'ref' in window.require('WAWebConnModel').Conn],
            cmd: typeof window.require('WAWebCmd').Cmd.refreshQR,
            wid: [wid.user, wid.server, wid._serialized, String(wid), wid.isUser(), wid.isGroup()],
            key: key._serialized,
            newId: (await MsgKey.newId()).length,
            coll: ['Chat', 'Msg', 'Contact', 'GroupMetadata'].map(n => typeof window.require('WAWebCollections')[n].getModelsArray),
            me: window.require('WAWebUserPrefsMeUser').getMaybeMeLidUser(),
            link: window.require('WALinkify').findLink('see https://example.org/prices today').url,
        };
    "#).await?;
    ensure!(v["version"] == "2.3000.1111111111", "{v}");
    ensure!(v["hasSend"] == false && v["hasColl"] == true, "{v}");
    ensure!(v["missing"].as_str().unwrap_or("").contains("WAWebSendMsgChatAction"), "{v}");
    ensure!(v["socket"] == json!(["function", "function", "function", "function", "function", "string"]), "{v}");
    ensure!(v["conn"] == json!(["function", true]) && v["cmd"] == "function", "{v}");
    ensure!(v["wid"] == json!(["919800000001", "c.us", "919800000001@c.us", "919800000001@c.us", true, false]), "{v}");
    ensure!(v["key"] == "true_120363000000000001@g.us_ABC_919800000001@c.us", "{v}");
    ensure!(v["newId"] == 22 && v["me"] == Value::Null, "{v}");
    ensure!(v["coll"] == json!(["function", "function", "function", "function"]), "{v}");
    ensure!(v["link"] == "https://example.org/prices", "{v}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// Meta's interop: `require` hands out a default-only module's value,
/// `importNamespace` its `{default}` namespace; `__debug.modulesMap` has
/// the fields a shape search reads.
#[tokio::test]
async fn require_import_namespace_and_modules_map_fields() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = browser.open(&sim.base_url()).await?;
    wait_booted(&page).await?;
    let v = js(&page, r#"
        const map = window.require('__debug').modulesMap;
        const rec = map['WAWebMsgKey'];
        const coll = map['WAWebCollections'];
        return {
            require: typeof window.require('WAWebMsgKey'),
            ns: [typeof window.importNamespace('WAWebMsgKey').default, Object.keys(window.importNamespace('WAWebMsgKey'))],
            def: window.importDefault('WAWebMsgKey') === window.require('WAWebMsgKey'),
            namedNs: typeof window.importNamespace('WAWebCollections').Msg.get,
            rec: [typeof rec.factory, rec.factoryFinished, typeof rec.exports, rec.exports.default === rec.defaultExport, typeof rec.defaultExport],
            coll: [coll.exports === window.require('WAWebCollections'), coll.defaultExport === undefined],
            unknown: (() => { try { window.importNamespace('WAWebNope'); return null; } catch (e) { return e.message; } })(),
            guard: typeof window.ErrorGuard.skipGuardGlobal,
        };
    "#).await?;
    ensure!(v["require"] == "function" && v["ns"] == json!(["function", ["default"]]) && v["def"] == true, "{v}");
    ensure!(v["namedNs"] == "function" && v["rec"] == json!(["function", true, "object", true, "function"]), "{v}");
    ensure!(
        v["coll"] == json!([true, true])
            && v["unknown"] == "Requiring unknown module \"WAWebNope\""
            && v["guard"] == "function",
        "{v}"
    );
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// `default_export_modules`: chosen modules (or `*`) come under `default`;
/// the page still works for a bridge that looks there.
#[tokio::test]
async fn modules_can_be_exported_under_default() -> Result<()> {
    let sim = sim_with(|c| c.default_export_modules = vec!["*".into()]).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    let v = js(&page, r#"
        const key = window.require('WAWebMsgKey');
        const coll = window.require('WAWebCollections');
        const find = window.require('WAWebFindChatAction');
        const send = window.require('WAWebSendMsgChatAction');
        const C = coll.default, MsgKey = key.default, W = window.require('WAWebWidFactory').default;
        await window.require('WAWebQueryExistsJob').default.queryWidExists(W.createWid('919845000001@c.us'));
        const { chat } = await find.default.findOrCreateLatestChat(W.createWid('919845000001@c.us'));
        const me = window.require('WAWebUserPrefsMeUser').default.getMaybeMeLidUser();
        const id = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), selfDir: 'out' });
        const [m, r] = send.default.addAndSendMsgToChat(chat, { id, body: 'under default', type: 'chat', from: me, to: chat.id, t: 1 });
        await m;
        return {
            shapes: [typeof key, typeof key.default, typeof coll.Msg, typeof C.Msg.get, Object.keys(send)],
            ns: window.importNamespace('WAWebCollections') === coll,
            debug: typeof window.require('__debug').modulesMap,
            res: await r,
        };
    "#).await?;
    ensure!(v["shapes"] == json!(["object", "function", "undefined", "function", ["default"]]), "{v}");
    ensure!(v["ns"] == true && v["debug"] == "object" && v["res"]["messageSendResult"] == "OK", "{v}");
    ensure!(sim.ledger_accepted().await.len() == 1);

    // Only the listed modules, on the next page load.
    sim.set_config(ConfigPatch { default_export_modules: Some(vec!["WAWebMsgKey".into()]), ..Default::default() })
        .await;
    reload_synced(&page).await?;
    let v = js(&page, "return [typeof window.require('WAWebMsgKey'), typeof window.require('WAWebMsgKey').default, typeof window.require('WAWebCollections').Msg];").await?;
    ensure!(v == json!(["object", "function", "object"]), "{v}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// `rename_modules`: the send module under another name is found again by
/// a search of `modulesMap` for its shape, and sends.
#[tokio::test]
async fn a_renamed_module_is_found_by_shape() -> Result<()> {
    let sim = sim_with(|c| {
        c.rename_modules = [("WAWebSendMsgChatAction".to_owned(), "WAWebSendMsgChatActionV2".to_owned())].into();
    })
    .await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    install_helpers(&page).await?;
    let v = js(
        &page,
        r#"
        let byName = null;
        try { window.require('WAWebSendMsgChatAction'); } catch (e) { byName = e.message; }
        const map = window.require('__debug').modulesMap;
        const found = Object.keys(map).filter(n => {
            const ns = window.importNamespace(n);
            const m = ns && (typeof ns.addAndSendMsgToChat === 'function' ? ns : ns.default);
            return !!m && typeof m.addAndSendMsgToChat === 'function' && m.addAndSendMsgToChat.length === 3;
        });
        return { byName, found };
    "#,
    )
    .await?;
    ensure!(
        v["byName"].as_str().unwrap_or("").contains("WAWebSendMsgChatAction")
            && v["found"] == json!(["WAWebSendMsgChatActionV2"]),
        "{v}"
    );
    let sent = js(&page, r#"
        const S = window.require('WAWebSendMsgChatActionV2');
        await window.__t.exists('919845000001@c.us');
        const { chat } = await window.require('WAWebFindChatAction').findOrCreateLatestChat(window.require('WAWebWidFactory').createWid('919845000001@c.us'));
        const MsgKey = window.require('WAWebMsgKey');
        const me = window.require('WAWebUserPrefsMeUser').getMaybeMeLidUser();
        const [m, r] = S.addAndSendMsgToChat(chat, { id: new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), selfDir: 'out' }), body: 'found by shape', type: 'chat' });
        await m;
        return await r;
    "#).await?;
    ensure!(sent["messageSendResult"] == "OK", "{sent}");
    ensure!(sim.ledger_accepted().await.iter().any(|e| e.text.as_deref() == Some("found by shape")));
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}

/// The chat modules whatsapp-web.js requires on its way to `ready` and
/// `sendMessage`, with WhatsApp Web's names and shapes: chat getters, the
/// lid-pn helpers, the stream, marking seen, serialized group metadata,
/// `GroupMetadata.update`, ephemeral fields, calls, sync gating.
#[tokio::test]
async fn the_chat_modules_have_whatsapp_webs_shapes() -> Result<()> {
    let sim = sim_with(|_| {}).await?;
    sim.add_phone(RAVI, "Ravi").await?;
    let group = sim
        .add_group(NewGroup {
            subject: "Namakkal Poultry Farmers".into(),
            participants: vec![PERSON.into(), "lid:100000000000777".into()],
            admins: vec![PERSON.into()],
            members_of: vec![RAVI.into()],
            ..Default::default()
        })
        .await?;
    let profile = tempfile::tempdir()?;
    let browser = TestBrowser::launch(profile.path()).await?;
    let page = login(&sim, &browser, RAVI).await?;
    sim.inbound(Inbound {
        from: PERSON.into(),
        to: RAVI.into(),
        text: "Do you sell eggs?".into(),
        ..Default::default()
    })
    .await?;
    wait_for("the unread message", LONG, || async {
        let n = js_soft(
            &page,
            "return window.require('WAWebCollections').Chat.getModelsArray().filter(c => c.unreadCount > 0).length;",
        )
        .await?;
        (n == json!(1)).then_some(())
    })
    .await?;
    let v = js(&page, &r#"
        const C = window.require('WAWebCollections'), G = window.require('WAWebChatGetters');
        const L = window.require('WAWebLidMigrationUtils'), W = window.require('WAWebWidFactory');
        const S = window.require('WAWebStreamModel').Stream, U = window.require('WAWebUpdateUnreadChatAction');
        const group = C.Chat.get(GID);
        const person = C.Chat.getModelsArray().find(c => !c.id.isGroup() && c.unreadCount > 0);
        const gm = group.groupMetadata.serialize();
        const updated = await C.GroupMetadata.update(W.createWid(GID));
        S.markUnavailable();
        await U.sendSeen({ chat: person });
        const whileAway = person.unreadCount;
        S.markAvailable();
        const calls = window.require('WAWebCallCollection');
        return {
            getters: [G.getIsGroup(group), G.getIsBroadcast(group), G.getIsNewsletter(group), G.getIsUser(person), G.getUnreadCount(group)],
            title: group.formattedTitle, muted: group.mute.expiration,
            participants: Array.isArray(gm.participants) && gm.participants.map(p => [p.id._serialized, p.isAdmin]),
            msgs: typeof group.serialize().msgs.length,
            updated: updated === C.GroupMetadata.get(GID),
            toPn: [L.toPn(W.createWid('919845000001@c.us'))._serialized, L.toPn(W.createWid('100000000000777@lid'))],
            asUser: (() => { try { W.asUserWidOrThrow(W.createWid(GID)); return 'returned'; } catch (e) { return 'throws'; } })(),
            lastReceived: !!person.lastReceivedKey && person.lastReceivedKey.fromMe === false,
            seen: [whileAway, person.unreadCount],
            eph: window.require('WAWebGetEphemeralFieldsMsgActionsUtils').getEphemeralFields(group),
            calls: [typeof calls.on, calls.activeCall],
            gating: window.require('WAWebSyncGatingUtils').isPlaceholderMessageResendEnabled(),
        };
    "#.replace("GID", &format!("{:?}", group.id))).await?;
    ensure!(v["getters"] == json!([true, false, false, true, 0]), "{v}");
    ensure!(v["title"] == "Namakkal Poultry Farmers" && v["muted"] == 0, "{v}");
    ensure!(
        v["participants"]
            == json!([["919845000001@c.us", true], ["100000000000777@lid", false], ["919800000001@c.us", false]]),
        "{v}"
    );
    ensure!(v["msgs"] == "number" && v["updated"] == true, "{v}");
    ensure!(v["toPn"] == json!(["919845000001@c.us", null]) && v["asUser"] == "throws", "{v}");
    ensure!(v["lastReceived"] == true && v["seen"] == json!([1, 0]), "seen waits for the user: {v}");
    ensure!(v["eph"] == json!({}) && v["calls"] == json!(["function", null]) && v["gating"] == false, "{v}");
    page.close().await.ok();
    browser.close().await?;
    sim.shutdown().await?;
    Ok(())
}
