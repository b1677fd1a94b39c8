
  // Part 20: session state, identity, QR, the hooks on the page.
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
