
  // Part 40: messages: server JSON to models, sending (with the outbox of
  // messages stored before the server took them), lookups by id.

  // Messages stored before the server took them (IndexedDB `sim-outbox`,
  // see part 30) go out again after a reload.
  var outQueue = [];
  var SendMsgResult = {
    OK: 'OK', ERROR_NETWORK: 'ERROR_NETWORK', ERROR_EXPIRED: 'ERROR_EXPIRED', ERROR_CANCELLED: 'ERROR_CANCELLED',
    ERROR_UPLOAD: 'ERROR_UPLOAD', ERROR_UNKNOWN: 'ERROR_UNKNOWN', ERROR_RATE_LIMIT: 'ERROR_RATE_LIMIT',
  };

  // Message fields stored and replayed as they are (media, link preview, reply).
  var EXTRA = ['caption', 'isCaptionByUser', 'filename', 'mimetype', 'size', 'filehash', 'directPath', 'mediaKey',
    'clientUrl', 'deprecatedMms3Url', 'encFilehash', 'mediaKeyTimestamp', 'isGif', 'title', 'description',
    'canonicalUrl', 'matchedText', 'subtype', 'preview', 'isSendFailure', 'quotedStanzaID', 'quotedMsg',
    'isStatusV3', 'broadcast', 'duration'];
  // Of those, what the server needs to know about an outgoing message.
  var WIRE = ['caption', 'filename', 'mimetype', 'size', 'directPath', 'title', 'description', 'canonicalUrl',
    'matchedText', 'quotedStanzaID', 'subtype'];

  function msgFromServer(j, isNew) {
    var key = new MsgKey({ fromMe: j.id.fromMe, remote: j.id.remote, id: j.id.id, participant: j.id.participant || undefined });
    var remote = key.remote;
    var mine = remote.isLid() ? (meLid() || mePn()) : mePn();
    var attrs = {
      id: key, body: j.body, type: j.type, t: j.t, ack: j.ack,
      from: key.fromMe ? mine : remote, to: key.fromMe ? remote : mine,
      author: j.author ? createWid(j.author) : undefined,
      self: key.fromMe ? 'out' : 'in', isNewMsg: !!isNew, notifyName: j.notifyName || undefined,
    };
    EXTRA.forEach(function (k) { if (j[k] !== undefined && j[k] !== null) attrs[k] = j[k]; });
    if (j.quotedParticipant) attrs.quotedParticipant = createWid(j.quotedParticipant);
    return attrs;
  }

  // The server's JSON shape of a message model (for the outbox).
  function msgToJson(m) {
    var a = m.attributes;
    var j = {
      id: { fromMe: m.id.fromMe, remote: m.id.remote._serialized, id: m.id.id,
            participant: m.id.participant ? m.id.participant._serialized : null, _serialized: m.id._serialized },
      body: a.body, type: a.type || 'chat', t: a.t, ack: 0,
    };
    EXTRA.forEach(function (k) { if (a[k] !== undefined && a[k] !== null && typeof a[k] !== 'object') j[k] = a[k]; });
    return j;
  }

  function wireBody(m) {
    var a = m.attributes;
    var body = {
      id: m.id.id, to: m.id.remote._serialized, participant: m.id.participant ? m.id.participant._serialized : undefined,
      type: a.type || 'chat', body: (a.type || 'chat') === 'chat' ? a.body : undefined,
    };
    WIRE.forEach(function (k) { if (a[k] !== undefined && a[k] !== null && typeof a[k] !== 'object') body[k] = a[k]; });
    return body;
  }

  // Stores a message in the local database; `load` also puts it into `Msg`
  // and its chat's `msgs` (live messages, the recent history).
  function addMsg(attrs, load) {
    dbPut(attrs);
    if (!load) return null;
    var m = Msg.add(attrs);
    var chat = ensureChat(attrs.id.remote);
    chat.msgs.add(m);
    if (attrs.t && attrs.t > (chat.get('t') || 0)) chat.set('t', attrs.t);
    return m;
  }

  function setAck(m, ack, extra) {
    var attrs = Object.assign({}, extra || {});
    if (ack === -1 || ack > (m.get('ack') || 0)) attrs.ack = ack;
    m.set(attrs);
    dbSet(m.id, attrs);
  }

  // ------------------------------------------------------------- outbox
  function outboxSave(m) { idb.put(idb.OUTBOX, m.id._serialized, msgToJson(m)).catch(function (e) { console.error('outbox', e); }); }
  function outboxDrop(m) { idb.del(idb.OUTBOX, m.id._serialized).catch(function (e) { console.error('outbox', e); }); }
  // After the sync: messages the server already has are done; the others
  // go back into the chat (ack 0) and out again, under the same key.
  function outboxResume() {
    return idb.entries(idb.OUTBOX).then(function (rows) {
      rows.forEach(function (row) {
        var key = row[0];
        // A lookup may have loaded it before the sync; the sync set its ack.
        var known = Msg.get(key);
        if (localDb.byKey.has(key) || (known && known.ack > 0)) { idb.del(idb.OUTBOX, key); return; }
        var attrs = msgFromServer(row[1], false);
        var m = Msg.get(key) || addMsg(attrs, true);
        if (outQueue.some(function (it) { return it.msg === m; })) return;
        outQueue.push({ msg: m, resolve: function () {} });
      });
    }, function (e) { console.error('outbox', e); });
  }

  // ------------------------------------------------------------- sending
  function sendNow(item) {
    var m = item.msg;
    net.rpc('send', { msg: wireBody(m) }).then(function (res) {
      outboxDrop(m);
      if (res && res.error) {
        // The server refused it (nack): the call returned, the ack turns -1.
        setAck(m, -1, { isSendFailure: true });
        item.resolve({ messageSendResult: SendMsgResult.ERROR_UNKNOWN });
      } else {
        setAck(m, 1);
        item.resolve({ messageSendResult: SendMsgResult.OK, t: res && res.t });
      }
    }, function (err) {
      if (err && (err.kind === 'offline' || err.kind === 'conflict')) { outQueue.push(item); return; }
      outboxDrop(m);
      setAck(m, -1, { isSendFailure: true });
      item.resolve({ messageSendResult: SendMsgResult.ERROR_UNKNOWN });
    });
  }

  function flushQueue() {
    if (Socket.get('state') !== 'CONNECTED') return;
    var q = outQueue;
    outQueue = [];
    q.forEach(sendNow);
  }

  // (chat, msgData, afterAdded?) as WhatsApp Web's: the optional third
  // argument runs once the message is in the chat, before it goes out.
  function addAndSendMsgToChat(chat, data, afterAdded) {
    var attrs = Object.assign({}, data instanceof Model ? data.attributes : data);
    if (!(attrs.id instanceof MsgKey)) {
      var bad = Promise.reject(new Error('addAndSendMsgToChat: msg.id must be a MsgKey'));
      bad.catch(function () {});
      return [bad, bad];
    }
    attrs.ack = 0;
    attrs.self = 'out';
    attrs.isNewMsg = true;
    if (!attrs.t) attrs.t = Math.floor(Date.now() / 1000);
    var m = addMsg(attrs, true);
    outboxSave(m);
    var added = Promise.resolve(m);
    var ready = typeof afterAdded === 'function' ? added.then(afterAdded).then(function () { return m; }) : added;
    var result = ready.then(function () {
      return new Promise(function (resolve) {
        outQueue.push({ msg: m, resolve: resolve });
        flushQueue();
      });
    });
    return [added, result];
  }

  // ------------------------------------------------------------- lookups
  // `Msg.getMessagesById([serialized, ...])` → `{messages}`: from `Msg`, else
  // loaded from the local database into `Msg` (isNewMsg false). A message
  // stored before the server took it is in that database too (WhatsApp
  // Web's message table holds it at the clock), also before the sync has
  // put it back into the chat: read from the outbox store then.
  Msg.getMessagesById = function (ids) {
    return Promise.all((ids || []).map(function (id) {
      var k = keyOf(id);
      var m = Msg.get(k);
      if (m) return m;
      var row = localDb.byKey.get(k);
      if (row) return Msg.add(Object.assign({}, row, { isNewMsg: false }));
      return idb.get(idb.OUTBOX, k).then(function (j) {
        // Into `Msg` only: the outbox resume still sends it (it is not the server's).
        return j ? (Msg.get(k) || Msg.add(msgFromServer(j, false))) : null;
      }, function () { return null; });
    })).then(function (found) {
      return { messages: found.filter(Boolean) };
    });
  };

  // WAWebDBMessageFindLocal: messages before/after an anchor key in its
  // chat's local history; status 404 when the anchor is not there.
  function msgFind(params, direction) {
    var key = keyOf(params && params.anchor);
    var row = key ? localDb.byKey.get(key) : null;
    if (!row) return Promise.resolve({ messages: [], status: 404 });
    var list = localDb.byChat.get(row.id.remote._serialized) || [];
    var at = list.indexOf(row);
    var count = params.count === undefined ? 50 : Math.max(0, Number(params.count) || 0);
    var rows = direction === 'before' ? list.slice(Math.max(0, at - count), at) : list.slice(at + 1, at + 1 + count);
    return Promise.resolve({ messages: rows.map(function (r) { return Object.assign({}, r); }), status: 200 });
  }
