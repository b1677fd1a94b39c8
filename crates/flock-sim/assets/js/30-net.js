
  // Part 30: storage (IndexedDB) and the private connection to the
  // simulated WhatsApp servers.

  // IndexedDB, where the real page keeps its keys and messages: database
  // `wawc`, store `user` (the login) and the sim-internal `sim-outbox`
  // (messages stored before the server took them). Chromium commits an
  // IndexedDB transaction before it completes, while it writes localStorage
  // to disk seconds later: a browser killed soon after pairing keeps the
  // login. Operations run one after the other, in call order.
  var idb = (function () {
    var USER = 'user', OUTBOX = 'sim-outbox';
    var opened = null;
    var chain = Promise.resolve();
    function open() {
      if (!opened) {
        opened = new Promise(function (resolve, reject) {
          var req = indexedDB.open('wawc', 1);
          req.onupgradeneeded = function () {
            var db = req.result;
            [USER, OUTBOX].forEach(function (n) { if (!db.objectStoreNames.contains(n)) db.createObjectStore(n); });
          };
          req.onsuccess = function () { resolve(req.result); };
          req.onerror = function () { reject(req.error); };
        });
      }
      return opened;
    }
    // One transaction; resolves once it is committed (`strict`: on disk).
    function run(store, mode, work, strict) {
      var next = chain.catch(function () {}).then(function () {
        return open().then(function (db) {
          return new Promise(function (resolve, reject) {
            var t = db.transaction(store, mode, { durability: strict ? 'strict' : 'default' });
            var out;
            var req = work(t.objectStore(store));
            if (req) req.onsuccess = function () { out = req.result; };
            t.oncomplete = function () { resolve(out); };
            t.onerror = t.onabort = function () { reject(t.error); };
          });
        });
      });
      chain = next;
      return next;
    }
    return {
      USER: USER, OUTBOX: OUTBOX,
      get: function (store, k) { return run(store, 'readonly', function (s) { return s.get(k); }); },
      put: function (store, k, v, strict) { return run(store, 'readwrite', function (s) { s.put(v, k); }, strict); },
      del: function (store, k) { return run(store, 'readwrite', function (s) { s.delete(k); }); },
      clear: function (store) { return run(store, 'readwrite', function (s) { s.clear(); }); },
      // [[key, value], ...]
      entries: function (store) {
        var keys = [];
        return run(store, 'readonly', function (s) {
          var r = s.getAllKeys();
          r.addEventListener('success', function () { keys = r.result; });
          return s.getAll();
        }).then(function (values) { return keys.map(function (k, i) { return [k, values[i]]; }); });
      },
    };
  })();

  // The private connection to the simulated WhatsApp servers (the real
  // page's web.whatsapp.com/ws/chat). No module exports it.
  var net = (function () {
    var ws = null;
    var rid = 0;
    var pending = new Map();
    // Login key material, base64 of 32 bytes each: the noise static public
    // key, the signal identity public key, the ADV secret.
    var keys = null;
    // The stored login ({token, keys}) once read from IndexedDB.
    var login = null;
    var registrationId = 1 + Math.floor(Math.random() * 16380);
    var handlers = Object.create(null);
    var retry = 500;

    function storedLogin() {
      return idb.get(idb.USER, 'login').then(function (l) { return l && l.token && l.keys ? l : null; },
        function (e) { console.error('stored login', e); return null; });
    }
    function newKeys() {
      keys = { noise: randomB64(32), identity: randomB64(32), adv: randomB64(32) };
      advChanged.trigger('change');
    }
    function hello() {
      storedLogin().then(function (l) {
        login = l;
        if (l) keys = l.keys; else if (!keys) newKeys();
        send({ t: 'hello', keys: keys, platform: DEVICE_PLATFORM, auth: l ? l.token : null });
      });
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
      ['last-wid-md', 'WANoiseInfo', 'WAWebTimeSpentSession'].forEach(function (k) { localStorage.removeItem(k); });
      login = null;
      idb.del(idb.USER, 'login');
      idb.clear(idb.OUTBOX);
      newKeys();
    }
    function remember(m) {
      login = { token: m.token, keys: keys };
      idb.put(idb.USER, 'login', login, true);
      localStorage.setItem('last-wid-md', JSON.stringify(m.pn + ':' + m.device + '@c.us'));
      localStorage.setItem('WANoiseInfo', JSON.stringify({ staticKeyPair: keys.noise, recoveryToken: randomB64(24) }));
    }
    function ensureKeys() { if (!keys) newKeys(); return keys; }
    return {
      connect: connect, send: send, rpc: rpc, hello: hello, forget: forget, remember: remember,
      on: function (t, f) { handlers[t] = f; },
      keys: ensureKeys,
      registrationId: function () { return registrationId; },
      // The string a phone scans, built as WhatsApp Web builds it.
      payload: function (ref) { var k = ensureKeys(); return [ref, k.noise, k.identity, k.adv, DEVICE_PLATFORM].join(','); },
      token: function () { return login && login.token; },
    };
  })();
