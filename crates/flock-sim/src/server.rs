//! HTTP routes: the page (`/`, `/_wa/...`) and the control API (`/_sim/...`).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::api::*;
use crate::error::{SimError, SimResult};
use crate::ops;
use crate::world::SharedRef;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_CSS: &str = include_str!("../assets/app.css");

/// The page script: the parts in `assets/js/`, in order, one closure.
const APP_JS_PARTS: [&str; 11] = [
    include_str!("../assets/js/00-modsys.js"),
    include_str!("../assets/js/10-models.js"),
    include_str!("../assets/js/20-state.js"),
    include_str!("../assets/js/30-net.js"),
    include_str!("../assets/js/40-messages.js"),
    include_str!("../assets/js/50-modules-core.js"),
    include_str!("../assets/js/55-modules-chat.js"),
    include_str!("../assets/js/60-modules-login.js"),
    include_str!("../assets/js/70-modules-media.js"),
    include_str!("../assets/js/80-frames.js"),
    include_str!("../assets/js/90-ui.js"),
];

fn app_js() -> &'static str {
    static JS: OnceLock<String> = OnceLock::new();
    JS.get_or_init(|| APP_JS_PARTS.concat())
}

pub(crate) fn router(shared: SharedRef) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/_wa/app.js", get(|| async { js(app_js()) }))
        .route("/_wa/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css")], APP_CSS) }))
        .route("/_wa/ws", get(ws))
        .route("/_wa/mms/{kind}", post(upload).layer(DefaultBodyLimit::disable()))
        .route("/_sim/phones", post(add_phone).get(phones))
        .route("/_sim/phones/{phone}/{event}", post(phone_event))
        .route("/_sim/groups", post(add_group).get(groups))
        .route("/_sim/groups/{id}", patch(patch_group))
        .route("/_sim/sessions", get(sessions))
        .route("/_sim/sessions/{id}/reload", post(reload))
        .route("/_sim/scan", post(scan))
        .route("/_sim/pair", post(pair))
        .route("/_sim/inbound", post(inbound))
        .route("/_sim/acks", post(ack))
        .route("/_sim/config", post(set_config).get(config))
        .route("/_sim/ledger", get(ledger))
        .fallback(|| async { SimError::NotFound("no such route".into()) })
        .with_state(shared)
}

fn js(src: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], src)
        .into_response()
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> SimResult<T> {
    serde_json::from_slice(body).map_err(|e| SimError::InvalidInput(format!("bad JSON body: {e}")))
}

/// The page, with its boot data (version, module variants, settings)
/// filled in the way WhatsApp's server-rendered bootstrap does.
async fn index(State(s): State<SharedRef>) -> Response {
    let cfg = ops::config(&s);
    let boot = json!({
        "version": cfg.version, "omit": cfg.omit_modules, "defaultExport": cfg.default_export_modules,
        "rename": cfg.rename_modules,
        "settings": {
            "noLidUntilQueried": cfg.no_lid_until_queried, "uploadLimitsMb": cfg.upload_limits_mb,
            "loadedMsgsPerChat": cfg.loaded_msgs_per_chat,
        },
    })
    .to_string()
    .replace('<', "\\u003c");
    let html = INDEX_HTML.replace("/*BOOT*/null", &boot);
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

async fn ws(State(s): State<SharedRef>, up: WebSocketUpgrade) -> Response {
    up.on_upgrade(move |socket| crate::session::run(s, socket))
}

async fn upload(
    State(s): State<SharedRef>,
    Path(kind): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> SimResult<Json<serde_json::Value>> {
    let auth = q.get("auth").map(String::as_str).unwrap_or("");
    let mime = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream");
    ops::upload(&s, auth, &kind, mime, body).await.map(Json)
}

async fn add_phone(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<PhoneInfo>> {
    ops::add_phone(&s, parse(&body)?).map(Json)
}

async fn phones(State(s): State<SharedRef>) -> Json<Vec<PhoneInfo>> {
    Json(ops::phones(&s))
}

async fn phone_event(
    State(s): State<SharedRef>,
    Path((phone, event)): Path<(String, String)>,
    body: Bytes,
) -> SimResult<Json<PhoneInfo>> {
    let ev: PhoneEvent = event.parse()?;
    let restrict: RestrictRequest =
        if body.iter().all(u8::is_ascii_whitespace) { RestrictRequest::default() } else { parse(&body)? };
    if restrict.seconds.is_some() && ev != PhoneEvent::Restrict {
        return Err(SimError::InvalidInput(format!("\"seconds\" only goes with restrict, not {event}")));
    }
    ops::phone_event(&s, &phone, ev, restrict.seconds).map(Json)
}

async fn add_group(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<GroupInfo>> {
    ops::add_group(&s, parse(&body)?).map(Json)
}

async fn groups(State(s): State<SharedRef>) -> Json<Vec<GroupInfo>> {
    Json(ops::groups(&s))
}

async fn patch_group(State(s): State<SharedRef>, Path(id): Path<String>, body: Bytes) -> SimResult<Json<GroupInfo>> {
    ops::patch_group(&s, &id, parse(&body)?).map(Json)
}

async fn sessions(State(s): State<SharedRef>) -> Json<Vec<SessionInfo>> {
    Json(ops::sessions(&s))
}

async fn reload(State(s): State<SharedRef>, Path(id): Path<String>) -> SimResult<Json<Ok>> {
    let id = id.parse().map_err(|_| SimError::InvalidInput(format!("not a session id: {id}")))?;
    ops::reload(&s, id).map(|_| Json(Ok { ok: true }))
}

async fn scan(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<SessionInfo>> {
    ops::scan(&s, parse(&body)?).await.map(Json)
}

async fn pair(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<SessionInfo>> {
    ops::pair(&s, parse(&body)?).await.map(Json)
}

async fn inbound(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<Created>> {
    ops::inbound(&s, parse(&body)?).map(Json)
}

async fn ack(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<Ok>> {
    ops::ack(&s, parse(&body)?).map(|_| Json(Ok { ok: true }))
}

async fn config(State(s): State<SharedRef>) -> Json<crate::SimConfig> {
    Json(ops::config(&s))
}

async fn set_config(State(s): State<SharedRef>, body: Bytes) -> SimResult<Json<crate::SimConfig>> {
    Ok(Json(ops::set_config(&s, parse(&body)?)))
}

/// `GET /_sim/ledger?accepted=true|false&id=<id or key>&target=+91…`
async fn ledger(
    State(s): State<SharedRef>,
    Query(q): Query<HashMap<String, String>>,
) -> SimResult<Json<Vec<LedgerEntry>>> {
    let mut query = LedgerQuery::default();
    for (k, v) in q {
        match k.as_str() {
            "accepted" => {
                query.accepted = Some(
                    v.parse()
                        .map_err(|_| SimError::InvalidInput(format!("accepted must be true or false, got {v:?}")))?,
                )
            }
            "id" => query.id = Some(v),
            "target" => query.target = Some(v),
            other => {
                return Err(SimError::InvalidInput(format!("unknown ledger filter {other:?} (accepted, id, target)")))
            }
        }
    }
    Ok(Json(ops::ledger(&s, &query)))
}
