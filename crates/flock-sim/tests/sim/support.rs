//! Shared test helpers: a real Chromium driven through chromiumoxide, and
//! polling waits (never fixed sleeps as assertions).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::Page;
use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;

pub use flock_sim::*;

/// Generous: the machine may be loaded.
pub const LONG: Duration = Duration::from_secs(60);

/// Path of the Chromium binary (headless shell preferred). Waits a while for
/// `/usr/bin/chromium` to appear if neither exists yet (being installed).
pub async fn chromium_path() -> Result<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        for p in ["/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium"] {
            if Path::new(p).exists() {
                return Ok(PathBuf::from(p));
            }
        }
        if Instant::now() > deadline {
            bail!("no Chromium found");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// A browser with its own profile directory (kept by the caller to test
/// relaunches) and its own HOME for crash reports.
pub struct TestBrowser {
    pub browser: Browser,
    handler: JoinHandle<()>,
    _home: tempfile::TempDir,
}

impl TestBrowser {
    pub async fn launch(profile: &Path) -> Result<Self> {
        let home = tempfile::tempdir()?;
        let h = home.path().display().to_string();
        let config = BrowserConfig::builder()
            .chrome_executable(chromium_path().await?)
            .user_data_dir(profile)
            .window_size(1280, 900)
            .viewport(Viewport { width: 1280, height: 900, ..Default::default() })
            .args([
                "no-sandbox",
                "disable-gpu",
                "disable-background-networking",
                "disable-component-update",
                "disable-sync",
                "no-first-run",
                "disable-dev-shm-usage",
            ])
            .env("HOME", h.clone())
            .env("XDG_CONFIG_HOME", format!("{h}/.config"))
            .env("XDG_CACHE_HOME", format!("{h}/.cache"))
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| anyhow!("browser config: {e}"))?;
        let (browser, mut handler) = Browser::launch(config).await.context("launch chromium")?;
        let handler = tokio::spawn(async move {
            while let Some(ev) = handler.next().await {
                if let Err(e) = ev {
                    tracing::debug!("chromium handler event error: {e}");
                }
            }
        });
        Ok(Self { browser, handler, _home: home })
    }

    pub async fn open(&self, url: &str) -> Result<Page> {
        let page = self.browser.new_page(url).await.context("new page")?;
        Ok(page)
    }

    /// Kills the browser process (a crash, not a clean exit).
    pub async fn kill(mut self) -> Result<()> {
        let killed = self.browser.kill().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
        match killed {
            Some(r) => r.context("kill browser"),
            None => Ok(()),
        }
    }

    pub async fn close(mut self) -> Result<()> {
        let closed = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
        closed.map(|_| ()).context("close browser")
    }
}

/// Evaluates the body of an async function in the page; `undefined` becomes null.
pub async fn js(page: &Page, body: &str) -> Result<Value> {
    let f = format!(
        "async () => {{ const __r = await (async () => {{ {body} }})(); return __r === undefined ? null : __r; }}"
    );
    let res = page.evaluate_function(f).await.with_context(|| format!("evaluate: {body}"))?;
    Ok(res.into_value::<Value>().unwrap_or(Value::Null))
}

/// Like [`js`] but errors (page reloading, context gone) count as "not yet".
pub async fn js_soft(page: &Page, body: &str) -> Option<Value> {
    tokio::time::timeout(Duration::from_secs(10), js(page, body)).await.ok().and_then(|r| r.ok())
}

/// Polls `check` until it yields `Some`, or fails after `timeout`.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Ok(v);
        }
        if Instant::now() > deadline {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The Socket model, whichever shape the module has (value, or under `default`).
const SOCKET: &str =
    "(() => { const m = window.require('WAWebSocketModel'); return (m.Socket || m.default.Socket); })()";

/// Waits until the page's `Socket.state` equals `state`.
pub async fn wait_state(page: &Page, state: &str) -> Result<()> {
    let body = format!("return window.Debug && window.Debug.VERSION ? {SOCKET}.state : null;");
    let body = body.as_str();
    wait_for(&format!("Socket.state == {state}"), LONG, || async {
        (js_soft(page, body).await? == Value::String(state.to_owned())).then_some(())
    })
    .await
}

/// Waits until the page is CONNECTED and `hasSynced`.
pub async fn wait_synced(page: &Page) -> Result<()> {
    let body = format!("if (!window.Debug || !window.Debug.VERSION) return false; const S = {SOCKET}; return S.state === 'CONNECTED' && S.hasSynced === true;");
    let body = body.as_str();
    wait_for("CONNECTED and hasSynced", LONG, || async {
        (js_soft(page, body).await? == Value::Bool(true)).then_some(())
    })
    .await
}

/// Reloads the page and waits until the new document is synced.
pub async fn reload_synced(page: &Page) -> Result<()> {
    js(page, "window.__before_reload = true; setTimeout(() => location.reload(), 0); return true;").await?;
    wait_for("the reloaded document", LONG, || async {
        (js_soft(page, "return window.__before_reload === undefined && !!(window.Debug && window.Debug.VERSION);")
            .await?
            == Value::Bool(true))
        .then_some(())
    })
    .await?;
    wait_synced(page).await
}

/// The QR payload the page shows in its `data-ref` element (None if none).
pub async fn data_ref(page: &Page) -> Option<String> {
    js_soft(page, "const e = document.querySelector('[data-ref]'); return e ? e.getAttribute('data-ref') : null;")
        .await?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub async fn wait_qr(page: &Page) -> Result<String> {
    wait_for("a QR in data-ref", LONG, || data_ref(page)).await
}

/// The page's stored login (`{token, keys}` in IndexedDB `wawc`/`user`), as
/// a JavaScript expression (a promise; null when logged out).
pub const STORED_LOGIN: &str = r#"new Promise((ok, no) => {
    const r = indexedDB.open('wawc');
    r.onerror = () => no(r.error);
    r.onsuccess = () => {
        const db = r.result;
        const g = db.transaction('user').objectStore('user').get('login');
        g.onsuccess = () => { db.close(); ok(g.result === undefined ? null : g.result); };
        g.onerror = () => no(g.error);
    };
})"#;

