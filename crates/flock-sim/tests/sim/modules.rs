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
