
  // Part 20: the app's state: socket and connection models, own ids, the
  // lid map, the collections, the local message database, user prefs.

  // WAWebCompanionRegClientUtils.DEVICE_PLATFORM for Chrome (the 5th QR field).
  var DEVICE_PLATFORM = '1';
  var Socket = new Model({ state: 'OPENING', stream: 'DISCONNECTED', hasSynced: false });
  var Conn = new Model({ ref: null, refTTL: null, platform: null, pushname: null, connected: false });
  var Cmd = new Emitter();
  // WAWebUserPrefsMultiDevice.advSecretEventEmitter: fires `change` with new login keys.
  var advChanged = new Emitter();
  var me = { pn: null, lid: null, device: null };
  var offlineProgress = 0;
  var pairingType = 'QR';

  function mePn() { return me.pn ? createWid(me.pn + '@c.us') : null; }
  function meLid() { return me.lid ? createWid(me.lid + '@lid') : null; }
  function isMe(wid) {
    var s = keyOf(wid);
    return !!s && ((!!me.pn && s === me.pn + '@c.us') || (!!me.lid && s === me.lid + '@lid'));
  }

  // Phone number <-> privacy id mappings this page knows (WhatsApp Web's
  // lid-pn cache: learned from contact queries and from messages).
  var lidPn = { byPn: new Map(), byLid: new Map() };
  function learnLid(pnUser, lidUser) {
    if (!pnUser || !lidUser) return;
    lidPn.byPn.set(String(pnUser), String(lidUser));
    lidPn.byLid.set(String(lidUser), String(pnUser));
  }
  function lidOfPn(wid) {
    var w = createWid(wid);
    if (isMe(w)) return meLid() || undefined;
    var l = lidPn.byPn.get(w.user);
    return l ? createWid(l + '@lid') : undefined;
  }
  function pnOfLid(wid) {
    var w = createWid(wid);
    if (isMe(w)) return mePn() || undefined;
    var p = lidPn.byLid.get(w.user);
    return p ? createWid(p + '@c.us') : undefined;
  }

  // ------------------------------------------------------------ models
  function MsgModel(a) { Model.call(this, a); }
  inherit(MsgModel, Model);

  function ContactModel(a) { Model.call(this, a); }
  inherit(ContactModel, Model);

  function ChatModel(a) {
    Model.call(this, a);
    this.msgs = new Collection(MsgModel);
    // The chat's mute setting (WhatsApp Web's MuteModel): never muted here.
    this.mute = new Model({ id: a && a.id, expiration: 0, isMuted: false });
  }
  inherit(ChatModel, Model);
  // The trusted-contact token: present once the other side wrote to us.
  ChatModel.prototype.getTcToken = function () { return this.get('tcToken') || null; };
  Object.defineProperty(ChatModel.prototype, 'contact', { get: function () { return contactFor(this.get('id')); } });
  // The title the chat list shows: the group subject or chat name, else the
  // contact's name, else the phone number.
  Object.defineProperty(ChatModel.prototype, 'formattedTitle', {
    get: function () {
      var w = this.get('id');
      if (this.get('name')) return this.get('name');
      var c = Contact.get(w);
      var named = c && (c.get('name') || c.get('pushname'));
      if (named) return named;
      var pn = w.isLid() ? pnOfLid(w) : w;
      return pn && pn.server === 'c.us' ? '+' + pn.user : w.user;
    },
  });
  // As WhatsApp Web's: the attributes plus the loaded messages.
  ChatModel.prototype.serialize = function () {
    var o = Model.prototype.serialize.call(this);
    o.msgs = this.msgs;
    return o;
  };

  function participantsOf(list) {
    var parts = new Collection(Model);
    (list || []).forEach(function (p) {
      parts.add({ id: createWid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin });
    });
    function mine() { return parts.getModelsArray().filter(function (p) { return isMe(p.get('id')); }); }
    parts.iAmMember = function () { return mine().length > 0; };
    parts.iAmAdmin = function () { return mine().some(function (p) { return !!p.get('isAdmin'); }); };
    parts.iAmSuperAdmin = function () { return mine().some(function (p) { return !!p.get('isSuperAdmin'); }); };
    return parts;
  }
  function GroupMetadataModel(a) {
    var attrs = Object.assign({}, a);
    attrs.participants = participantsOf(a.participants);
    Model.call(this, attrs);
  }
  inherit(GroupMetadataModel, Model);
  // Participants serialize as a list of plain `{id, isAdmin, isSuperAdmin}`.
  GroupMetadataModel.prototype.serialize = function () {
    var o = Model.prototype.serialize.call(this);
    o.participants = this.get('participants').getModelsArray().map(function (p) { return p.serialize(); });
    return o;
  };

  var Chat = new Collection(ChatModel);
  var Msg = new Collection(MsgModel);
  var Contact = new Collection(ContactModel);
  var GroupMetadata = new Collection(GroupMetadataModel);
  // StaleBaseCollection.update: asks the server for the group's metadata
  // again and merges it. A group this account left (its chat is read-only)
  // is not asked for, as WhatsApp Web skips it.
  GroupMetadata.update = function (id) {
    return Promise.resolve().then(function () {
      var w = createWid(id);
      var chat = Chat.get(w);
      if (chat && chat.get('isReadOnly')) return GroupMetadata.get(w);
      return net.rpc('group_metadata', { id: w._serialized }).then(function (g) {
        upsertGroup(g);
        return GroupMetadata.get(w);
      });
    });
  };
  GroupMetadata.find = function (id) {
    var m = GroupMetadata.get(id);
    return m ? Promise.resolve(m) : GroupMetadata.update(id);
  };

  function contactFor(wid) {
    if (!wid) return undefined;
    var w = createWid(wid);
    var c = Contact.get(w);
    if (!c) {
      var attrs = { id: w, isUser: w.isUser(), isGroup: w.isGroup(), isMyContact: false };
      if (w.isLid()) attrs.phoneNumber = pnOfLid(w);
      c = Contact.add(attrs);
    }
    return c;
  }

  function ensureChat(wid, name, t) {
    var w = createWid(wid);
    var chat = Chat.get(w);
    if (!chat) {
      chat = Chat.add({ id: w, name: name || undefined, isGroup: w.isGroup(), t: t || Math.floor(Date.now() / 1000), unreadCount: 0, isReadOnly: false });
      if (w.isGroup()) chat.set('groupMetadata', GroupMetadata.get(w));
    }
    return chat;
  }

  // ------------------------------------------------ local message database
  // Every message this page has seen, per chat in time order, whether or
  // not it is loaded into `Msg` (WhatsApp Web keeps this in IndexedDB; the
  // simulated server replays it with the sync after each reload).
  var localDb = { byKey: new Map(), byChat: new Map() };
  function dbPut(attrs) {
    var key = attrs.id._serialized;
    var old = localDb.byKey.get(key);
    if (old) { Object.assign(old, attrs); return old; }
    var row = Object.assign({}, attrs);
    localDb.byKey.set(key, row);
    var chatKey = attrs.id.remote._serialized;
    var list = localDb.byChat.get(chatKey);
    if (!list) { list = []; localDb.byChat.set(chatKey, list); }
    var at = list.length;
    while (at > 0 && (list[at - 1].t || 0) > (row.t || 0)) at--;
    list.splice(at, 0, row);
    return row;
  }
  function dbSet(key, attrs) {
    var row = localDb.byKey.get(keyOf(key));
    if (row) Object.assign(row, attrs);
  }

  // WhatsApp Web's user preferences store (IndexedDB-backed, read synchronously).
  var userPrefs = new Map();
