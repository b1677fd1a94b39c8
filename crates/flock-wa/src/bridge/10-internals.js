
  // Part 10: the internals by name or shape, features, boot.
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
