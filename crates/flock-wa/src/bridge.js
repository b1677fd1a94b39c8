/* Flock bridge: the ONE place that uses WhatsApp Web internals.
 *
 * Injected with Page.addScriptToEvaluateOnNewDocument before WhatsApp Web's
 * own scripts run. Main frame only, once per document. Pushes every event
 * to the host through the CDP binding `__flockEmit` (one JSON string per
 * event); the host never polls. Commands from the host call the functions
 * on `window.__flockBridge`: quick ones return a JSON string, long ones
 * (send, exists, lookup) answer later with a `reply` event carrying the
 * host's call number.
 *
 * Internals (see docs/whatsapp-web.md) are found by name, as the module's
 * value or under `default`; the send path falls back to a search of
 * `require('__debug').modulesMap` by shape. They are grouped by feature;
 * a feature whose internals are missing is reported and switched off, and
 * only a login that cannot work is fatal. Every await has a deadline.
 */
(function () {
  'use strict';
  if (window.top !== window) return; // iframes: never
  if (window.__flockBridge) { window.__flockBridge.duplicates += 1; return; }

  var BINDING = '__flockEmit';
  var bridge = { duplicates: 0, startedAt: Date.now(), version: null, booted: false, missing: [] };
  Object.defineProperty(window, '__flockBridge', { value: bridge, enumerable: false, configurable: false, writable: false });

  function emit(type, data) {
    var msg = Object.assign({ type: type }, data || {});
    try {
      var f = window[BINDING];
      if (typeof f === 'function') f(JSON.stringify(msg));
    } catch (e) { /* the host is gone: nothing to report to */ }
  }
  // Error texts go to the host's logs: long digit runs (phone numbers,
  // privacy ids) keep only their last two digits.
  function errText(e) { return String((e && e.message) || e).replace(/\d{5,}(\d\d)/g, '•••$1'); }
  function isFn(f) { return typeof f === 'function'; }
  // Arity as a shape hint: at least the parameters we pass (optional ones
  // may follow); minified async functions are often wrappers of length 0.
  function arity(f, n) { return isFn(f) && (f.length >= n || f.length === 0); }
  function attr(m, k) {
    if (!m) return undefined;
    if (m[k] !== undefined) return m[k];
    return isFn(m.get) ? m.get(k) : undefined;
  }
  function keyText(k) {
    if (k === null || k === undefined) return null;
    if (typeof k === 'string') return k;
    return String(k._serialized || (isFn(k.toString) ? k.toString() : k));
  }
  function widText(w) { return w ? keyText(w) : null; }
  // A promise that settles within `ms`, else rejects {timeout: what}.
  function within(p, ms, what) {
    return new Promise(function (resolve, reject) {
      var t = setTimeout(function () { reject({ timeout: what, ms: ms }); }, ms);
      Promise.resolve(p).then(function (v) { clearTimeout(t); resolve(v); }, function (e) { clearTimeout(t); reject(e); });
    });
  }

  // ------------------------------------------------------------ internals
  var S = true; // may be found by shape
  var SPECS = {
    WAWebSocketModel: [function (m) { return m.Socket && isFn(m.Socket.on); }],
    WAWebConnModel: [function (m) { return m.Conn && isFn(m.Conn.on); }],
    WAWebCmd: [function (m) { return m.Cmd && isFn(m.Cmd.on); }],
    WAWebOfflineHandler: [function (m) { return !!m.OfflineMessageHandler; }],
    WAWebUserPrefsMeUser: [function (m) { return isFn(m.getMaybeMePnUser); }],
    WAWebUserPrefsInfoStore: [function (m) { return m.waNoiseInfo && isFn(m.waNoiseInfo.get); }],
    WAWebSignalStoreApi: [function (m) { return m.waSignalStore && isFn(m.waSignalStore.getRegistrationInfo); }],
    WAWebAdvSignatureApi: [function (m) { return isFn(m.getADVSecretKey); }],
    WABase64: [function (m) { return isFn(m.encodeB64); }],
    WAWebCompanionRegClientUtils: [function (m) { return m.DEVICE_PLATFORM !== undefined; }],
    WAWebAltDeviceLinkingApi: [function (m) { return isFn(m.startAltLinkingFlow) && isFn(m.initializeAltDeviceLinking); }],
    WAWebCollections: [function (m) { return m.Msg && m.Chat && m.GroupMetadata && isFn(m.Msg.on); }],
    WAWebWidFactory: [function (m) { return isFn(m.createWid); }, S],
    WAWebFindChatAction: [function (m) { return isFn(m.findOrCreateLatestChat); }, S],
    WAWebSendMsgChatAction: [function (m) { return arity(m.addAndSendMsgToChat, 2); }, S],
    WAWebMsgKey: [function (m) { return isFn(m) && isFn(m.newId) && isFn(m.fromString); }, S],
    WAWebQueryExistsJob: [function (m) { return isFn(m.queryWidExists); }, S],
    WAWebApiContact: [function (m) { return isFn(m.getCurrentLid); }],
    WAWebMediaOpaqueData: [function (m) { return isFn(m.createFromData); }, S],
    WAWebPrepRawMedia: [function (m) { return isFn(m.prepRawMedia); }, S],
    WAWebMediaStorage: [function (m) { return isFn(m.getOrCreateMediaObject); }, S],
    WAWebMmsMediaTypes: [function (m) { return isFn(m.msgToMediaType); }, S],
    WAWebMediaMmsV4Upload: [function (m) { return isFn(m.uploadMedia); }, S],
    WAWebMediaGatingUtils: [function (m) { return isFn(m.getUploadLimit); }],
    WALinkify: [function (m) { return isFn(m.findLink); }, S],
    WAWebLinkPreviewChatAction: [function (m) { return isFn(m.getLinkPreview); }, S],
    WAWebDBMessageFindLocal: [function (m) { return isFn(m.msgFindByDirection); }],
    WAWebReachoutTimelockUtils: [function (m) { return isFn(m.isUserReachoutTimelocked); }],
    WAWebUserPrefsIndexedDBStorage: [function (m) { return m.userPrefsIdb && isFn(m.userPrefsIdb.get); }],
  };
  var SEND_TEXT = ['WAWebCollections', 'WAWebWidFactory', 'WAWebFindChatAction', 'WAWebSendMsgChatAction', 'WAWebMsgKey', 'WAWebUserPrefsMeUser'];
  var FEATURES = [
    ['login_qr', ['WAWebSocketModel', 'WAWebConnModel', 'WAWebCmd'],
      ['WAWebUserPrefsInfoStore', 'WAWebSignalStoreApi', 'WAWebAdvSignatureApi', 'WABase64', 'WAWebCompanionRegClientUtils', 'WAWebOfflineHandler']],
    ['login_pairing', ['WAWebSocketModel', 'WAWebAltDeviceLinkingApi'], []],
    ['identity', ['WAWebUserPrefsMeUser'], ['WAWebConnModel']],
    ['groups', ['WAWebCollections'], []],
    ['exists', ['WAWebWidFactory', 'WAWebQueryExistsJob'], []],
    ['send_text', SEND_TEXT, ['WAWebQueryExistsJob', 'WAWebApiContact']],
    ['send_media', SEND_TEXT.concat(['WAWebMediaOpaqueData', 'WAWebPrepRawMedia', 'WAWebMediaStorage', 'WAWebMmsMediaTypes', 'WAWebMediaMmsV4Upload']), ['WAWebMediaGatingUtils']],
    ['link_preview', SEND_TEXT.concat(['WALinkify', 'WAWebLinkPreviewChatAction']), []],
    ['acks', ['WAWebCollections'], []],
    ['inbound', ['WAWebCollections'], []],
    ['lookup', ['WAWebCollections'], ['WAWebDBMessageFindLocal']],
    ['timelock', ['WAWebReachoutTimelockUtils'], ['WAWebUserPrefsIndexedDBStorage']],
  ];
  var mods = Object.create(null);   // name -> value
  var routes = Object.create(null); // name -> 'name' | 'default' | 'shape-search:<module>'

  function tryRequire(name) { try { return window.require(name); } catch (e) { return null; } }
  function fits(test, v) { try { return v !== null && v !== undefined && !!test(v); } catch (e) { return false; } }

  // Walks the loaded modules for one exporting the wanted shape (the
  // already initialised ones first: requiring a module runs its factory).
  // React components and lazy wrappers are never what we look for.
  function candidate(id, name) { return id !== name && /^WA/.test(id) && !/\.react$|React|Loadable|\.css$/.test(id); }
  function shapeSearch(name, test, deadline) {
    var map = null;
    try { map = window.require('__debug').modulesMap; } catch (e) { return null; }
    if (!map) return null;
    var ids = Object.keys(map).filter(function (id) { return candidate(id, name); });
    for (var pass = 0; pass < 2; pass++) {
      for (var i = 0; i < ids.length && Date.now() < deadline; i++) {
        var entry = map[ids[i]];
        var ready = entry && entry.exports !== undefined && entry.isInitialized !== false;
        if ((pass === 0) !== !!ready) continue;
        var v = pass === 0 ? entry.exports : tryRequire(ids[i]);
        if (fits(test, v)) return { value: v, route: 'shape-search:' + ids[i] };
        if (v && fits(test, v.default)) return { value: v.default, route: 'shape-search:' + ids[i] };
      }
    }
    return null;
  }

  function resolve(name, searchUntil) {
    var spec = SPECS[name];
    var m = tryRequire(name);
    if (fits(spec[0], m)) return { value: m, route: 'name' };
    if (m && fits(spec[0], m.default)) return { value: m.default, route: 'default' };
    if (spec[1] && searchUntil) return shapeSearch(name, spec[0], searchUntil);
    return null;
  }

  // Finds every internal not found yet (shape searches share 3 s of the
  // page's time); true when something new turned up.
  function resolveAll(withSearch) {
    var found = false, until = withSearch ? Date.now() + 3000 : 0;
    Object.keys(SPECS).forEach(function (name) {
      if (mods[name]) return;
      var r = resolve(name, until);
      if (r) { mods[name] = r.value; routes[name] = r.route; found = true; }
    });
    return found;
  }

  function capabilities() {
    var features = FEATURES.map(function (f) {
      var internals = f[1].map(function (n) { return { name: n, route: routes[n] || null, required: true }; })
        .concat(f[2].map(function (n) { return { name: n, route: routes[n] || null, required: false }; }));
      return { capability: f[0], available: f[1].every(function (n) { return !!mods[n]; }), internals: internals };
    });
    return { version: bridge.version, features: features };
  }
  function has(cap) {
    var f = FEATURES.find(function (x) { return x[0] === cap; });
    return !!f && f[1].every(function (n) { return !!mods[n]; });
  }
  function coll() { return mods.WAWebCollections; }

  // ------------------------------------------------------------ boot
  function versionNow() { try { return (window.Debug && window.Debug.VERSION) || null; } catch (e) { return null; } }

  function onBoot() {
    if (bridge.booted) return;
    var version = versionNow();
    if (!version) return;
    bridge.booted = true;
    bridge.version = version;
    if (observer) observer.disconnect();
    resolveAll(true);
    var caps = capabilities();
    var loginOk = !!mods.WAWebSocketModel && (has('login_qr') || has('login_pairing'));
    var fatal = [], optional = [];
    Object.keys(SPECS).forEach(function (n) { if (!mods[n]) optional.push(n); });
    if (!loginOk) {
      fatal = optional.filter(function (n) { return ['WAWebSocketModel', 'WAWebConnModel', 'WAWebCmd', 'WAWebAltDeviceLinkingApi'].indexOf(n) >= 0; });
      optional = optional.filter(function (n) { return fatal.indexOf(n) < 0; });
    }
    bridge.missing = fatal;
    emit('boot', { version: version, capabilities: caps, missing: fatal, optional_missing: optional });
    try { hook(); } catch (e) { emit('error', { message: 'hook: ' + errText(e) }); }
  }

  // Modules loaded after boot (WhatsApp Web loads parts lazily): looked for
  // again once the account is ready, and reported when that changed something.
  function recheck() {
    if (!resolveAll(true)) return;
    emit('capabilities', { capabilities: capabilities() });
    hookMessages();
  }

  // Debug.VERSION appears when WhatsApp Web has booted. Wait for it on
  // events only: DOM changes (the app renders as it boots) and load.
  var observer = null;
  function watchBoot() {
    if (versionNow()) { setTimeout(onBoot, 0); return; }
    observer = new MutationObserver(function () { if (versionNow()) onBoot(); });
    observer.observe(document, { childList: true, subtree: true, attributes: true });
    document.addEventListener('DOMContentLoaded', function () { setTimeout(onBoot, 0); });
    window.addEventListener('load', function () { setTimeout(onBoot, 0); });
  }

  // ------------------------------------------------------------ session
  function me() {
    var U = mods.WAWebUserPrefsMeUser;
    var pn = null, lid = null, source = null, pushname = null;
    try { var w = U && U.getMaybeMePnUser(); if (w && w.user) { pn = String(w.user); source = 'getMaybeMePnUser'; } } catch (e) { /* fallback below */ }
    if (!pn) {
      try {
        var raw = JSON.parse(localStorage.getItem('last-wid-md') || 'null');
        if (raw) { pn = String(raw).split('@')[0].split(':')[0]; source = 'last-wid-md'; }
      } catch (e) { /* none */ }
    }
    try { var l = U && isFn(U.getMaybeMeLidUser) && U.getMaybeMeLidUser(); if (l) lid = widText(l); } catch (e) { /* none */ }
    try { var C = mods.WAWebConnModel && mods.WAWebConnModel.Conn; if (C && C.pushname) pushname = String(C.pushname); } catch (e) { /* none */ }
    if (!pn || !/^[0-9]+$/.test(pn)) return null;
    return { pn: pn, lid: lid, pushname: pushname, source: source };
  }

  function offlineProgress() {
    try {
      var O = mods.WAWebOfflineHandler && mods.WAWebOfflineHandler.OfflineMessageHandler;
      return O ? Number(O.getOfflineDeliveryProgress()) || 0 : 0;
    } catch (e) { return 0; }
  }
  function socket() { return mods.WAWebSocketModel && mods.WAWebSocketModel.Socket; }
  function synced() {
    var s = socket();
    return !!s && (!!s.hasSynced || (String(s.state) === 'CONNECTED' && offlineProgress() >= 100));
  }

  var lastState = null, rechecked = false;
  function reportState() {
    var s = socket();
    if (!s) return;
    var state = String(s.state);
    // Readiness from state, never from one event only: hasSynced, or a
    // connected socket whose offline delivery reached 100 %.
    var ready = synced();
    var key = state + '/' + ready;
    var m = state === 'CONNECTED' || ready ? me() : null;
    if (m) key += '/' + m.pn;
    if (ready && !rechecked) { rechecked = true; setTimeout(recheck, 0); }
    if (key === lastState) return;
    lastState = key;
    emit('state', { state: state, has_synced: ready, me: m });
  }

  // ------------------------------------------------------------ QR
  var lastQr = null, qrKeysFailed = false;
  function keyModules() {
    return !!(mods.WAWebUserPrefsInfoStore && mods.WAWebSignalStoreApi && mods.WAWebAdvSignatureApi && mods.WABase64 && mods.WAWebCompanionRegClientUtils);
  }
  function qrKeys() {
    var I = mods.WAWebUserPrefsInfoStore, Sg = mods.WAWebSignalStoreApi, A = mods.WAWebAdvSignatureApi,
      B = mods.WABase64, R = mods.WAWebCompanionRegClientUtils;
    if (!I || !Sg || !A || !B || !R) return Promise.reject(new Error('QR key modules missing'));
    return Promise.all([
      within(Sg.waSignalStore.getRegistrationInfo(), 5000, 'getRegistrationInfo'),
      within(I.waNoiseInfo.get(), 5000, 'waNoiseInfo.get'),
      within(A.getADVSecretKey(), 5000, 'getADVSecretKey'),
    ]).then(function (r) {
      return [B.encodeB64(r[1].staticKeyPair.pubKey), B.encodeB64(r[0].identityKeyPair.pubKey), String(r[2]), String(R.DEVICE_PLATFORM)];
    });
  }
  function showQr(payload, source) {
    if (payload && payload !== lastQr) { lastQr = payload; emit('qr', { payload: payload, source: source }); }
  }
  // As whatsapp-web.js builds it: ref,noiseKey,identityKey,advSecret,platform.
  function qrFromRef(ref) {
    if (!ref) { lastQr = null; return; }
    qrKeys().then(function (k) { qrKeysFailed = false; showQr([String(ref)].concat(k).join(','), 'modules'); },
      function (e) {
        if (!qrKeysFailed) emit('error', { message: 'QR keys: ' + (e && e.timeout ? e.timeout + ' did not answer' : errText(e)) + '; using the data-ref attribute' });
        qrKeysFailed = true;
        readDomQr();
      });
  }
  function readDomQr() {
    if (keyModules() && !qrKeysFailed) return;
    var el = document.querySelector('[data-ref]');
    var payload = el ? el.getAttribute('data-ref') : null;
    if (payload) showQr(payload, 'data-ref'); else lastQr = null;
  }

  function hook() {
    var s = socket();
    var Conn = mods.WAWebConnModel && mods.WAWebConnModel.Conn;
    var Cmd = mods.WAWebCmd && mods.WAWebCmd.Cmd;
    if (s) {
      s.on('change:state', function () { reportState(); });
      s.on('change:hasSynced', function () { reportState(); });
    }
    if (Conn) Conn.on('change:ref', function (_m, ref) { qrFromRef(ref !== undefined ? ref : Conn.ref); });
    if (Cmd) {
      Cmd.on('logout', function () { lastState = null; emit('logout', {}); });
      Cmd.on('offline_progress_update_from_bridge', function (p) {
        emit('sync_progress', { progress: Math.round(Number(p) || 0) });
        reportState();
      });
    }
    // The QR element is the DOM fallback.
    new MutationObserver(function () { readDomQr(); }).observe(document.documentElement || document, {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-ref'],
    });
    hookMessages();
    reportState();
    if (Conn && Conn.ref) qrFromRef(Conn.ref); else readDomQr();
  }

  // ------------------------------------------------------------ messages
  var hooked = false;
  var ackWaiters = Object.create(null); // message id -> [fn(ack)]
  function msgIdOf(m) { var k = attr(m, 'id'); return k ? String(k.id || '') : ''; }
  function isFromMe(m) { var k = attr(m, 'id'); return !!(k && k.fromMe); }
  function chatOk(w) { var t = widText(w) || ''; return /@(c\.us|g\.us|lid)$/.test(t); }

  function inbound(m) {
    var k = attr(m, 'id');
    var type = String(attr(m, 'type') || '');
    var body = type === 'chat' ? attr(m, 'body') : attr(m, 'caption');
    var t = Number(attr(m, 't')) || Math.floor(Date.now() / 1000);
    emit('message', {
      id: String(k.id), key: keyText(k), chat: widText(k.remote), author: widText(attr(m, 'author')),
      msg_type: type, text: typeof body === 'string' ? body : null, at: t, quoted_id: attr(m, 'quotedStanzaID') || null,
    });
  }

  function hookMessages() {
    var C = coll();
    if (hooked || !C) return;
    hooked = true;
    C.Msg.on('change:ack', function (m, ack) {
      if (!isFromMe(m)) return;
      var id = msgIdOf(m);
      var value = Number(ack !== undefined ? ack : attr(m, 'ack'));
      emit('ack', { id: id, key: keyText(attr(m, 'id')), ack: value });
      var w = ackWaiters[id];
      if (w) w.slice().forEach(function (f) { f(value); });
    });
    C.Msg.on('add', function (m) {
      // History loaded after a reload comes with isNewMsg false: not new.
      if (!attr(m, 'isNewMsg') || isFromMe(m)) return;
      var k = attr(m, 'id');
      if (!k || !chatOk(k.remote) || /status@broadcast/.test(widText(k.remote) || '')) return;
      if (attr(m, 'type') === 'ciphertext' && isFn(m.once)) { m.once('change:type', function () { inbound(m); }); return; }
      inbound(m);
    });
  }

  // ------------------------------------------------------------ helpers
  function wid(text) { return mods.WAWebWidFactory.createWid(String(text)); }
  function widIs(w, kind) {
    if (!w) return false;
    var f = w['is' + kind];
    if (isFn(f)) { try { return !!f.call(w); } catch (e) { /* below */ } }
    var t = widText(w) || '';
    return kind === 'Group' ? /@g\.us$/.test(t) : kind === 'Lid' ? /@lid$/.test(t) : /@c\.us$/.test(t);
  }
  function findLocal(id) {
    var C = coll();
    if (!C) return null;
    var list = isFn(C.Msg.getModelsArray) ? C.Msg.getModelsArray() : (C.Msg.models || []);
    for (var i = list.length - 1; i >= 0; i--) if (msgIdOf(list[i]) === id) return list[i];
    return null;
  }
  var existsCache = Object.create(null);
  function existsCached(w) {
    var k = widText(w), hit = existsCache[k];
    if (hit && Date.now() - hit.at < (hit.result ? 300000 : 15000)) return Promise.resolve(hit.result);
    return within(mods.WAWebQueryExistsJob.queryWidExists(w), 20000, 'queryWidExists').then(function (r) {
      var result = r && r.wid ? r : null;
      existsCache[k] = { at: Date.now(), result: result };
      return result;
    });
  }
  function meUsers() {
    var U = mods.WAWebUserPrefsMeUser;
    var pn = null, lid = null;
    try { pn = U.getMaybeMePnUser(); } catch (e) { /* none */ }
    try { lid = isFn(U.getMaybeMeLidUser) ? U.getMaybeMeLidUser() : null; } catch (e) { /* none */ }
    return { pn: pn, lid: lid };
  }
  function groupRole(gm) {
    var parts = attr(gm, 'participants');
    var mine = meUsers();
    var member = true, admin = false;
    if (parts && isFn(parts.iAmMember)) member = !!parts.iAmMember();
    if (parts && isFn(parts.iAmAdmin)) admin = !!parts.iAmAdmin();
    if (parts && (!isFn(parts.iAmMember) || !isFn(parts.iAmAdmin))) {
      var list = isFn(parts.getModelsArray) ? parts.getModelsArray() : (Array.isArray(parts) ? parts : []);
      var ids = [widText(mine.pn), widText(mine.lid)].filter(Boolean);
      var p = list.find(function (x) { return ids.indexOf(widText(attr(x, 'id'))) >= 0; });
      if (!isFn(parts.iAmMember)) member = !!p;
      if (!isFn(parts.iAmAdmin)) admin = !!(p && (attr(p, 'isAdmin') || attr(p, 'isSuperAdmin')));
    }
    return { member: member, admin: admin, announce: !!attr(gm, 'announce') };
  }
  function timelock() {
    var U = mods.WAWebReachoutTimelockUtils;
    if (!U) return Promise.resolve({ active: false, until: null });
    var active = false;
    try { active = !!U.isUserReachoutTimelocked(); } catch (e) { active = false; }
    var P = mods.WAWebUserPrefsIndexedDBStorage;
    if (!active || !P) return Promise.resolve({ active: active, until: null });
    var key = U.REACHOUT_TIMELOCK_IDB_KEY || 'WAReachoutTimelockState';
    return within(P.userPrefsIdb.get(key), 5000, 'timelock state').then(function (st) {
      var ends = st && Number(st.time_enforcement_ends || st.timeEnforcementEnds);
      return { active: true, until: ends || null };
    }, function () { return { active: true, until: null }; });
  }
  function mayReachOut(chat) {
    var U = mods.WAWebReachoutTimelockUtils;
    if (!U || !isFn(U.canSendMsgWhileTimelocked)) return true;
    try { return !!U.canSendMsgWhileTimelocked({ chat: chat, contact: attr(chat, 'contact') }); } catch (e) { return false; }
  }
  function noLid(e) { return /No LID for user|Lid is missing/i.test(errText(e)); }
  // The maintainers' advice for "No LID for user": the current lid, else
  // let queryWidExists create the phone-lid mapping.
  function mapLid(w) {
    var A = mods.WAWebApiContact, lid = null;
    try { lid = A ? A.getCurrentLid(w) : null; } catch (x) { lid = null; }
    if (lid || !mods.WAWebQueryExistsJob) return Promise.resolve(lid);
    delete existsCache[widText(w)];
    return existsCached(w);
  }

  // ------------------------------------------------------------ media
  var media = Object.create(null); // message id -> {parts, received}
  function decodeB64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function OpaqueClass() { return mods.WAWebMediaOpaqueData; }
  function buildMedia(req, file) {
    var O = OpaqueClass(), asDoc = req.kind === 'document';
    return within(O.createFromData(file, req.mimetype), 30000, 'createFromData').then(function (opaque) {
      var prep = mods.WAWebPrepRawMedia.prepRawMedia(opaque, { asDocument: asDoc, isPtt: false, asGif: false, asSticker: false });
      return within(prep.waitForPrep(), 60000, 'prepRawMedia');
    }).then(function (data) {
      if (!data || !attr(data, 'filehash')) throw new Error('media preparation gave no file hash');
      var obj = mods.WAWebMediaStorage.getOrCreateMediaObject(attr(data, 'filehash'));
      var mediaType = mods.WAWebMmsMediaTypes.msgToMediaType({ type: attr(data, 'type'), isGif: attr(data, 'isGif') });
      var blob = attr(data, 'mediaBlob');
      var wrap = isFn(O) && blob && !(blob instanceof O) ? within(O.createFromData(blob, blob.type), 30000, 'createFromData') : Promise.resolve(blob);
      return wrap.then(function (b) {
        if (isFn(data.set)) data.set({ mediaBlob: b }); else data.mediaBlob = b;
        if (isFn(obj.consolidate)) obj.consolidate(isFn(data.toJSON) ? data.toJSON() : data);
        if (b && isFn(b.autorelease)) b.autorelease();
        var up = mods.WAWebMediaMmsV4Upload.uploadMedia({ mimetype: attr(data, 'mimetype'), mediaObject: obj, mediaType: mediaType });
        return within(up, req.uploadMs, 'upload');
      }).then(function (res) {
        var e = res && res.mediaEntry;
        if (!e) throw new Error('the upload made no media entry');
        var fields = {
          clientUrl: e.mmsUrl, deprecatedMms3Url: e.deprecatedMms3Url, directPath: e.directPath, mediaKey: e.mediaKey,
          mediaKeyTimestamp: e.mediaKeyTimestamp, filehash: obj.filehash, encFilehash: e.encFilehash, uploadhash: e.uploadHash,
          size: obj.size !== undefined ? obj.size : attr(data, 'size'), streamingSidecar: e.sidecar, firstFrameSidecar: e.firstFrameSidecar,
        };
        if (isFn(data.set)) data.set(fields);
        var json = Object.assign({}, isFn(data.toJSON) ? data.toJSON() : data, fields);
        delete json.mediaBlob;
        json.body = attr(data, 'preview');
        if (req.caption) { json.caption = req.caption; json.isCaptionByUser = true; }
        if (asDoc) json.filename = req.fileName; else delete json.filename;
        return json;
      });
    });
  }

  // ------------------------------------------------------------ send
  function fail(error, extra) { return Object.assign({ ok: false, error: error }, extra || {}); }
  function accepted(m, chatId) {
    var k = attr(m, 'id');
    return { ok: true, id: String(k.id), key: keyText(k), chat: widText(k.remote) || widText(chatId), t: Number(attr(m, 't')) || Math.floor(Date.now() / 1000) };
  }
  function failureReason(chat, result) {
    return timelock().then(function (tl) {
      if (tl.active && !widIs(chat.id, 'Group')) return fail('timelocked', { until: tl.until, stage: 'after' });
      var gm = widIs(chat.id, 'Group') && (attr(chat, 'groupMetadata') || coll().GroupMetadata.get(chat.id));
      if (gm) {
        var r = groupRole(gm);
        if (!r.member) return fail('not_participant', { stage: 'after' });
        if (r.announce && !r.admin) return fail('admins_only', { stage: 'after' });
      }
      return fail('rejected', { result: String(result), stage: 'after' });
    });
  }
  // Waits for the message to reach the server (ack >= 1), fail (ack < 0 or
  // a failed send result), or the deadline (outcome unknown).
  function followAck(id, chat, m, sendResult, ms) {
    return new Promise(function (resolve) {
      var done = false, list = ackWaiters[id] = ackWaiters[id] || [];
      function finish(v) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        var i = list.indexOf(onAck);
        if (i >= 0) list.splice(i, 1);
        if (!list.length) delete ackWaiters[id];
        resolve(v);
      }
      function onAck(a) {
        if (a >= 1) finish(accepted(findLocal(id) || m, chat.id));
        else if (a < 0) finish(failureReason(chat, 'ack ' + a));
      }
      list.push(onAck);
      var timer = setTimeout(function () { finish(fail('unknown', { reason: 'no server ack within ' + Math.round(ms / 1000) + ' s' })); }, ms);
      Promise.resolve(sendResult).then(function (r) {
        var res = r && typeof r === 'object' ? r.messageSendResult : r;
        if (res !== undefined && res !== null && String(res) !== 'OK') finish(failureReason(chat, res));
        else { var cur = findLocal(id); if (cur) onAck(Number(attr(cur, 'ack'))); }
      }, function (e) { finish(fail('unknown', { reason: 'send result: ' + errText(e) })); });
      var now = findLocal(id);
      if (now) onAck(Number(attr(now, 'ack')));
    });
  }

  function sendMsg(req) {
    var C = coll(), to = wid(req.to), chat = null;
    var existing = findLocal(req.id);
    // Never twice: a message with this id is already here; follow it.
    if (existing) return followAck(req.id, { id: attr(existing, 'id').remote }, existing, null, req.ackMs);
    var s = socket();
    if (!s || String(s.state) !== 'CONNECTED') return Promise.resolve(fail('not_connected', { state: s ? String(s.state) : null }));
    var steps = Promise.resolve();
    if (widIs(to, 'Group')) {
      var gm = C.GroupMetadata.get(to);
      if (!gm) return Promise.resolve(fail('not_participant'));
      var role = groupRole(gm);
      if (!role.member) return Promise.resolve(fail('not_participant'));
      if (role.announce && !role.admin) return Promise.resolve(fail('admins_only'));
    } else if (widIs(to, 'User') && mods.WAWebQueryExistsJob) {
      steps = existsCached(to).then(function (r) { if (!r) throw { definite: fail('not_on_whatsapp') }; });
    }
    function findChat(retried) {
      var existing = C.Chat.get(to);
      if (existing) return Promise.resolve(existing);
      return within(Promise.resolve().then(function () { return mods.WAWebFindChatAction.findOrCreateLatestChat(to); }), 20000, 'findOrCreateLatestChat')
        .then(function (r) { return r && (r.chat || r); }, function (e) {
          if (!noLid(e) || retried) throw e;
          return mapLid(to).then(function () { return findChat(true); });
        });
    }
    return steps.then(function () { return findChat(false); }).then(function (c) {
      chat = c;
      if (!chat || !chat.id) throw { definite: fail('rejected', { result: 'no chat for this id' }) };
      if (widIs(chat.id, 'Group')) return null;
      return timelock().then(function (tl) {
        if (tl.active && !mayReachOut(chat)) throw { definite: fail('timelocked', { until: tl.until }) };
      });
    }).then(function () {
      if (req.kind === 'text') return { type: 'chat', body: req.body };
      if (req.kind === 'link') return linkFields(req.body);
      var buf = media[req.id];
      if (!buf) throw { definite: fail('media_rejected', { reason: 'the file did not reach the page' }) };
      // Only a document carries its file name (a photo's local name is nobody's business).
      if (!buf.file) {
        buf.file = req.kind === 'document' ? new File(buf.parts, req.fileName || 'file', { type: req.mimetype }) : new Blob(buf.parts, { type: req.mimetype });
        buf.parts = [];
      }
      return buildMedia(req, buf.file).catch(function (e) {
        if (e && e.timeout === 'upload') throw { definite: fail('upload_stalled', { ms: e.ms }) };
        throw { definite: fail('media_rejected', { reason: e && e.timeout ? e.timeout + ' did not finish' : errText(e) }) };
      });
    }).then(function (fields) {
      return addAndFollow(req, chat, fields, false);
    }).catch(function (e) {
      if (e && e.definite) return e.definite;
      // Nothing was sent; a connection lost meanwhile is said as such (the host waits and tries again).
      var st = socket() ? String(socket().state) : null;
      if (st !== 'CONNECTED') return fail('not_connected', { state: st });
      if (e && e.timeout) return fail('rejected', { result: e.timeout + ' did not answer', stage: 'before' });
      return fail('rejected', { result: errText(e), stage: 'before' });
    }).then(function (r) {
      if (!r || r.error !== 'not_connected') delete media[req.id];
      return r;
    });
  }

  function linkFields(body) {
    var link = mods.WALinkify.findLink(body);
    var base = { type: 'chat', body: body };
    if (!link) return base;
    return within(mods.WAWebLinkPreviewChatAction.getLinkPreview(link), 20000, 'getLinkPreview').then(function (p) {
      return p && p.data ? Object.assign(base, p.data, { preview: true, subtype: 'url' }) : base;
    }, function () { return base; }); // no preview (site down): the text still goes
  }

  function addAndFollow(req, chat, fields, retried) {
    var mine = meUsers();
    var isGroup = widIs(chat.id, 'Group');
    var gm = isGroup ? (attr(chat, 'groupMetadata') || coll().GroupMetadata.get(chat.id)) : null;
    var useLid = widIs(chat.id, 'Lid') || (isGroup && gm && attr(gm, 'isLidAddressingMode'));
    var from = (useLid && mine.lid) || mine.pn;
    var MsgKey = mods.WAWebMsgKey;
    var key = new MsgKey({ from: from, to: chat.id, id: req.id, participant: isGroup ? from : undefined, selfDir: 'out' });
    var msg = Object.assign({ id: key, ack: 0, body: undefined, from: from, to: chat.id, local: true, self: 'out', t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat' }, fields);
    var pair;
    try { pair = mods.WAWebSendMsgChatAction.addAndSendMsgToChat(chat, msg); } catch (e) { return retryLid(e); }
    function retryLid(e) {
      // "No LID for user": map the lid (getCurrentLid, else queryWidExists)
      // and try once more, with the same id, only if nothing was added.
      if (!noLid(e) || retried || findLocal(req.id)) return findLocal(req.id) ? followAck(req.id, chat, findLocal(req.id), null, req.ackMs) : fail('rejected', { result: errText(e), stage: 'before' });
      return mapLid(chat.id).then(function () { return addAndFollow(req, chat, fields, true); }, function () { return fail('rejected', { result: errText(e), stage: 'before' }); });
    }
    var msgPromise = pair && pair[0], sendResult = pair && pair[1];
    return within(msgPromise, 20000, 'adding the message').then(function (m) {
      return followAck(req.id, chat, m || findLocal(req.id), sendResult, req.ackMs);
    }, function (e) {
      if (noLid(e) && !findLocal(req.id)) return retryLid(e);
      var here = findLocal(req.id);
      if (here) return followAck(req.id, chat, here, sendResult, req.ackMs);
      return fail(e && e.timeout ? 'unknown' : 'rejected', { result: errText(e), reason: e && e.timeout ? 'the message was not added within 20 s' : undefined, stage: 'before' });
    });
  }

  // ------------------------------------------------------------ lookup
  function lookupMsg(id, chatHint) {
    var C = coll();
    var searched = 0;
    function found(m) {
      var k = attr(m, 'id');
      return { ok: true, found: true, ack: Number(attr(m, 'ack')) || 0, key: keyText(k), chat: widText(k && k.remote) };
    }
    var local = findLocal(id);
    if (local) return Promise.resolve(found(local));
    searched += C.Msg.length || 0;
    var chats = [];
    if (chatHint) {
      try { var h = wid(chatHint); chats.push(h); var L = mods.WAWebApiContact; var l = L && widIs(h, 'User') ? L.getCurrentLid(h) : null; if (l) chats.push(l); } catch (e) { /* none */ }
    }
    var byId = Promise.resolve(null);
    if (isFn(C.Msg.getMessagesById) && chats.length) {
      var mine = meUsers(), keys = [];
      chats.forEach(function (c) {
        var base = 'true_' + widText(c) + '_' + id;
        keys.push(base);
        if (widIs(c, 'Group')) [mine.pn, mine.lid].filter(Boolean).forEach(function (u) { keys.push(base + '_' + widText(u)); });
      });
      byId = within(C.Msg.getMessagesById(keys), 10000, 'getMessagesById').then(function (r) {
        var list = (r && r.messages) || [];
        return list.find(function (m) { return msgIdOf(m) === id; }) || null;
      }, function () { return null; });
    }
    return byId.then(function (m) {
      if (m) return found(m);
      var models = chats.map(function (c) { return C.Chat.get(c); }).filter(Boolean);
      if (!chats.length) models = isFn(C.Chat.getModelsArray) ? C.Chat.getModelsArray() : [];
      for (var i = 0; i < models.length; i++) {
        var msgs = models[i].msgs;
        var list = msgs && isFn(msgs.getModelsArray) ? msgs.getModelsArray() : [];
        searched += list.length;
        var hit = list.find(function (x) { return msgIdOf(x) === id; });
        if (hit) return found(hit);
      }
      return searchHistory(models, id).then(function (r) {
        searched += r.searched;
        return r.msg ? found(r.msg) : { ok: true, found: false, searched: searched };
      });
    });
  }
  function oldestOf(list) {
    return list.reduce(function (a, b) { return (Number(attr(b, 't')) || 0) < (Number(attr(a, 't')) || 0) ? b : a; });
  }
  // Local history, page by page back from each chat's oldest loaded message.
  function searchHistory(chats, id) {
    var F = mods.WAWebDBMessageFindLocal;
    var total = 0;
    if (!F) return Promise.resolve({ msg: null, searched: 0 });
    function chatPages(chat, anchor, pages) {
      if (!anchor || pages >= 20) return Promise.resolve(null);
      return within(F.msgFindByDirection({ anchor: anchor, count: 100, direction: 'before' }), 10000, 'msgFindByDirection').then(function (r) {
        var list = (r && r.messages) || [];
        total += list.length;
        var hit = list.find(function (x) { return msgIdOf(x) === id; });
        if (hit || !list.length) return hit || null;
        return chatPages(chat, attr(oldestOf(list), 'id'), pages + 1);
      }, function () { return null; });
    }
    return chats.reduce(function (p, chat) {
      return p.then(function (hit) {
        if (hit) return hit;
        var loaded = chat.msgs && isFn(chat.msgs.getModelsArray) ? chat.msgs.getModelsArray() : [];
        var oldest = loaded.length ? attr(oldestOf(loaded), 'id') : null;
        return chatPages(chat, oldest, 0);
      });
    }, Promise.resolve(null)).then(function (msg) { return { msg: msg, searched: total }; });
  }

  // ------------------------------------------------------------ commands
  function json(v) { return JSON.stringify(v); }
  function need(cap) { return has(cap) ? null : fail('capability', { capability: cap }); }
  // Long commands: answered later with a `reply` event for call number `call`.
  function later(call, work) {
    Promise.resolve().then(work).then(function (r) { emit('reply', { call: call, result: r }); },
      function (e) { emit('reply', { call: call, result: fail('rejected', { result: errText(e), stage: 'before' }) }); });
    return json({ ok: true, started: true });
  }

  bridge.pairingCode = function (phoneDigits) {
    var A = mods.WAWebAltDeviceLinkingApi;
    if (!A) { emit('pairing_error', { message: 'WAWebAltDeviceLinkingApi not found' }); return json(fail('capability', { capability: 'login_pairing' })); }
    within(Promise.resolve().then(function () { A.setPairingType('ALT_DEVICE_LINKING'); return A.initializeAltDeviceLinking(); }), 20000, 'initializeAltDeviceLinking')
      .then(function () { return within(A.startAltLinkingFlow(String(phoneDigits), true), 20000, 'startAltLinkingFlow'); })
      .then(function (code) { emit('pairing_code', { code: String(code) }); },
        function (e) { emit('pairing_error', { message: e && e.timeout ? e.timeout + ' did not answer' : errText(e) }); });
    return json({ ok: true });
  };
  function simple(what, f) {
    try { f(); return json({ ok: true }); } catch (e) { emit('error', { message: what + ': ' + errText(e) }); return json(fail('rejected', { result: errText(e) })); }
  }
  bridge.takeover = function () { return simple('takeover', function () { socket().takeover(); }); };
  bridge.logout = function () { return simple('logout', function () { socket().logout(); }); };
  bridge.refreshQr = function () { return simple('refreshQR', function () { mods.WAWebCmd.Cmd.refreshQR(); }); };
  bridge.capabilities = function () { return json({ ok: true, capabilities: capabilities() }); };
  bridge.status = function () { var s = socket(); return json({ ok: true, state: s ? String(s.state) : null, has_synced: synced() }); };

  // Every group this account is in, with its participants. A participant's
  // name and, for a `@lid` privacy id, its phone come from the Contact
  // collection when the account knows that person (nothing is invented).
  bridge.groups = function () {
    var C = coll();
    if (!C) return json(need('groups'));
    try {
      var contactOf = function (w) { try { return C.Contact ? C.Contact.get(w) : null; } catch (e) { return null; } };
      var groups = C.GroupMetadata.getModelsArray().map(function (g) {
        var parts = attr(g, 'participants');
        var list = parts && isFn(parts.getModelsArray) ? parts.getModelsArray() : (parts || []);
        var role = groupRole(g);
        return {
          waId: widText(attr(g, 'id')), subject: String(attr(g, 'subject') || ''), description: attr(g, 'desc') || null,
          lidAddressing: !!attr(g, 'isLidAddressingMode'), announce: role.announce, iAmMember: role.member, iAmAdmin: role.admin,
          participants: list.map(function (p) {
            var id = attr(p, 'id'), c = contactOf(id), pn = c && attr(c, 'phoneNumber');
            return {
              wid: widText(id), isAdmin: !!attr(p, 'isAdmin'), isSuperAdmin: !!attr(p, 'isSuperAdmin'),
              phoneE164: pn && pn.user ? '+' + pn.user : null, name: (c && (attr(c, 'name') || attr(c, 'pushname'))) || null,
            };
          }),
        };
      });
      return json({ ok: true, groups: groups });
    } catch (e) {
      return json(fail('rejected', { result: errText(e) }));
    }
  };

  // The page's own upload limit for a media type, in bytes (null: none).
  bridge.uploadLimit = function (kind) {
    var G = mods.WAWebMediaGatingUtils, limit = null;
    try { limit = G ? Number(G.getUploadLimit(String(kind))) || null : null; } catch (e) { limit = null; }
    return json({ ok: true, limit: limit });
  };
  // Media bytes arrive in base64 chunks, kept per message id until the send.
  bridge.mediaBegin = function (id) { media[id] = { parts: [], received: 0 }; return json({ ok: true }); };
  bridge.mediaChunk = function (id, b64) {
    var m = media[id];
    if (!m) return json(fail('rejected', { result: 'no media upload for this id' }));
    var bytes = decodeB64(b64);
    m.parts.push(bytes);
    m.received += bytes.length;
    return json({ ok: true, received: m.received });
  };
  bridge.mediaDrop = function (id) { delete media[id]; return json({ ok: true }); };

  bridge.send = function (call, req) {
    return later(call, function () { return need(req.kind === 'text' ? 'send_text' : req.kind === 'link' ? 'link_preview' : 'send_media') || sendMsg(req); });
  };
  bridge.exists = function (call, text) {
    return later(call, function () {
      return need('exists') || within(mods.WAWebQueryExistsJob.queryWidExists(wid(text)), 20000, 'queryWidExists').then(function (r) {
        return { ok: true, wid: r && r.wid ? widText(r.wid) : null };
      }, function (e) { return fail(e && e.timeout ? 'unknown' : 'rejected', { result: e && e.timeout ? 'queryWidExists did not answer' : errText(e) }); });
    });
  };
  bridge.lookup = function (call, id, chatHint) { return later(call, function () { return need('lookup') || lookupMsg(String(id), chatHint || null); }); };
  bridge.timelock = function (call) {
    return later(call, function () { return need('timelock') || timelock().then(function (t) { return { ok: true, active: t.active, until: t.until }; }); });
  };

  bridge.info = function () {
    return json({ duplicates: bridge.duplicates, version: bridge.version, booted: bridge.booted, missing: bridge.missing, href: location.href, routes: routes, media: Object.keys(media).length });
  };

  emit('hello', { href: String(location.href) });
  watchBoot();
})();
