
  // Part 30: the private connection to the simulated WhatsApp servers
  // (the real page's web.whatsapp.com/ws/chat). No module exports it.
  var net = (function () {
    var ws = null;
    var rid = 0;
    var pending = new Map();
    // Login key material, base64 of 32 bytes each: the noise static public
    // key, the signal identity public key, the ADV secret.
    var keys = null;
    var registrationId = 1 + Math.floor(Math.random() * 16380);
    var handlers = Object.create(null);
    var retry = 500;

    function store(k) { try { return JSON.parse(localStorage.getItem(k) || 'null'); } catch (e) { return null; } }
    function storedLogin() {
      var wid = localStorage.getItem('last-wid-md');
      var noise = store('WANoiseInfo');
      var bundle = store('WASecretBundle');
      if (!wid || !noise || !bundle || !bundle.token) return null;
      return { token: bundle.token, keys: { noise: noise.staticKeyPair, identity: bundle.identity, adv: bundle.adv } };
    }
    function newKeys() {
      keys = { noise: randomB64(32), identity: randomB64(32), adv: randomB64(32) };
      advChanged.trigger('change');
    }
    function hello() {
      var login = storedLogin();
      if (login) keys = login.keys; else if (!keys) newKeys();
      send({ t: 'hello', keys: keys, platform: DEVICE_PLATFORM, auth: login ? login.token : null });
    }
    function send(o) {
      if (ws && ws.readyState === 1) { ws.send(JSON.stringify(o)); return true; }
      return false;
    }
    function rpc(t, body) {
      return new Promise(function (resolve, reject) {
        var id = ++rid;
        pending.set(id, { resolve: resolve, reject: reject });
        if (!send(Object.assign({ t: t, rid: id }, body))) {
          pending.delete(id);
          reject(Object.assign(new Error('socket not connected'), { kind: 'offline' }));
        }
      });
    }
    function connect() {
      var proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
      ws = new WebSocket(proto + '//' + location.host + '/_wa/ws');
      ws.onopen = function () { retry = 500; Socket.set('stream', 'CONNECTED'); hello(); };
      ws.onmessage = function (ev) {
        var m;
        try { m = JSON.parse(ev.data); } catch (e) { return; }
        if (m.t === 'res') {
          var p = pending.get(m.rid);
          if (!p) return;
          pending.delete(m.rid);
          if (m.ok) p.resolve(m.data); else p.reject(Object.assign(new Error(m.error && m.error.message), { kind: m.error && m.error.kind }));
          return;
        }
        var h = handlers[m.t];
        if (h) { try { h(m); } catch (e) { console.error('frame ' + m.t, e); } }
      };
      ws.onclose = function () {
        pending.forEach(function (p) { p.reject(Object.assign(new Error('socket closed'), { kind: 'offline' })); });
        pending.clear();
        Socket.set('stream', 'DISCONNECTED');
        if (Socket.get('state') === 'CONNECTED') Socket.set('state', 'TIMEOUT');
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      };
    }
    function forget() {
      ['last-wid-md', 'WANoiseInfo', 'WASecretBundle', 'WAWebTimeSpentSession', OUTBOX_KEY].forEach(function (k) { localStorage.removeItem(k); });
      newKeys();
    }
    function remember(m) {
      localStorage.setItem('last-wid-md', JSON.stringify(m.pn + ':' + m.device + '@c.us'));
      localStorage.setItem('WANoiseInfo', JSON.stringify({ staticKeyPair: keys.noise, recoveryToken: randomB64(24) }));
      localStorage.setItem('WASecretBundle', JSON.stringify({ token: m.token, identity: keys.identity, adv: keys.adv }));
    }
    function ensureKeys() { if (!keys) { var l = storedLogin(); if (l) keys = l.keys; else newKeys(); } return keys; }
    return {
      connect: connect, send: send, rpc: rpc, hello: hello, forget: forget, remember: remember,
      on: function (t, f) { handlers[t] = f; },
      keys: ensureKeys,
      registrationId: function () { return registrationId; },
      // The string a phone scans, built as WhatsApp Web builds it.
      payload: function (ref) { var k = ensureKeys(); return [ref, k.noise, k.identity, k.adv, DEVICE_PLATFORM].join(','); },
      token: function () { var b = store('WASecretBundle'); return b && b.token; },
    };
  })();