/// The single open session (waits for it).
pub async fn one_session(sim: &SimHandle) -> Result<SessionInfo> {
    wait_for("one open session", LONG, || async {
        let s = sim.sessions().await;
        (s.len() == 1).then(|| s[0].clone())
    })
    .await
}

/// Opens the page, scans its QR as `phone` and waits for the sync to end.
pub async fn login(sim: &SimHandle, browser: &TestBrowser, phone: &str) -> Result<Page> {
    let page = browser.open(&sim.base_url()).await?;
    let qr = wait_qr(&page).await?;
    sim.scan(&qr, phone).await.context("scan")?;
    wait_synced(&page).await?;
    Ok(page)
}

/// Installs recorders for Socket state changes, Cmd logout and Msg acks.
pub async fn record_events(page: &Page) -> Result<()> {
    js(page, r#"
        if (window.__rec) return true;
        window.__rec = { states: [], logout: 0, acks: [], added: [], refs: [] };
        const S = window.require('WAWebSocketModel').Socket;
        S.on('change:state', (m, v) => window.__rec.states.push(v));
        window.require('WAWebCmd').Cmd.on('logout', () => window.__rec.logout++);
        window.require('WAWebConnModel').Conn.on('change:ref', (m, v) => window.__rec.refs.push(v));
        const C = window.require('WAWebCollections');
        C.Msg.on('change:ack', (m, v) => window.__rec.acks.push([m.id._serialized, v]));
        C.Msg.on('add', (m) => window.__rec.added.push({ id: m.id._serialized, fromMe: m.id.fromMe, body: m.body, isNewMsg: m.isNewMsg, remote: m.id.remote._serialized, author: m.author ? m.author._serialized : null, quoted: m.quotedStanzaID || null }));
        return true;
    "#)
    .await?;
    Ok(())
}

pub async fn wait_booted(page: &Page) -> Result<()> {
    wait_for("Debug.VERSION", LONG, || async {
        js_soft(page, "return window.Debug && window.Debug.VERSION || null;").await.filter(|v| !v.is_null())
    })
    .await
    .map(|_| ())
}

/// Decodes the QR drawn on the page's canvas from a screenshot.
pub async fn decode_canvas_qr(page: &Page) -> Result<String> {
    use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
    let el = page.find_element("[data-ref] canvas").await.context("find canvas")?;
    let png = el.screenshot(CaptureScreenshotFormat::Png).await.context("screenshot canvas")?;
    let img = image::load_from_memory(&png)?.to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    let grid = grids.first().ok_or_else(|| anyhow!("no QR found in the canvas screenshot"))?;
    let (_meta, content) = grid.decode().map_err(|e| anyhow!("QR decode: {e:?}"))?;
    Ok(content)
}

/// A simulator with fast timings and the given tweaks.
pub async fn sim_with(tweak: impl FnOnce(&mut SimConfig)) -> Result<SimHandle> {
    let mut cfg = SimConfig::fast();
    tweak(&mut cfg);
    Ok(Simulator::start(cfg).await?)
}

pub const RAVI: &str = "+919800000001";
pub const PRIYA: &str = "+919800000002";

/// Test helpers installed in the page (`window.__t`): a send the way a
/// bridge does it (chat lookup, key, `addAndSendMsgToChat`), and the
/// existence check. Run again after a reload.
pub const PAGE_HELPERS: &str = r#"
    window.__t = {
        async exists(wid) {
            const r = await window.require('WAWebQueryExistsJob').queryWidExists(window.require('WAWebWidFactory').createWid(wid));
            return r && { wid: r.wid._serialized, keys: Object.keys(r).sort() };
        },
        async send(to, body, extra) {
            const { createWid } = window.require('WAWebWidFactory');
            const MsgKey = window.require('WAWebMsgKey');
            const U = window.require('WAWebUserPrefsMeUser');
            const { chat } = await window.require('WAWebFindChatAction').findOrCreateLatestChat(createWid(to));
            const me = chat.id.isLid() ? U.getMaybeMeLidUser() : U.getMaybeMePnUser();
            const id = new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), participant: chat.id.isGroup() ? me : undefined, selfDir: 'out' });
            const [msgP, resP] = window.require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, Object.assign({
                id, ack: 0, body, from: me, to: chat.id, local: true, self: 'out',
                t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat' }, extra || {}));
            const msg = await msgP;
            const res = await resP;
            return { id: msg.id._serialized, keyId: msg.id.id, chat: chat.id._serialized, res, ack: msg.ack, isSendFailure: !!msg.isSendFailure };
        },
        // A send to a number this page has not looked up yet: existence first.
        async sendNew(to, body, extra) { await this.exists(to); return this.send(to, body, extra); },
    };
    return true;
"#;

pub async fn install_helpers(page: &Page) -> Result<()> {
    js(page, PAGE_HELPERS).await.map(|_| ())
}

/// `window.__t.<call>` in the page, e.g. `send("919845000001@c.us", "hi")`.
pub async fn t(page: &Page, call: &str) -> Result<Value> {
    js(page, &format!("return await window.__t.{call};")).await
}

pub const PERSON: &str = "+919845000001";
