
  // Part 80: frames from the simulated servers.
  function setState(s) {
    if (Socket.get('state') === s) return;
    Socket.set('state', s);
    if (s === 'CONNECTED') { Conn.set('connected', true); flushQueue(); }
    render();
  }

  function remoteIsStatus(key) { return key.remote.isStatus(); }

  function learnMappings(list) {
    (list || []).forEach(function (mp) { learnLid(mp.pn, mp.lid); });
  }

  function upsertGroup(g) {
    var w = createWid(g.id);
    var existing = GroupMetadata.get(w);
    var flags = { subject: g.subject, desc: g.desc, isLidAddressingMode: g.isLidAddressingMode, announce: !!g.announce, restrict: !!g.restrict };
    if (existing) {
      var parts = existing.get('participants');
      var want = new Set(g.participants.map(function (p) { return p.id; }));
      parts.getModelsArray().forEach(function (p) { if (!want.has(p.id._serialized)) parts.remove(p); });
      g.participants.forEach(function (p) {
        var have = parts.get(p.id);
        if (have) have.set({ isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin });
        else parts.add({ id: createWid(p.id), isAdmin: !!p.isAdmin, isSuperAdmin: !!p.isSuperAdmin });
      });
      existing.set(flags);
    } else {
      var attrs = Object.assign({}, g, flags, { id: w, owner: g.owner ? createWid(g.owner) : undefined });
      delete attrs.left;
      GroupMetadata.add(attrs);
    }
    var chat = ensureChat(w, g.subject);
    chat.set({ name: g.subject, groupMetadata: GroupMetadata.get(w) });
    return chat;
  }

  // At start the page loads the most recent messages of each chat into
  // `Msg`; older ones stay in the local database.
  function loadRecent() {
    var n = SETTINGS.loadedMsgsPerChat === undefined ? 1 : SETTINGS.loadedMsgsPerChat;
    localDb.byChat.forEach(function (rows) {
      rows.slice(Math.max(0, rows.length - n)).forEach(function (row) {
        if (Msg.get(row.id._serialized)) return;
        var m = Msg.add(Object.assign({}, row, { isNewMsg: false }));
        ensureChat(row.id.remote).msgs.add(m);
      });
    });
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
    learnMappings(m.mappings);
    // Groups this phone left come too: read-only, without it.
    (m.groups || []).forEach(function (g) { upsertGroup(g).set('isReadOnly', !!g.left); });
    (m.chats || []).forEach(function (c) {
      var w = createWid(c.id);
      var chat = ensureChat(w, c.name, c.t);
      chat.set({ name: c.name || chat.get('name'), isGroup: !!c.isGroup, tcToken: c.tcToken || undefined, isReadOnly: !!c.isReadOnly });
      if (c.isGroup) chat.set('groupMetadata', GroupMetadata.get(w));
    });
    (m.contacts || []).forEach(function (c) {
      Contact.add({ id: createWid(c.id), pushname: c.pushname || undefined, isMyContact: !!c.isMyContact, isUser: true, isGroup: false });
    });
    (m.msgs || []).forEach(function (j) {
      var existing = Msg.get(j.id._serialized);
      if (existing) { setAck(existing, j.ack); return; }
      var row = localDb.byKey.get(j.id._serialized);
      if (row) { if (j.ack === -1 || j.ack > (row.ack || 0)) row.ack = j.ack; return; }
      addMsg(msgFromServer(j, false), false);
    });
    loadRecent();
    if (m.timelock) timelockUpdate(m.timelock.is_active, m.timelock.enforcement_type, m.timelock.time_enforcement_ends);
    outboxResume().then(flushQueue);
    flushQueue();
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
    if (m.mapping) learnLid(m.mapping.pn, m.mapping.lid);
    if (Msg.get(m.msg.id._serialized)) return;
    var attrs = msgFromServer(m.msg, true);
    var chat = ensureChat(attrs.id.remote);
    if (m.tcToken) chat.set('tcToken', m.tcToken);
    if (!attrs.id.fromMe && attrs.from && attrs.from.isUser()) contactFor(attrs.from);
    addMsg(attrs, true);
    if (!attrs.id.fromMe && !remoteIsStatus(attrs.id)) {
      chat.set({ lastReceivedKey: attrs.id, unreadCount: (chat.get('unreadCount') || 0) + 1 });
    }
    render();
  });
  net.on('ack', function (m) {
    var msg = Msg.get(m.id);
    if (msg) setAck(msg, m.ack);
    else dbSet(m.id, { ack: m.ack });
  });
  net.on('group_upsert', function (m) {
    var chat = upsertGroup(m.group);
    chat.set('isReadOnly', false);
    render();
  });
  // Removed from a group: the group stays, without this account, read-only.
  net.on('group_left', function (m) {
    var chat = upsertGroup(m.group);
    chat.set('isReadOnly', true);
    render();
  });
  net.on('timelock', function (m) { timelockUpdate(m.is_active, m.enforcement_type, m.time_enforcement_ends); });
  function clearSession() {
    net.forget();
    me.pn = null; me.lid = null; me.device = null;
    Socket.set('hasSynced', false);
    Conn.set({ ref: null, connected: false });
    [Msg, Chat, Contact, GroupMetadata].forEach(function (c) { c.reset(); });
    localDb.byKey.clear(); localDb.byChat.clear();
    lidPn.byPn.clear(); lidPn.byLid.clear();
    userPrefs.clear();
    outQueue.splice(0).forEach(function (it) { it.resolve({ messageSendResult: SendMsgResult.ERROR_UNKNOWN }); });
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
