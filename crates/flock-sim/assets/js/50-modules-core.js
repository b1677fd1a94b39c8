
  // Part 50: the module table, core: socket, connection, commands, ids,
  // collections, chats, sending, message keys, existence, contacts.

  defineNamed('WAWebSocketModel', function () {
    Socket.takeover = function () { net.send({ t: 'takeover' }); };
    Socket.logout = function () { net.send({ t: 'logout' }); };
    return { Socket: Socket };
  });
  defineNamed('WAWebConnModel', function () { return { Conn: Conn }; });
  defineNamed('WAWebCmd', function () {
    Cmd.refreshQR = function () { net.send({ t: 'refresh_qr' }); };
    return { Cmd: Cmd };
  });
  defineNamed('WAWebOfflineHandler', function () {
    return { OfflineMessageHandler: { getOfflineDeliveryProgress: function () { return offlineProgress; } } };
  });
  defineNamed('WAWebWidFactory', function () {
    return {
      createWid: createWid,
      createUserWid: function (user, server) { return createWid(String(user) + '@' + (server || 'c.us')); },
      createUserWidOrThrow: function (user, server) {
        var s = String(user);
        return createWid(s.indexOf('@') > 0 ? s : s + '@' + (server || 'c.us'));
      },
      isWidlike: function (x) { try { createWid(x); return true; } catch (e) { return false; } },
      createWidFromWidLike: function (x) {
        return createWid(x && typeof x === 'object' && x._serialized === undefined && x.user !== undefined ? x.user + '@' + x.server : x);
      },
      asUserWidOrThrow: function (x) {
        var w = createWid(x);
        if (!w.isUser()) throw new Error('asUserWidOrThrow: not a user wid: ' + w.toLogString());
        return w;
      },
    };
  });
  defineNamed('WAWebUserPrefsMeUser', function () {
    return {
      getMaybeMePnUser: mePn,
      getMaybeMeLidUser: meLid,
      getMaybeMeUser: mePn,
      getMePnUserOrThrow: function () { var w = mePn(); if (!w) throw new Error('getMePnUserOrThrow: not logged in'); return w; },
      getMeUser: function () { var w = mePn(); if (!w) throw new Error('getMeUser: not logged in'); return w; },
      isMeAccount: isMe,
    };
  });
  defineNamed('WAWebCollections', function () {
    return { Chat: Chat, Msg: Msg, Contact: Contact, GroupMetadata: GroupMetadata };
  });
  defineNamed('WAWebMsgCollection', function () { return { MsgCollection: Msg }; });
  defineNamed('WAWebChatCollection', function () { return { ChatCollection: Chat }; });
  defineNamed('WAWebContactCollection', function () { return { ContactCollection: Contact }; });

  // The contact query inside the chat lookup (usync): maps the lid.
  function contactQuery(pnWid) {
    return net.rpc('query_exists', { wid: pnWid._serialized }).then(function (res) {
      if (res && res.mapping) learnLid(res.mapping.pn, res.mapping.lid);
      return lidOfPn(pnWid);
    }, function () { return undefined; });
  }
  // One-to-one chats of a lid-migrated account are chosen by lid: the
  // chat already open with that person, else a new `@lid` chat.
  function oneToOneChat(pn, lid) {
    var existing = (pn && Chat.get(pn)) || Chat.get(lid);
    if (existing) return { chat: existing, created: false };
    return { chat: ensureChat(lid), created: true };
  }
  function findOrCreateLatestChat(wid) {
    return Promise.resolve().then(function () {
      var w = createWid(wid);
      if (w.isLid()) return oneToOneChat(pnOfLid(w), w);
      if (w.server === 'c.us') {
        var known = lidOfPn(w);
        var lookup = known ? Promise.resolve(known) : SETTINGS.noLidUntilQueried ? Promise.resolve(undefined) : contactQuery(w);
        return lookup.then(function (lid) {
          if (!lid) throw new Error('No LID for user');
          return oneToOneChat(w, lid);
        });
      }
      var existed = !!Chat.get(w);
      return { chat: ensureChat(w), created: !existed };
    });
  }
  defineNamed('WAWebFindChatAction', function () {
    return {
      findOrCreateLatestChat: findOrCreateLatestChat,
      findExistingChat: function (wid) { return Promise.resolve(Chat.get(createWid(wid)) || null); },
    };
  });
  defineNamed('WAWebSendMsgChatAction', function () {
    return { addAndSendMsgToChat: addAndSendMsgToChat };
  });
  defineNamed('WAWebSendMsgResultAction', function () { return { SendMsgResult: SendMsgResult }; });
  defineValue('WAWebMsgKey', function () { return MsgKey; });
  defineNamed('WAWebDBMessageFindLocal', function () {
    return {
      msgFindByDirection: function (p) { return msgFind(p, p && p.direction === 'after' ? 'after' : 'before'); },
      msgFindBefore: function (p) { return msgFind(p, 'before'); },
      msgFindAfter: function (p) { return msgFind(p, 'after'); },
    };
  });

  function queryExists(widText) {
    return net.rpc('query_exists', { wid: widText }).then(function (res) {
      if (!res) return null;
      if (res.mapping) learnLid(res.mapping.pn, res.mapping.lid);
      return { wid: createWid(res.wid), biz: !!res.biz, bizInfo: undefined, isUsernameSearch: false };
    });
  }
  defineNamed('WAWebQueryExistsJob', function () {
    return {
      queryWidExists: function (wid) { return queryExists(keyOf(wid)); },
      queryPhoneExists: function (phone) { return queryExists(String(phone).replace(/[^0-9]/g, '') + '@c.us'); },
    };
  });
  defineNamed('WAWebApiContact', function () {
    return {
      getCurrentLid: function (wid) { return lidOfPn(wid); },
      getPhoneNumber: function (wid) { return pnOfLid(wid); },
      getAlternateUserWid: function (wid) { var w = createWid(wid); return w.isLid() ? pnOfLid(w) : lidOfPn(w); },
    };
  });
