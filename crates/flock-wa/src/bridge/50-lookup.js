
  // Part 50: finding a message again by id.
  // ------------------------------------------------------------ lookup
  function lookupMsg(id, chatHint) {
    var C = coll();
    var searched = 0;
    function found(m) {
      var k = attr(m, 'id');
      return { ok: true, found: true, ack: Number(attr(m, 'ack')) || 0, key: keyText(k), chat: widText(k && k.remote) };
    }
    var local = findLocal(id);
    if (local) return Promise.resolve(found(local));
    searched += C.Msg.length || 0;
    var chats = [];
    if (chatHint) {
      try { var h = wid(chatHint); chats.push(h); var L = mods.WAWebApiContact; var l = L && widIs(h, 'User') ? L.getCurrentLid(h) : null; if (l) chats.push(l); } catch (e) { /* none */ }
    }
    var byId = Promise.resolve(null);
    if (isFn(C.Msg.getMessagesById) && chats.length) {
      var mine = meUsers(), keys = [];
      chats.forEach(function (c) {
        var base = 'true_' + widText(c) + '_' + id;
        keys.push(base);
        if (widIs(c, 'Group')) [mine.pn, mine.lid].filter(Boolean).forEach(function (u) { keys.push(base + '_' + widText(u)); });
      });
      byId = within(C.Msg.getMessagesById(keys), 10000, 'getMessagesById').then(function (r) {
        var list = (r && r.messages) || [];
        return list.find(function (m) { return msgIdOf(m) === id; }) || null;
      }, function () { return null; });
    }
    return byId.then(function (m) {
      if (m) return found(m);
      var models = chats.map(function (c) { return C.Chat.get(c); }).filter(Boolean);
      if (!chats.length) models = isFn(C.Chat.getModelsArray) ? C.Chat.getModelsArray() : [];
      for (var i = 0; i < models.length; i++) {
        var msgs = models[i].msgs;
        var list = msgs && isFn(msgs.getModelsArray) ? msgs.getModelsArray() : [];
        searched += list.length;
        var hit = list.find(function (x) { return msgIdOf(x) === id; });
        if (hit) return found(hit);
      }
      return searchHistory(models, id).then(function (r) {
        searched += r.searched;
        return r.msg ? found(r.msg) : { ok: true, found: false, searched: searched };
      });
    });
  }
  function oldestOf(list) {
    return list.reduce(function (a, b) { return (Number(attr(b, 't')) || 0) < (Number(attr(a, 't')) || 0) ? b : a; });
  }
  // Local history, page by page back from each chat's oldest loaded message.
  function searchHistory(chats, id) {
    var F = mods.WAWebDBMessageFindLocal;
    var total = 0;
    if (!F) return Promise.resolve({ msg: null, searched: 0 });
    function chatPages(chat, anchor, pages) {
      if (!anchor || pages >= 20) return Promise.resolve(null);
      return within(F.msgFindByDirection({ anchor: anchor, count: 100, direction: 'before' }), 10000, 'msgFindByDirection').then(function (r) {
        var list = (r && r.messages) || [];
        total += list.length;
        var hit = list.find(function (x) { return msgIdOf(x) === id; });
        if (hit || !list.length) return hit || null;
        return chatPages(chat, attr(oldestOf(list), 'id'), pages + 1);
      }, function () { return null; });
    }
    return chats.reduce(function (p, chat) {
      return p.then(function (hit) {
        if (hit) return hit;
        var loaded = chat.msgs && isFn(chat.msgs.getModelsArray) ? chat.msgs.getModelsArray() : [];
        var oldest = loaded.length ? attr(oldestOf(loaded), 'id') : null;
        return chatPages(chat, oldest, 0);
      });
    }, Promise.resolve(null)).then(function (msg) { return { msg: msg, searched: total }; });
  }
