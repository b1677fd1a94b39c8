
  // Part 60: the module table, login: the QR key modules (as
  // whatsapp-web.js builds the QR), pairing code, reachout timelock.

  var privKeys = new Map();
  // A private key to go with a public one (never checked; the real page has one).
  function privFor(pub) {
    if (!privKeys.has(pub)) privKeys.set(pub, randomB64(32));
    return decodeB64(privKeys.get(pub));
  }

  defineNamed('WABase64', function () {
    function urlSafe(s) { return s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }
    function fromUrlSafe(s) { s = String(s).replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '='; return s; }
    return {
      BASE64_DATA_URL_SCHEME: 'data:image/jpeg;base64,',
      encodeB64: encodeB64,
      encodeB64UrlSafe: function (d) { return urlSafe(encodeB64(d)); },
      decodeB64: decodeB64,
      decodeB64UrlSafe: function (s) { return decodeB64(fromUrlSafe(s)); },
      decodeB64ToJsArray: function (s) { return Array.from(new Uint8Array(decodeB64(s))); },
      sizeWhenB64Decoded: function (s) { return new Uint8Array(decodeB64(s)).length; },
    };
  });
  defineNamed('WAWebUserPrefsInfoStore', function () {
    return {
      waNoiseInfo: {
        get: function () {
          var k = net.keys();
          return Promise.resolve({ recoveryToken: decodeB64(randomB64(24)), staticKeyPair: { pubKey: decodeB64(k.noise), privKey: privFor(k.noise) } });
        },
        set: function () { return Promise.resolve(); },
      },
    };
  });
  defineNamed('WAWebSignalStoreApi', function () {
    return {
      waSignalStore: {
        getRegistrationInfo: function () {
          var k = net.keys();
          return Promise.resolve({ registrationId: net.registrationId(), identityKeyPair: { pubKey: decodeB64(k.identity), privKey: privFor(k.identity) } });
        },
      },
    };
  });
  defineNamed('WAWebAdvSignatureApi', function () {
    return {
      getADVSecretKey: function () { return Promise.resolve(net.keys().adv); },
      generateADVSecretKey: function () { return randomB64(32); },
    };
  });
  defineNamed('WAWebUserPrefsMultiDevice', function () {
    return {
      getADVSecretKey: function () { return net.keys().adv; },
      advSecretEventEmitter: advChanged,
    };
  });
  defineNamed('WAWebCompanionRegClientUtils', function () {
    return { DEVICE_PLATFORM: DEVICE_PLATFORM, getCompanionWebClientFromBrowser: function () { return 1; } };
  });
  defineNamed('WAWebAltDeviceLinkingApi', function () {
    return {
      setPairingType: function (t) { pairingType = t; },
      initializeAltDeviceLinking: function () { return Promise.resolve(); },
      startAltLinkingFlow: function (phone, showNotification) {
        return net.rpc('alt_link', { phone: String(phone), notify: !!showNotification });
      },
    };
  });

  // ------------------------------------------------- reachout timelock (463)
  // WhatsApp Web reads the state from the server at connect and on each
  // server notification, and keeps it in its user prefs; the compose bar
  // reads `isUserReachoutTimelocked()`. `addAndSendMsgToChat` never checks it.
  var TIMELOCK_KEY = 'WAReachoutTimelockState';
  var ReachoutTimelockState = { HIDDEN: 'HIDDEN', VISIBLE: 'VISIBLE' };
  var ENFORCEMENT_TYPES = ['DEFAULT', 'WEB_COMPANION_ONLY', 'RESTRICT_ALL_COMPANIONS', 'BIZ_QUALITY'];
  var ReachoutTimelockEnforcementType = {};
  ENFORCEMENT_TYPES.forEach(function (t) { ReachoutTimelockEnforcementType[t] = t; });
  function enforcementType(t) { return ReachoutTimelockEnforcementType[t] || 'DEFAULT'; }
  function timelockUpdate(isActive, type, endsUnix) {
    if (!isActive) { userPrefs.delete(TIMELOCK_KEY); render(); return Promise.resolve(); }
    var ends = endsUnix != null ? new Date(parseInt(endsUnix, 10) * 1000).getTime() : Date.now() + 60 * 1000;
    var old = userPrefs.get(TIMELOCK_KEY);
    userPrefs.set(TIMELOCK_KEY, { state: old ? old.state : ReachoutTimelockState.HIDDEN, time_enforcement_ends: ends, enforcement_type: enforcementType(type) });
    render();
    return Promise.resolve();
  }
  function timelocked() { return userPrefs.get(TIMELOCK_KEY) != null; }
  function fetchTimelock() { return net.rpc('fetch_timelock', {}); }
  function refreshTimelock() {
    return fetchTimelock().then(function (r) {
      if (r != null) return timelockUpdate(r.is_active, r.enforcement_type, r.time_enforcement_ends);
    });
  }

  defineNamed('WAWebUserPrefsIndexedDBStorage', function () {
    return {
      userPrefsIdb: {
        get: function (k) { return userPrefs.get(k); },
        set: function (k, v) { userPrefs.set(k, v); return Promise.resolve(); },
        remove: function (k) { userPrefs.delete(k); return Promise.resolve(); },
      },
    };
  });
  defineNamed('WAWebUserPrefsTypes', function () {
    return { ReachoutTimelockState: ReachoutTimelockState, ReachoutTimelockEnforcementType: ReachoutTimelockEnforcementType };
  });
  defineNamed('WAWebReachoutTimelockUtils', function () {
    return {
      REACHOUT_TIMELOCK_IDB_KEY: TIMELOCK_KEY,
      isUserReachoutTimelocked: timelocked,
      isUserReachoutTimelockedAndHidden: function () { var s = userPrefs.get(TIMELOCK_KEY); return !!s && s.state === ReachoutTimelockState.HIDDEN; },
      isUserReachoutTimelockedAndVisible: function () { var s = userPrefs.get(TIMELOCK_KEY); return !!s && s.state === ReachoutTimelockState.VISIBLE; },
      canSendMsgWhileTimelocked: function (o) {
        var chat = o && o.chat, contact = o && o.contact;
        if (!timelocked() || !contact || !contact.get('isUser') || isMe(contact.get('id'))) return true;
        return !!chat && chat.getTcToken() != null;
      },
      getReachoutTimelockEnforcementType: enforcementType,
      isCPVEnforcement: function (t) { return /^BIZ_COMMERCE_VIOLATION/.test(String(t)); },
    };
  });
  defineNamed('WAWebMexFetchReachoutTimelockJob', function () { return { mexFetchReachoutTimelock: fetchTimelock }; });
  defineNamed('WAWebMexReachoutTimelockNotificationHandler', function () {
    return {
      handleReachoutTimelockUpdate: timelockUpdate,
      mexHandleReachoutTimelockNotification: function (stanza, payload) {
        var n = payload && payload.xwa2_notify_account_reachout_timelock;
        return n ? timelockUpdate(n.is_active, n.enforcement_type, n.time_enforcement_ends) : Promise.resolve();
      },
    };
  });
  defineNamed('WAWebGetReachoutTimelockJob', function () {
    return { fetchReachoutTimelock: function () { return refreshTimelock().then(function () {}); } };
  });
