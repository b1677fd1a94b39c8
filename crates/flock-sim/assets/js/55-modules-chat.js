
  // Part 55: the module table, chats: getters, lid migration, the stream
  // (user presence), marking chats seen, ephemeral fields, calls, gating.
  // Names and shapes as WhatsApp Web's own modules have them; the ones
  // whatsapp-web.js requires on its way to `ready` and `sendMessage`.

  function field(k, dflt) {
    return function (m) { var v = m ? m[k] : undefined; return v === undefined ? dflt : v; };
  }
  function idTest(test) { return function (m) { var w = m && m.id; return !!w && test(w); }; }

  defineNamed('WAWebChatGetters', function () {
    return {
      getId: field('id'), getT: field('t'), getUnreadCount: field('unreadCount', 0), getArchive: field('archive'),
      getIsReadOnly: field('isReadOnly'), getMuteExpiration: field('muteExpiration', 0), getName: field('name'),
      getTcToken: field('tcToken'), getIsUser: idTest(function (w) { return w.isUser(); }),
      getIsGroup: idTest(function (w) { return w.isGroup(); }), getIsBroadcast: idTest(function (w) { return w.isBroadcast(); }),
      getIsNewsletter: idTest(function (w) { return w.isNewsletter(); }), getIsBot: idTest(function (w) { return w.isBot(); }),
      getHasUnread: function (m) { return field('unreadCount', 0)(m) !== 0; },
    };
  });

  // Phone number <-> privacy id of the same person, from the page's lid-pn
  // cache; null when the page does not know the other one.
  defineNamed('WAWebLidMigrationUtils', function () {
    function toPn(wid) {
      var w = createWid(wid);
      if (w.server === 'c.us') return w;
      return w.isLid() ? pnOfLid(w) || null : null;
    }
    function toLid(wid) {
      var w = createWid(wid);
      if (w.isLid()) return w;
      return w.server === 'c.us' ? lidOfPn(w) || null : null;
    }
    return { toPn: toPn, toLid: toLid, toUserLid: toLid };
  });

  // The user's presence (WAWebStreamModel.Stream): `available` while the
  // window has focus, or after markAvailable().
  var Stream = new Model({ id: '1', available: !!(document.hasFocus && document.hasFocus()) });
  Stream.markAvailable = function () { this.set('available', true); };
  Stream.markUnavailable = function () { this.set('available', false); };
  defineNamed('WAWebStreamModel', function () { return { Stream: Stream }; });

  // Marking a chat seen ({chat, threadId, afterAvailable}): nothing to do
  // without unread messages; while the user is away it waits for
  // `change:available` (unless afterAvailable is false); then the unread
  // count goes to 0.
  function sendSeen(o) {
    var chat = o && o.chat;
    if (!chat || !isFn(chat.get)) return Promise.reject(new Error('sendSeen: no chat'));
    var afterAvailable = o.afterAvailable === undefined ? true : !!o.afterAvailable;
    if (chat.get('markedUnread') || !(chat.get('unreadCount') > 0)) return Promise.resolve();
    if (!Stream.get('available') && afterAvailable) {
      chat.listenToOnce(Stream, 'change:available', function () { sendSeen({ chat: chat }); });
      return Promise.resolve();
    }
    chat.set({ unreadCount: 0, markedUnread: false });
    return Promise.resolve();
  }
  function isFn(f) { return typeof f === 'function'; }
  defineNamed('WAWebUpdateUnreadChatAction', function () { return { sendSeen: sendSeen }; });

  // No chat here has disappearing messages: no ephemeral fields.
  defineNamed('WAWebGetEphemeralFieldsMsgActionsUtils', function () {
    return { getEphemeralFields: function () { return {}; } };
  });

  // The calls collection (default export); no calls are simulated.
  var CallCollection = new Collection(Model);
  CallCollection.activeCall = null;
  defineValue('WAWebCallCollection', function () { return CallCollection; });

  // History-sync gating (AB props): every one of these features is off.
  defineNamed('WAWebSyncGatingUtils', function () {
    function off() { return false; }
    return {
      isHistorySyncOnDemandEnabled: off, shouldPopulateStarMessageWithTimestamp: off,
      isPlaceholderMessageResendEnabled: off, isWebLinkPreviewNseSupportEnabled: off,
      isMessagePlaceholderResendNseSupportEnabled: off, isRecentSyncDownloadOptimizationEnabled: off,
      isOnDemandExtendedHistorySyncForHybridEnabled: off, isHistorySyncOnDemandCompleteCompanionEnabled: off,
    };
  });
