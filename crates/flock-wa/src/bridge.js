/* Flock bridge: the ONE place that uses WhatsApp Web internals.
 *
 * Injected with Page.addScriptToEvaluateOnNewDocument before WhatsApp Web's
 * own scripts run. Main frame only, once per document. Pushes every event
 * to the host through the CDP binding `__flockEmit` (one JSON string per
 * event); the host never polls. Commands from the host call the functions
 * on `window.__flockBridge`.
 *
 * Internals used (see docs/whatsapp-web.md): window.Debug.VERSION,
 * window.require('WAWeb…') modules, Socket.state / hasSynced, Conn.ref,
 * Cmd events, getMaybeMePnUser (fallback localStorage `last-wid-md`), the
 * pairing-code API, and the QR `[data-ref]` element as the DOM fallback.
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
  function errText(e) { return String((e && e.message) || e); }

  // Every internal the bridge (and later the dispatcher) needs, with the
  // shape it must have. Required ones missing make the session fail with
  // their names; optional ones are only reported.
  var WANTED = [
    ['WAWebSocketModel', function (m) { return m.Socket && typeof m.Socket.on === 'function'; }, true],
    ['WAWebConnModel', function (m) { return m.Conn && typeof m.Conn.on === 'function'; }, true],
    ['WAWebCmd', function (m) { return m.Cmd && typeof m.Cmd.on === 'function'; }, true],
    ['WAWebUserPrefsMeUser', function (m) { return typeof m.getMaybeMePnUser === 'function'; }, true],
    ['WAWebCollections', function (m) { return m.Msg && m.Chat && m.GroupMetadata; }, true],
    ['WAWebWidFactory', function (m) { return typeof m.createWid === 'function'; }, true],
    ['WAWebFindChatAction', function (m) { return typeof m.findOrCreateLatestChat === 'function'; }, true],
    ['WAWebSendMsgChatAction', function (m) { return typeof m.addAndSendMsgToChat === 'function'; }, true],
    ['WAWebMsgKey', function (m) { return typeof m === 'function' && typeof m.newId === 'function'; }, true],
    ['WAWebQueryExistsJob', function (m) { return typeof m.queryWidExists === 'function'; }, true],
    ['WAWebAltDeviceLinkingApi', function (m) { return typeof m.startAltLinkingFlow === 'function'; }, true],
    ['WAWebMediaOpaqueData', function (m) { return typeof m.createFromData === 'function'; }, true],
    ['WAWebPrepRawMedia', function (m) { return typeof m.prepRawMedia === 'function'; }, true],
    ['WAWebMediaStorage', function (m) { return typeof m.getOrCreateMediaObject === 'function'; }, true],
    ['WAWebMediaMmsV4Upload', function (m) { return typeof m.uploadMedia === 'function'; }, true],
    ['WAWebLinkPreviewChatAction', function (m) { return typeof m.getLinkPreview === 'function'; }, false],
    ['WALinkify', function (m) { return typeof m.findLink === 'function'; }, false],
    ['WAWebOfflineHandler', function (m) { return !!m.OfflineMessageHandler; }, false],
  ];
  var mods = Object.create(null);

  function load(name, shape) {
    var m = null;
    try { m = window.require(name); } catch (e) { m = null; }
    try { if (m && !shape(m)) m = null; } catch (e) { m = null; }
    return m;
  }

  // ------------------------------------------------------------ boot
  function versionNow() { try { return (window.Debug && window.Debug.VERSION) || null; } catch (e) { return null; } }

  function onBoot() {
    if (bridge.booted) return;
    var version = versionNow();
    if (!version) return;
    bridge.booted = true;
    bridge.version = version;
    if (observer) observer.disconnect();
    var missing = [], optionalMissing = [];
    WANTED.forEach(function (w) {
      var m = load(w[0], w[1]);
      if (m) mods[w[0]] = m; else (w[2] ? missing : optionalMissing).push(w[0]);
    });
    bridge.missing = missing;
    emit('boot', { version: version, missing: missing, optional_missing: optionalMissing });
    try { hook(); } catch (e) { emit('error', { message: 'hook: ' + errText(e) }); }
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
    try { var l = U && U.getMaybeMeLidUser && U.getMaybeMeLidUser(); if (l) lid = l._serialized || String(l); } catch (e) { /* none */ }
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

  var lastState = null;
  function reportState() {
    var S = mods.WAWebSocketModel && mods.WAWebSocketModel.Socket;
    if (!S) return;
    var state = String(S.state);
    // Readiness from state, never from one event only: hasSynced, or a
    // connected socket whose offline delivery reached 100 %.
    var synced = !!S.hasSynced || (state === 'CONNECTED' && offlineProgress() >= 100);
    var key = state + '/' + synced;
    var m = state === 'CONNECTED' || synced ? me() : null;
    if (m) key += '/' + m.pn;
    if (key === lastState) return;
    lastState = key;
    emit('state', { state: state, has_synced: synced, me: m });
  }

  var lastQr = null;
  function readQr() {
    var el = document.querySelector('[data-ref]');
    var payload = el ? el.getAttribute('data-ref') : null;
    if (payload && payload !== lastQr) { lastQr = payload; emit('qr', { payload: payload }); }
    if (!payload) lastQr = null;
  }

  function hook() {
    var S = mods.WAWebSocketModel && mods.WAWebSocketModel.Socket;
    var Conn = mods.WAWebConnModel && mods.WAWebConnModel.Conn;
    var Cmd = mods.WAWebCmd && mods.WAWebCmd.Cmd;
    if (S) {
      S.on('change:state', function () { reportState(); });
      S.on('change:hasSynced', function () { reportState(); });
    }
    if (Conn) Conn.on('change:ref', function () { setTimeout(readQr, 0); });
    if (Cmd) {
      Cmd.on('logout', function () { lastState = null; emit('logout', {}); });
      Cmd.on('offline_progress_update_from_bridge', function (p) {
        emit('sync_progress', { progress: Math.round(Number(p) || 0) });
        reportState();
      });
    }
    // The QR element is the DOM fallback (and carries the full payload).
    new MutationObserver(function () { readQr(); }).observe(document.documentElement || document, {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-ref'],
    });
    reportState();
    readQr();
  }

  // ------------------------------------------------------------ commands
  bridge.pairingCode = function (phoneDigits) {
    var A = mods.WAWebAltDeviceLinkingApi;
    if (!A) { emit('pairing_error', { message: 'WAWebAltDeviceLinkingApi not found' }); return 'missing'; }
    Promise.resolve()
      .then(function () { A.setPairingType('ALT_DEVICE_LINKING'); return A.initializeAltDeviceLinking(); })
      .then(function () { return A.startAltLinkingFlow(String(phoneDigits), true); })
      .then(function (code) { emit('pairing_code', { code: String(code) }); },
            function (e) { emit('pairing_error', { message: errText(e) }); });
    return 'ok';
  };
  bridge.takeover = function () {
    try { mods.WAWebSocketModel.Socket.takeover(); return 'ok'; } catch (e) { emit('error', { message: 'takeover: ' + errText(e) }); return 'error'; }
  };
  bridge.logout = function () {
    try { mods.WAWebSocketModel.Socket.logout(); return 'ok'; } catch (e) { emit('error', { message: 'logout: ' + errText(e) }); return 'error'; }
  };
  bridge.refreshQr = function () {
    try { mods.WAWebCmd.Cmd.refreshQR(); return 'ok'; } catch (e) { emit('error', { message: 'refreshQR: ' + errText(e) }); return 'error'; }
  };
  // Every group this account is in, with its participants, as JSON.
  // GroupMetadata lists the groups; a participant's name and, for a `@lid`
  // privacy id, its phone come from the Contact collection when the account
  // knows that person (WhatsApp shows nothing more, and we invent nothing).
  bridge.groups = function () {
    try {
      var C = mods.WAWebCollections;
      if (!C || !C.GroupMetadata) return JSON.stringify({ ok: false, error: 'WAWebCollections.GroupMetadata not found' });
      var attr = function (m, k) { return m && typeof m.get === 'function' ? m.get(k) : m ? m[k] : undefined; };
      var widText = function (w) { return w ? String(w._serialized || w) : null; };
      var contactOf = function (w) { try { return C.Contact ? C.Contact.get(w) : null; } catch (e) { return null; } };
      var groups = C.GroupMetadata.getModelsArray().map(function (g) {
        var parts = attr(g, 'participants');
        var list = parts && typeof parts.getModelsArray === 'function' ? parts.getModelsArray() : (parts || []);
        return {
          waId: widText(attr(g, 'id')),
          subject: String(attr(g, 'subject') || ''),
          description: attr(g, 'desc') || null,
          lidAddressing: !!attr(g, 'isLidAddressingMode'),
          participants: list.map(function (p) {
            var id = attr(p, 'id');
            var c = contactOf(id);
            var pn = c && attr(c, 'phoneNumber');
            return {
              wid: widText(id),
              isAdmin: !!attr(p, 'isAdmin'),
              isSuperAdmin: !!attr(p, 'isSuperAdmin'),
              phoneE164: pn && pn.user ? '+' + pn.user : null,
              name: (c && (attr(c, 'name') || attr(c, 'pushname'))) || null,
            };
          }),
        };
      });
      return JSON.stringify({ ok: true, groups: groups });
    } catch (e) {
      return JSON.stringify({ ok: false, error: errText(e) });
    }
  };
  bridge.info = function () {
    return JSON.stringify({ duplicates: bridge.duplicates, version: bridge.version, booted: bridge.booted, missing: bridge.missing, href: location.href });
  };

  emit('hello', { href: String(location.href) });
  watchBoot();
})();
