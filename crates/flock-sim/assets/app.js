/* Flock WhatsApp Web simulator page.
 *
 * Offers the internals a bridge script uses, under WhatsApp Web's names and
 * shapes (Meta's module system, WAWeb* modules, Backbone-like models). The
 * connection to the simulated WhatsApp servers (`net` below) is private to
 * this closure: no module exports it, as in the real page.
 * Written for Flock; no code copied from WhatsApp or third parties.
 */
(function () {
  'use strict';

  var bootEl = document.getElementById('boot-data');
  var BOOT = {};
  try { BOOT = JSON.parse(bootEl ? bootEl.textContent : 'null') || {}; } catch (e) { BOOT = {}; }
  if (bootEl) bootEl.remove();
  var OMIT = new Set(BOOT.omit || []);

  // ---------------------------------------------------------------- modules
  var modulesMap = Object.create(null);

  function __d(name, deps, factory) {
    if (OMIT.has(name) || modulesMap[name]) return;
    modulesMap[name] = { id: name, dependencies: deps || [], factory: factory, exports: undefined, hasError: false, isInitialized: false };
  }

  function requireModule(name) {
    var m = modulesMap[name];
    if (!m) throw new Error('Requiring unknown module "' + name + '"');
    if (!m.isInitialized) {
      var module = { exports: {} };
      m.isInitialized = true;
      try {
        m.factory(window, requireModule, module, module.exports);
      } catch (e) {
        m.hasError = true;
        m.isInitialized = false;
        throw e;
      }
      m.exports = module.exports;
    }
    return m.exports;
  }

  window.__d = __d;
  window.require = requireModule;
  __d('__debug', [], function (g, r, module) { module.exports = { modulesMap: modulesMap }; });

  // ------------------------------------------------------------ base classes
  function Emitter() { this._ev = Object.create(null); }
  Emitter.prototype.on = function (events, cb, ctx) {
    var self = this;
    String(events).split(/\s+/).forEach(function (ev) {
      if (!ev) return;
      (self._ev[ev] = self._ev[ev] || []).push({ cb: cb, ctx: ctx, once: false });
    });
    return this;
  };
  Emitter.prototype.once = function (events, cb, ctx) {
    var self = this;
    String(events).split(/\s+/).forEach(function (ev) {
      if (!ev) return;
      (self._ev[ev] = self._ev[ev] || []).push({ cb: cb, ctx: ctx, once: true });
    });
    return this;
  };
  Emitter.prototype.off = function (events, cb) {
    var self = this;
    if (!events) { this._ev = Object.create(null); return this; }
    String(events).split(/\s+/).forEach(function (ev) {
      if (!self._ev[ev]) return;
      self._ev[ev] = cb ? self._ev[ev].filter(function (l) { return l.cb !== cb; }) : [];
    });
    return this;
  };
  Emitter.prototype.listenTo = function (other, ev, cb) { other.on(ev, cb, this); return this; };
  Emitter.prototype.stopListening = function (other, ev, cb) { if (other) other.off(ev, cb); return this; };
  Emitter.prototype.trigger = function (ev) {
    var args = Array.prototype.slice.call(arguments, 1);
    var list = this._ev[ev];
    if (list) {
      this._ev[ev] = list.filter(function (l) { return !l.once; });
      list.slice().forEach(function (l) {
        try { l.cb.apply(l.ctx || null, args); } catch (e) { console.error(e); }
      });
    }
    return this;
  };
  Emitter.prototype.emit = Emitter.prototype.trigger;

  function inherit(Child, Parent) {
    Child.prototype = Object.create(Parent.prototype);
    Child.prototype.constructor = Child;
  }

  // A model: attributes readable as `m.get('x')`, `m.x` or `m.attributes.x`;
  // each change fires `change:x` (model, value, previous) then `change`.
  function Model(attrs) {
    Emitter.call(this);
    this.attributes = {};
    this.collection = null;
    this._colls = [];
    if (attrs) this.set(attrs, { silent: true });
  }
  inherit(Model, Emitter);
  Model.prototype.idAttribute = 'id';
  Model.prototype.get = function (k) { return this.attributes[k]; };
  Model.prototype._define = function (k) {
    if (Object.prototype.hasOwnProperty.call(this, k) || k in Model.prototype || k in Emitter.prototype) return;
    var self = this;
    Object.defineProperty(this, k, {
      configurable: true, enumerable: true,
      get: function () { return self.attributes[k]; },
      set: function (v) { self.set(k, v); },
    });
  };
  Model.prototype.set = function (k, v, opts) {
    var attrs;
    if (k !== null && typeof k === 'object') { attrs = k; opts = v; } else { attrs = {}; attrs[k] = v; }
    opts = opts || {};
    var changed = [];
    for (var key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      this._define(key);
      var prev = this.attributes[key];
      if (prev !== attrs[key]) {
        this.attributes[key] = attrs[key];
        changed.push([key, attrs[key], prev]);
      }
    }
    if (!opts.silent && changed.length) {
      var self = this;
      changed.forEach(function (c) { self._fire('change:' + c[0], self, c[1], c[2]); });
      this._fire('change', this);
    }
    return this;
  };
  Model.prototype._fire = function (ev, a, b, c) {
    this.trigger(ev, a, b, c);
    this._colls.slice().forEach(function (col) { col.trigger(ev, a, b, c); });
  };
  Model.prototype.serialize = function () { return Object.assign({}, this.attributes); };
  Model.prototype.toJSON = Model.prototype.serialize;

  function keyOf(id) {
    if (id === null || id === undefined) return undefined;
    if (typeof id === 'object') return id._serialized !== undefined ? id._serialized : (id.id !== undefined ? keyOf(id.id) : String(id));
    return String(id);
  }

  // A collection: `get(id)` by string or Wid/MsgKey, `add`, `remove`,
  // `getModelsArray()`; forwards its models' events.
  function Collection(ModelClass) {
    Emitter.call(this);
    this._Model = ModelClass || Model;
    this._models = [];
    this._byId = new Map();
  }
  inherit(Collection, Emitter);
  Object.defineProperty(Collection.prototype, 'length', { get: function () { return this._models.length; } });
  Object.defineProperty(Collection.prototype, 'models', { get: function () { return this._models.slice(); } });
  Collection.prototype.get = function (id) { return this._byId.get(keyOf(id)); };
  Collection.prototype.getModelsArray = function () { return this._models.slice(); };
  Collection.prototype.toArray = Collection.prototype.getModelsArray;
  Collection.prototype.at = function (i) { return this._models[i]; };
  Collection.prototype.forEach = function (f) { this._models.slice().forEach(f); };
  Collection.prototype.map = function (f) { return this._models.map(f); };
  Collection.prototype.filter = function (f) { return this._models.filter(f); };
  Collection.prototype.find = function (f) { return typeof f === 'function' ? this._models.find(f) : this.get(f); };
  Collection.prototype.add = function (items, opts) {
    var self = this;
    var many = Array.isArray(items);
    var out = (many ? items : [items]).map(function (it) {
      var attrs = it instanceof Model ? it.attributes : it;
      var key = keyOf(attrs.id);
      var existing = self._byId.get(key);
      if (existing) {
        if (!(it instanceof Model) && (!opts || opts.merge !== false)) existing.set(attrs);
        return existing;
      }
      var m = it instanceof Model ? it : new self._Model(attrs);
      if (!m.collection) m.collection = self;
      m._colls.push(self);
      self._models.push(m);
      self._byId.set(key, m);
      self.trigger('add', m, self, opts || {});
      return m;
    });
    return many ? out : out[0];
  };
  Collection.prototype.remove = function (items) {
    var self = this;
    var many = Array.isArray(items);
    var out = (many ? items : [items]).map(function (it) {
      var m = self.get(it instanceof Model ? it.attributes.id : it);
      if (!m) return undefined;
      self._byId.delete(keyOf(m.attributes.id));
      self._models.splice(self._models.indexOf(m), 1);
      m._colls = m._colls.filter(function (c) { return c !== self; });
      if (m.collection === self) m.collection = m._colls[0] || null;
      self.trigger('remove', m, self, {});
      return m;
    });
    return many ? out : out[0];
  };
  Collection.prototype.reset = function () {
    var self = this;
    this._models.slice().forEach(function (m) { self.remove(m); });
    this.trigger('reset', this);
  };

  // Wid: `<user>@<server>` (c.us, g.us, lid, broadcast, newsletter).
  function Wid(s) {
    s = String(s);
    var at = s.indexOf('@');
    if (at <= 0) throw new Error('createWid: invalid wid "' + s + '"');
    var user = s.slice(0, at);
    var server = s.slice(at + 1);
    if (server === 's.whatsapp.net') server = 'c.us';
    var device;
    var colon = user.indexOf(':');
    if (colon >= 0) { device = parseInt(user.slice(colon + 1), 10); user = user.slice(0, colon); }
    if (!/^[0-9]+(-[0-9]+)?$/.test(user) && server !== 'broadcast') throw new Error('createWid: invalid wid "' + s + '"');
    if (['c.us', 'g.us', 'lid', 'broadcast', 'newsletter'].indexOf(server) < 0) throw new Error('createWid: invalid server "' + server + '"');
    this.server = server;
    this.user = user;
    if (device !== undefined && !isNaN(device)) this.device = device;
    this._serialized = user + '@' + server;
  }
  Wid.prototype.toString = function () { return this._serialized; };
  Wid.prototype.toJid = function () { return this.server === 'c.us' ? this.user + '@s.whatsapp.net' : this._serialized; };
  Wid.prototype.isUser = function () { return this.server === 'c.us' || this.server === 'lid'; };
  Wid.prototype.isGroup = function () { return this.server === 'g.us'; };
  Wid.prototype.isLid = function () { return this.server === 'lid'; };
  Wid.prototype.isBroadcast = function () { return this.server === 'broadcast'; };
  Wid.prototype.isNewsletter = function () { return this.server === 'newsletter'; };
  Wid.prototype.equals = function (o) { return !!o && keyOf(o) === this._serialized; };
  function createWid(s) { return s instanceof Wid ? s : new Wid(keyOf(s)); }

  // MsgKey: `<fromMe>_<remote>_<id>` (+ `_<participant>` in groups).
  function MsgKey(o) {
    if (!o || !o.id) throw new Error('MsgKey error: id is required');
    var fromMe = o.fromMe !== undefined ? !!o.fromMe : o.selfDir === 'out';
    var remote = o.remote ? createWid(o.remote) : createWid(fromMe ? o.to : o.from);
    this.fromMe = fromMe;
    this.remote = remote;
    this.id = String(o.id);
    this.participant = o.participant ? createWid(o.participant) : undefined;
    var s = String(fromMe) + '_' + remote._serialized + '_' + this.id;
    if (this.participant && remote.isGroup()) s += '_' + this.participant._serialized;
    this._serialized = s;
  }
  MsgKey.prototype.toString = function () { return this._serialized; };
  MsgKey.prototype.equals = function (o) { return !!o && keyOf(o) === this._serialized; };
  function randomHex(n) {
    var b = new Uint8Array(Math.ceil(n / 2));
    crypto.getRandomValues(b);
    return Array.from(b, function (x) { return x.toString(16).padStart(2, '0'); }).join('').slice(0, n).toUpperCase();
  }
  MsgKey.newId = function () { return Promise.resolve('3EB0' + randomHex(18)); };
  MsgKey.newId_DEPRECATED = function () { return '3EB0' + randomHex(18); };
  MsgKey.fromString = function (s) {
    var p = String(s).split('_');
    return new MsgKey({ fromMe: p[0] === 'true', remote: p[1], id: p[2], participant: p[3] });
  };

  function b64(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function randomB64(n) { var b = new Uint8Array(n); crypto.getRandomValues(b); return b64(b); }

  // ------------------------------------------------------------ app state
  var Socket = new Model({ state: 'OPENING', stream: 'DISCONNECTED', hasSynced: false });
  var Conn = new Model({ ref: null, refTTL: null, platform: null, pushname: null, connected: false });
  var Cmd = new Emitter();
  var me = { pn: null, lid: null, device: null };
  var offlineProgress = 0;
  var pairingType = 'QR';

  function ChatModel(a) { Model.call(this, a); this.msgs = new Collection(Model); }
  inherit(ChatModel, Model);
  function GroupMetadataModel(a) {
    var attrs = Object.assign({}, a);
    var parts = new Collection(Model);
    (a.participants || []).forEach(function (p) {
      parts.add({ id: createWid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin });
    });
    attrs.participants = parts;
    Model.call(this, attrs);
  }
  inherit(GroupMetadataModel, Model);

  var Chat = new Collection(ChatModel);
  var Msg = new Collection(Model);
  var Contact = new Collection(Model);
  var GroupMetadata = new Collection(GroupMetadataModel);

  // ----------------------------------------------------- private connection
  var net = (function () {
    var ws = null;
    var rid = 0;
    var pending = new Map();
    var keys = null;
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
    function newKeys() { keys = { noise: randomB64(32), identity: randomB64(32), adv: randomB64(32) }; }
    function hello() {
      var login = storedLogin();
      if (login) keys = login.keys; else if (!keys) newKeys();
      send({ t: 'hello', keys: keys, auth: login ? login.token : null });
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
          reject(new Error('socket not connected'));
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
        pending.forEach(function (p) { p.reject(new Error('socket closed')); });
        pending.clear();
        Socket.set('stream', 'DISCONNECTED');
        if (Socket.get('state') === 'CONNECTED') Socket.set('state', 'TIMEOUT');
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 10000);
      };
    }
    function forget() {
      ['last-wid-md', 'WANoiseInfo', 'WASecretBundle', 'WAWebTimeSpentSession'].forEach(function (k) { localStorage.removeItem(k); });
      newKeys();
    }
    function remember(m) {
      localStorage.setItem('last-wid-md', JSON.stringify(m.pn + ':' + m.device + '@c.us'));
      localStorage.setItem('WANoiseInfo', JSON.stringify({ staticKeyPair: keys.noise, recoveryToken: randomB64(24) }));
      localStorage.setItem('WASecretBundle', JSON.stringify({ token: m.token, identity: keys.identity, adv: keys.adv }));
    }
    return {
      connect: connect, send: send, rpc: rpc, hello: hello, forget: forget, remember: remember,
      on: function (t, f) { handlers[t] = f; },
      payload: function (ref) { return [ref, keys.noise, keys.identity, keys.adv].join(','); },
      token: function () { var b = store('WASecretBundle'); return b && b.token; },
    };
  })();

  // --------------------------------------------------------- message flows
  var outQueue = [];

  function msgFromServer(j, isNew) {
    var key = new MsgKey({ fromMe: j.id.fromMe, remote: j.id.remote, id: j.id.id, participant: j.id.participant || undefined });
    var meWid = me.pn ? createWid(me.pn + '@c.us') : undefined;
    var author = j.author ? createWid(j.author) : undefined;
    return {
      id: key, body: j.body, type: j.type, t: j.t, ack: j.ack,
      from: j.id.fromMe ? meWid : key.remote, to: j.id.fromMe ? key.remote : meWid,
      author: author, self: j.id.fromMe ? 'out' : 'in', isNewMsg: !!isNew, notifyName: j.notifyName || undefined,
    };
  }

  function ensureChat(wid, name, t) {
    var chat = Chat.get(wid);
    if (!chat) chat = Chat.add({ id: wid, name: name || undefined, isGroup: wid.isGroup(), t: t || Math.floor(Date.now() / 1000), unreadCount: 0 });
    return chat;
  }

  function addMsg(attrs) {
    var m = Msg.add(attrs);
    var chat = ensureChat(attrs.id.remote);
    chat.msgs.add(m);
    if (attrs.t) chat.set('t', attrs.t);
    return m;
  }

  function sendNow(item) {
    var m = item.msg;
    var body = {
      id: m.id.id, to: m.id.remote._serialized, type: m.get('type') || 'chat',
      body: m.get('type') === 'chat' ? m.get('body') : undefined,
      caption: m.get('caption'), directPath: m.get('directPath'),
    };
    net.rpc('send', { msg: body }).then(function (res) {
      if (!res || res.messageSendResult !== 'OK') m.set('ack', -1);
      item.resolve(res);
    }, function (err) {
      if (Socket.get('state') === 'CONNECTED') {
        m.set('ack', -1);
        item.resolve({ messageSendResult: 'ERROR_UNKNOWN', error: { text: String(err && err.message) } });
      } else {
        outQueue.push(item);
      }
    });
  }

  function flushQueue() {
    var q = outQueue;
    outQueue = [];
    q.forEach(sendNow);
  }

  // --------------------------------------------------------- module table
  __d('WAWebSocketModel', [], function (g, r, module) {
    Socket.takeover = function () { net.send({ t: 'takeover' }); };
    Socket.logout = function () { net.send({ t: 'logout' }); };
    module.exports = { Socket: Socket };
  });
  __d('WAWebConnModel', [], function (g, r, module) { module.exports = { Conn: Conn }; });
  __d('WAWebCmd', [], function (g, r, module) {
    Cmd.refreshQR = function () { net.send({ t: 'refresh_qr' }); };
    module.exports = { Cmd: Cmd };
  });
  __d('WAWebOfflineHandler', [], function (g, r, module) {
    module.exports = { OfflineMessageHandler: { getOfflineDeliveryProgress: function () { return offlineProgress; } } };
  });
  __d('WAWebWidFactory', [], function (g, r, module) {
    module.exports = {
      createWid: createWid,
      createUserWid: function (user, server) { return createWid(String(user) + '@' + (server || 'c.us')); },
      isWidlike: function (x) { try { createWid(x); return true; } catch (e) { return false; } },
    };
  });
  __d('WAWebUserPrefsMeUser', [], function (g, r, module) {
    function pn() { return me.pn ? createWid(me.pn + '@c.us') : null; }
    function lid() { return me.lid ? createWid(me.lid + '@lid') : null; }
    module.exports = {
      getMaybeMePnUser: pn,
      getMaybeMeLidUser: lid,
      getMaybeMeUser: pn,
      getMePnUserOrThrow: function () { var w = pn(); if (!w) throw new Error('getMePnUserOrThrow: not logged in'); return w; },
      getMeUser: function () { var w = pn(); if (!w) throw new Error('getMeUser: not logged in'); return w; },
    };
  });
  __d('WAWebCollections', [], function (g, r, module) {
    module.exports = { Chat: Chat, Msg: Msg, Contact: Contact, GroupMetadata: GroupMetadata };
  });
  __d('WAWebFindChatAction', [], function (g, r, module) {
    module.exports = {
      findOrCreateLatestChat: function (wid) {
        return Promise.resolve().then(function () {
          var w = createWid(wid);
          var existed = !!Chat.get(w);
          return { chat: ensureChat(w), created: !existed };
        });
      },
    };
  });
  __d('WAWebSendMsgChatAction', [], function (g, r, module) {
    module.exports = {
      addAndSendMsgToChat: function (chat, data) {
        var attrs = Object.assign({}, data instanceof Model ? data.attributes : data);
        if (!(attrs.id instanceof MsgKey)) {
          return [Promise.reject(new Error('addAndSendMsgToChat: msg.id must be a MsgKey')), Promise.reject(new Error('no message'))];
        }
        attrs.ack = 0;
        attrs.self = 'out';
        attrs.isNewMsg = true;
        var m = addMsg(attrs);
        var sendResult = new Promise(function (resolve) {
          var item = { msg: m, resolve: resolve };
          if (Socket.get('state') === 'CONNECTED') sendNow(item); else outQueue.push(item);
        });
        return [Promise.resolve(m), sendResult];
      },
    };
  });
  __d('WAWebMsgKey', [], function (g, r, module) { module.exports = MsgKey; });
  __d('WAWebQueryExistsJob', [], function (g, r, module) {
    module.exports = {
      queryWidExists: function (wid) {
        return net.rpc('query_exists', { wid: keyOf(wid) }).then(function (res) {
          if (!res) return null;
          return { wid: createWid(res.wid), lid: res.lid ? createWid(res.lid) : undefined, biz: false };
        });
      },
    };
  });
  __d('WAWebAltDeviceLinkingApi', [], function (g, r, module) {
    module.exports = {
      setPairingType: function (t) { pairingType = t; },
      initializeAltDeviceLinking: function () { return Promise.resolve(); },
      startAltLinkingFlow: function (phone, showNotification) {
        return net.rpc('alt_link', { phone: String(phone), notify: !!showNotification });
      },
    };
  });

  // Media: OpaqueData -> prepRawMedia -> MediaStorage object -> MMS upload.
  function OpaqueData(blob, type) { this._blob = blob; this.type = type || blob.type; this.size = blob.size; this._url = null; }
  OpaqueData.createFromData = function (data, type) {
    var blob = data instanceof Blob ? data : new Blob([data], { type: type });
    return Promise.resolve(new OpaqueData(blob, type));
  };
  OpaqueData.prototype.url = function () { if (!this._url) this._url = URL.createObjectURL(this._blob); return this._url; };
  OpaqueData.prototype.autorelease = function () { var self = this; setTimeout(function () { if (self._url) URL.revokeObjectURL(self._url); self._url = null; }, 30000); };
  OpaqueData.prototype.formData = function () { return this._blob; };
  OpaqueData.prototype.arrayBuffer = function () { return this._blob.arrayBuffer(); };
  __d('WAWebMediaOpaqueData', [], function (g, r, module) { module.exports = OpaqueData; });

  function typeFromMime(mime, opts) {
    if (opts && opts.asDocument) return 'document';
    if (/^image\//.test(mime)) return opts && opts.asSticker ? 'sticker' : 'image';
    if (/^video\//.test(mime)) return 'video';
    if (/^audio\//.test(mime)) return opts && opts.isPtt ? 'ptt' : 'audio';
    return 'document';
  }
  __d('WAWebPrepRawMedia', [], function (g, r, module) {
    module.exports = {
      prepRawMedia: function (opaque, opts) {
        opts = opts || {};
        var done = opaque._blob.arrayBuffer().then(function (buf) {
          return crypto.subtle.digest('SHA-256', buf);
        }).then(function (hash) {
          return new Model({
            type: typeFromMime(opaque.type, opts), mimetype: opaque.type, filehash: b64(new Uint8Array(hash)),
            size: opaque.size, mediaBlob: opaque, filename: opaque._blob.name || undefined,
            isGif: !!opts.asGif, caption: opts.caption,
          });
        });
        return { waitForPrep: function () { return done; } };
      },
    };
  });
  __d('WAWebMmsMediaTypes', [], function (g, r, module) {
    module.exports = {
      msgToMediaType: function (m) { return m.type === 'sticker' ? 'sticker' : m.type === 'video' && m.isGif ? 'gif' : m.type; },
      castToV4: function (t) { return t; },
    };
  });
  var mediaObjects = new Map();
  __d('WAWebMediaStorage', [], function (g, r, module) {
    module.exports = {
      getOrCreateMediaObject: function (filehash) {
        var o = mediaObjects.get(filehash);
        if (!o) {
          o = { filehash: filehash, size: undefined, type: undefined, mediaBlob: null, entries: [] };
          o.consolidate = function (j) {
            if (j.size !== undefined) o.size = j.size;
            if (j.type) o.type = j.type;
            if (j.mimetype) o.mimetype = j.mimetype;
            if (j.mediaBlob) o.mediaBlob = j.mediaBlob;
          };
          mediaObjects.set(filehash, o);
        }
        return o;
      },
    };
  });
  __d('WAWebMediaMmsV4Upload', [], function (g, r, module) {
    module.exports = {
      uploadMedia: function (o) {
        var obj = o.mediaObject;
        if (!obj || !obj.mediaBlob) return Promise.reject(new Error('uploadMedia: media object has no data'));
        var token = net.token();
        return fetch('/_wa/mms/' + encodeURIComponent(o.mediaType || obj.type || 'document') + '?auth=' + encodeURIComponent(token || ''), {
          method: 'POST', headers: { 'Content-Type': o.mimetype || obj.mimetype || 'application/octet-stream' }, body: obj.mediaBlob._blob,
        }).then(function (resp) {
          if (!resp.ok) throw new Error('upload failed: HTTP ' + resp.status);
          return resp.json();
        }).then(function (j) {
          var entry = {
            mmsUrl: j.url, deprecatedMms3Url: j.url, directPath: j.directPath, mediaKey: randomB64(32),
            mediaKeyTimestamp: Math.floor(Date.now() / 1000), encFilehash: j.filehash, uploadHash: j.filehash,
            sidecar: undefined, firstFrameSidecar: undefined,
          };
          obj.entries.push(entry);
          return { mediaEntry: entry };
        });
      },
    };
  });
  var LINK_RE = /\b((?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])/i;
  __d('WALinkify', [], function (g, r, module) {
    function mk(text) {
      var href = /^https?:/i.test(text) ? text : 'http://' + text;
      var u;
      try { u = new URL(href); } catch (e) { return null; }
      return { url: text, href: href, domain: u.hostname, scheme: u.protocol.replace(':', '') };
    }
    module.exports = {
      findLink: function (s) { var m = LINK_RE.exec(String(s || '')); return m ? mk(m[1]) : null; },
      findLinks: function (s) {
        var re = new RegExp(LINK_RE.source, 'gi');
        var out = [];
        var m;
        while ((m = re.exec(String(s || '')))) { var l = mk(m[1]); if (l) out.push(l); }
        return out;
      },
    };
  });
  __d('WAWebLinkPreviewChatAction', [], function (g, r, module) {
    module.exports = {
      getLinkPreview: function (link) {
        return net.rpc('link_preview', { url: (link && (link.href || link.url)) || String(link) }).catch(function () { return null; });
      },
    };
  });

  // ----------------------------------------------------------- frames in
  function setState(s) {
    if (Socket.get('state') === s) return;
    Socket.set('state', s);
    if (s === 'CONNECTED') { Conn.set('connected', true); flushQueue(); }
    render();
  }

  net.on('state', function (m) { setState(m.state); });
  net.on('qr', function (m) {
    ui.qr = { ref: m.ref, payload: net.payload(m.ref), matrix: m.matrix };
    ui.code = null;
    ui.idle = false;
    Conn.set({ refTTL: m.ttl, ref: m.ref });
    render();
  });
  net.on('code', function (m) { ui.code = m.code; ui.qr = null; render(); });
  net.on('qr_idle', function () { ui.idle = true; render(); });
  net.on('paired', function (m) {
    net.remember(m);
    me.pn = m.pn; me.lid = m.lid; me.device = m.device;
    ui.qr = null; ui.code = null;
    Conn.set({ ref: null, platform: 'android', pushname: null });
    render();
  });
  net.on('sync_data', function (m) {
    (m.groups || []).forEach(function (g) {
      var attrs = Object.assign({}, g, { id: createWid(g.id), owner: g.owner ? createWid(g.owner) : undefined });
      var existing = GroupMetadata.get(g.id);
      if (existing) GroupMetadata.remove(existing);
      GroupMetadata.add(attrs);
    });
    (m.chats || []).forEach(function (c) {
      var w = createWid(c.id);
      var chat = ensureChat(w, c.name, c.t);
      chat.set({ name: c.name || chat.get('name'), isGroup: !!c.isGroup });
      if (c.isGroup) chat.set('groupMetadata', GroupMetadata.get(w));
    });
    (m.contacts || []).forEach(function (c) {
      Contact.add({ id: createWid(c.id), pushname: c.pushname || undefined, isMyContact: !!c.isMyContact, isUser: true, isGroup: false });
    });
    (m.msgs || []).forEach(function (j) {
      var existing = Msg.get(j.id._serialized);
      if (existing) { if (j.ack > (existing.get('ack') || 0)) existing.set('ack', j.ack); return; }
      addMsg(msgFromServer(j, false));
    });
    render();
  });
  net.on('sync_progress', function (m) {
    offlineProgress = m.progress;
    Cmd.trigger('offline_progress_update_from_bridge', m.progress);
    render();
  });
  net.on('synced', function (m) {
    offlineProgress = 100;
    Socket.set('hasSynced', true);
    render();
    if (m.self_reload_ms) setTimeout(function () { location.reload(); }, m.self_reload_ms);
  });
  net.on('msg', function (m) {
    if (Msg.get(m.msg.id._serialized)) return;
    var attrs = msgFromServer(m.msg, true);
    addMsg(attrs);
    if (!attrs.id.fromMe && attrs.from && attrs.from.isUser() && !Contact.get(attrs.from)) {
      Contact.add({ id: attrs.from, isMyContact: false, isUser: true, isGroup: false });
    }
    render();
  });
  net.on('ack', function (m) {
    var msg = Msg.get(m.id);
    if (msg && (msg.get('ack') || 0) < m.ack) msg.set('ack', m.ack);
  });
  net.on('group_upsert', function (m) {
    var g = m.group;
    var w = createWid(g.id);
    var existing = GroupMetadata.get(w);
    if (existing) {
      var parts = existing.get('participants');
      var want = new Set(g.participants.map(function (p) { return p.id; }));
      parts.getModelsArray().forEach(function (p) { if (!want.has(p.id._serialized)) parts.remove(p); });
      g.participants.forEach(function (p) { parts.add({ id: createWid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin }); });
      existing.set({ subject: g.subject, desc: g.desc, isLidAddressingMode: g.isLidAddressingMode });
    } else {
      GroupMetadata.add(Object.assign({}, g, { id: w, owner: g.owner ? createWid(g.owner) : undefined }));
    }
    var chat = ensureChat(w, g.subject);
    chat.set({ name: g.subject, groupMetadata: GroupMetadata.get(w) });
    render();
  });
  net.on('group_remove', function (m) {
    var gm = GroupMetadata.get(m.id);
    if (gm) GroupMetadata.remove(gm);
    var chat = Chat.get(m.id);
    if (chat) chat.set('isReadOnly', true);
    render();
  });
  function clearSession() {
    net.forget();
    me.pn = null; me.lid = null; me.device = null;
    Socket.set('hasSynced', false);
    Conn.set({ ref: null, connected: false });
    [Msg, Chat, Contact, GroupMetadata].forEach(function (c) { c.reset(); });
    outQueue.splice(0).forEach(function (it) { it.resolve({ messageSendResult: 'ERROR_UNKNOWN', error: { text: 'logged out' } }); });
  }
  net.on('logout', function () {
    clearSession();
    Cmd.trigger('logout');
    setState('OPENING');
    net.hello();
  });
  net.on('banned', function () {
    clearSession();
    Cmd.trigger('logout');
  });
  net.on('reload', function () { location.reload(); });

  // ------------------------------------------------------------------ UI
  var ui = { qr: null, code: null, idle: false };
  var app = null;

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k === 'onclick') el.addEventListener('click', attrs[k]);
      else el.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }

  function drawQr(canvas, matrix) {
    var n = matrix.length;
    var quiet = 4;
    var size = 264;
    var scale = Math.max(1, Math.floor(size / (n + 2 * quiet)));
    var off = Math.floor((size - n * scale) / 2);
    canvas.width = size; canvas.height = size;
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = '#122e31';
    for (var y = 0; y < n; y++) for (var x = 0; x < n; x++) if (matrix[y][x] === '1') ctx.fillRect(off + x * scale, off + y * scale, scale, scale);
  }

  function landing(inner) {
    return h('div', {}, [h('div', { class: 'topbar' }), h('div', { class: 'brand', text: 'WHATSAPP WEB' }), h('div', { class: 'landing' }, [inner])]);
  }

  function render() {
    if (!app) return;
    var state = Socket.get('state');
    var view;
    if (state === 'TOS_BLOCK' || state === 'SMB_TOS_BLOCK') {
      view = h('div', { class: 'blocked' }, [h('h2', { text: 'This account is not allowed to use WhatsApp' }), h('div', { class: 'muted', text: 'Your phone number is banned from using WhatsApp.' })]);
    } else if (state === 'UNPAIRED' || state === 'UNPAIRED_IDLE') {
      var right;
      if (ui.code) {
        right = h('div', { class: 'pairing' }, [h('div', { class: 'muted', text: 'Enter code on phone:' }), h('div', { class: 'code', 'data-code': ui.code, text: ui.code.slice(0, 4) + '-' + ui.code.slice(4) })]);
      } else {
        var canvas = h('canvas', { 'aria-label': 'Scan this QR code to link a device!', role: 'img' });
        var wrap = h('div', { class: 'qr-wrap', 'data-ref': ui.qr && state === 'UNPAIRED' ? ui.qr.payload : '' }, [canvas]);
        if (ui.qr) drawQr(canvas, ui.qr.matrix);
        if (state === 'UNPAIRED_IDLE' || !ui.qr) {
          wrap.appendChild(h('div', { class: 'qr-idle' }, [h('button', { text: 'Click to reload QR code', onclick: function () { Cmd.refreshQR(); } })]));
        }
        right = wrap;
      }
      view = landing(h('div', { class: 'card' }, [
        h('div', { class: 'steps' }, [
          h('h1', { text: 'Use WhatsApp on your computer' }),
          h('ol', {}, [h('li', { text: 'Open WhatsApp on your phone' }), h('li', { text: 'Tap Menu or Settings and select Linked Devices' }), h('li', { text: 'Tap on Link a device' }), h('li', { text: 'Point your phone to this screen to capture the QR code' })]),
          h('div', { class: 'link-phone', text: ui.code ? 'Link with QR code instead' : 'Link with phone number' }),
        ]),
        right,
      ]));
    } else if (state === 'CONNECTED' && Socket.get('hasSynced')) {
      var chats = Chat.getModelsArray().slice().sort(function (a, b) { return (b.get('t') || 0) - (a.get('t') || 0); }).slice(0, 60);
      view = h('div', { class: 'main' }, [
        h('div', { class: 'side' }, [
          h('header', {}, [h('span', { class: 'avatar', text: me.pn ? me.pn.slice(-2) : '' }), h('span', { text: me.pn ? '+' + me.pn : '' })]),
          h('div', { class: 'chats' }, chats.map(function (c) {
            var gm = c.get('groupMetadata');
            var last = c.msgs.at(c.msgs.length - 1);
            var sub = last ? (last.get('body') || last.get('type')) : gm ? gm.get('participants').length + ' participants' : '';
            var name = c.get('name') || c.id.user;
            return h('div', { class: 'chat' }, [h('span', { class: 'avatar', text: String(name).slice(0, 1) }), h('div', {}, [h('div', { class: 'name', text: name }), h('div', { class: 'sub', text: sub })])]);
          })),
        ]),
        h('div', { class: 'conv' }, [h('h2', { text: 'WhatsApp Web' }), h('div', { class: 'muted', text: 'Send and receive messages without keeping your phone online.' })]),
      ]);
    } else if (state === 'CONFLICT') {
      view = h('div', { class: 'blocked' }, [h('h2', { text: 'WhatsApp is open in another window' }), h('button', { class: 'btn', text: 'Use here', onclick: function () { Socket.takeover(); } })]);
    } else if (state === 'TIMEOUT') {
      view = h('div', { class: 'progress-page' }, [h('div', { class: 'banner', text: 'Computer not connected. Make sure your computer has an active internet connection.' })]);
    } else {
      var label = state === 'CONNECTED' ? 'Loading your chats' : state === 'PAIRING' ? 'Logging in...' : 'WhatsApp';
      var pct = state === 'CONNECTED' ? offlineProgress : 0;
      view = h('div', { class: 'progress-page' }, [
        h('div', { class: 'title', text: label + (state === 'CONNECTED' ? ' [' + pct + '%]' : '') }),
        h('div', { class: 'bar' }, [h('div', { style: 'width:' + pct + '%' })]),
        h('div', { class: 'muted', text: 'End-to-end encrypted' }),
      ]);
    }
    app.replaceChildren(view);
  }

  function start() {
    app = document.getElementById('app');
    render();
    net.connect();
    window.Debug = window.Debug || {};
    window.Debug.VERSION = BOOT.version || '2.3000.0';
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
