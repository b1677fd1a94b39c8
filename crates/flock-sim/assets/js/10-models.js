  // Part 10: event emitter, Backbone-like models and collections, Wid, MsgKey, base64.

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
  Emitter.prototype.listenToOnce = function (other, ev, cb) { other.once(ev, cb, this); return this; };
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
  Object.defineProperty(Collection.prototype, 'modelClass', { get: function () { return this._Model; } });
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
  Wid.prototype.isRegularUser = Wid.prototype.isUser;
  Wid.prototype.isStatus = function () { return this._serialized === 'status@broadcast'; };
  Wid.prototype.isBot = function () { return false; };
  Wid.prototype.equals = function (o) { return !!o && keyOf(o) === this._serialized; };
  Wid.prototype.toLogString = function () { return this._serialized; };
  function createWid(s) { return s instanceof Wid ? s : new Wid(keyOf(s)); }

  // MsgKey: `<fromMe>_<remote>_<id>` (+ `_<participant>` in groups and statuses).
  function MsgKey(o) {
    if (!o || !o.id) throw new Error('MsgKey error: id is required');
    var fromMe = o.fromMe !== undefined ? !!o.fromMe : o.selfDir === 'out';
    var remote = o.remote ? createWid(o.remote) : createWid(fromMe ? o.to : o.from);
    this.fromMe = fromMe;
    this.remote = remote;
    this.id = String(o.id);
    this.participant = o.participant ? createWid(o.participant) : undefined;
    var s = String(fromMe) + '_' + remote._serialized + '_' + this.id;
    if (this.participant && (remote.isGroup() || remote.isBroadcast())) s += '_' + this.participant._serialized;
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

  // Base64 as WABase64 does it: bytes (ArrayBuffer or array-like) <-> text.
  function bytesOf(data) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return Uint8Array.from(data || []);
  }
  function encodeB64(data) {
    var bytes = bytesOf(data);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function decodeB64(text) {
    var s = atob(String(text));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out.buffer;
  }
  function randomB64(n) { var b = new Uint8Array(n); crypto.getRandomValues(b); return encodeB64(b); }
