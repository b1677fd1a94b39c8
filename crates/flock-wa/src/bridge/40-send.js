
  // Part 40: sending: checks, the message, following it to the server.
  // ------------------------------------------------------------ send
  function fail(error, extra) { return Object.assign({ ok: false, error: error }, extra || {}); }
  function accepted(m, chatId) {
    var k = attr(m, 'id');
    return { ok: true, id: String(k.id), key: keyText(k), chat: widText(k.remote) || widText(chatId), t: Number(attr(m, 't')) || Math.floor(Date.now() / 1000) };
  }
  function failureReason(chat, result) {
    return timelock().then(function (tl) {
      if (tl.active && !widIs(chat.id, 'Group')) return fail('timelocked', { until: tl.until, stage: 'after' });
      var gm = widIs(chat.id, 'Group') && (attr(chat, 'groupMetadata') || coll().GroupMetadata.get(chat.id));
      if (gm) {
        var r = groupRole(gm);
        if (!r.member) return fail('not_participant', { stage: 'after' });
        if (r.announce && !r.admin) return fail('admins_only', { stage: 'after' });
      }
      return fail('rejected', { result: String(result), stage: 'after' });
    });
  }
  // Waits for the message to reach the server (ack >= 1), fail (ack < 0 or
  // a failed send result), or the deadline (outcome unknown).
  function followAck(id, chat, m, sendResult, ms) {
    return new Promise(function (resolve) {
      var done = false, list = ackWaiters[id] = ackWaiters[id] || [];
      function finish(v) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        var i = list.indexOf(onAck);
        if (i >= 0) list.splice(i, 1);
        if (!list.length) delete ackWaiters[id];
        resolve(v);
      }
      function onAck(a) {
        if (a >= 1) finish(accepted(findLocal(id) || m, chat.id));
        else if (a < 0) finish(failureReason(chat, 'ack ' + a));
      }
      list.push(onAck);
      var timer = setTimeout(function () { finish(fail('unknown', { reason: 'no server ack within ' + Math.round(ms / 1000) + ' s' })); }, ms);
      Promise.resolve(sendResult).then(function (r) {
        var res = r && typeof r === 'object' ? r.messageSendResult : r;
        if (res !== undefined && res !== null && String(res) !== 'OK') finish(failureReason(chat, res));
        else { var cur = findLocal(id); if (cur) onAck(Number(attr(cur, 'ack'))); }
      }, function (e) { finish(fail('unknown', { reason: 'send result: ' + errText(e) })); });
      var now = findLocal(id);
      if (now) onAck(Number(attr(now, 'ack')));
    });
  }

  function sendMsg(req) {
    var C = coll(), to = wid(req.to), chat = null;
    var existing = findLocal(req.id);
    // Never twice: a message with this id is already here; follow it.
    if (existing) return followAck(req.id, { id: attr(existing, 'id').remote }, existing, null, req.ackMs);
    var s = socket();
    if (!s || String(s.state) !== 'CONNECTED') return Promise.resolve(fail('not_connected', { state: s ? String(s.state) : null }));
    var steps = Promise.resolve();
    if (widIs(to, 'Group')) {
      var gm = C.GroupMetadata.get(to);
      if (!gm) return Promise.resolve(fail('not_participant'));
      var role = groupRole(gm);
      if (!role.member) return Promise.resolve(fail('not_participant'));
      if (role.announce && !role.admin) return Promise.resolve(fail('admins_only'));
    } else if (widIs(to, 'User') && mods.WAWebQueryExistsJob) {
      steps = existsCached(to).then(function (r) { if (!r) throw { definite: fail('not_on_whatsapp') }; });
    }
    function findChat(retried) {
      var existing = C.Chat.get(to);
      if (existing) return Promise.resolve(existing);
      return within(Promise.resolve().then(function () { return mods.WAWebFindChatAction.findOrCreateLatestChat(to); }), 20000, 'findOrCreateLatestChat')
        .then(function (r) { return r && (r.chat || r); }, function (e) {
          if (!noLid(e) || retried) throw e;
          return mapLid(to).then(function () { return findChat(true); });
        });
    }
    return steps.then(function () { return findChat(false); }).then(function (c) {
      chat = c;
      if (!chat || !chat.id) throw { definite: fail('rejected', { result: 'no chat for this id' }) };
      if (widIs(chat.id, 'Group')) return null;
      return timelock().then(function (tl) {
        if (tl.active && !mayReachOut(chat)) throw { definite: fail('timelocked', { until: tl.until }) };
      });
    }).then(function () {
      if (req.kind === 'text') return { type: 'chat', body: req.body };
      if (req.kind === 'link') return linkFields(req.body);
      var buf = media[req.id];
      if (!buf) throw { definite: fail('media_rejected', { reason: 'the file did not reach the page' }) };
      // Only a document carries its file name (a photo's local name is nobody's business).
      if (!buf.file) {
        buf.file = req.kind === 'document' ? new File(buf.parts, req.fileName || 'file', { type: req.mimetype }) : new Blob(buf.parts, { type: req.mimetype });
        buf.parts = [];
      }
      return buildMedia(req, buf.file).catch(function (e) {
        if (e && e.timeout === 'upload') throw { definite: fail('upload_stalled', { ms: e.ms }) };
        throw { definite: fail('media_rejected', { reason: e && e.timeout ? e.timeout + ' did not finish' : errText(e) }) };
      });
    }).then(function (fields) {
      return addAndFollow(req, chat, fields, false);
    }).catch(function (e) {
      if (e && e.definite) return e.definite;
      // Nothing was sent; a connection lost meanwhile is said as such (the host waits and tries again).
      var st = socket() ? String(socket().state) : null;
      if (st !== 'CONNECTED') return fail('not_connected', { state: st });
      if (e && e.timeout) return fail('rejected', { result: e.timeout + ' did not answer', stage: 'before' });
      return fail('rejected', { result: errText(e), stage: 'before' });
    }).then(function (r) {
      if (!r || r.error !== 'not_connected') delete media[req.id];
      return r;
    });
  }

  function linkFields(body) {
    var link = mods.WALinkify.findLink(body);
    var base = { type: 'chat', body: body };
    if (!link) return base;
    return within(mods.WAWebLinkPreviewChatAction.getLinkPreview(link), 20000, 'getLinkPreview').then(function (p) {
      return p && p.data ? Object.assign(base, p.data, { preview: true, subtype: 'url' }) : base;
    }, function () { return base; }); // no preview (site down): the text still goes
  }

  function addAndFollow(req, chat, fields, retried) {
    var mine = meUsers();
    var isGroup = widIs(chat.id, 'Group');
    var gm = isGroup ? (attr(chat, 'groupMetadata') || coll().GroupMetadata.get(chat.id)) : null;
    var useLid = widIs(chat.id, 'Lid') || (isGroup && gm && attr(gm, 'isLidAddressingMode'));
    var from = (useLid && mine.lid) || mine.pn;
    var MsgKey = mods.WAWebMsgKey;
    var key = new MsgKey({ from: from, to: chat.id, id: req.id, participant: isGroup ? from : undefined, selfDir: 'out' });
    var msg = Object.assign({ id: key, ack: 0, body: undefined, from: from, to: chat.id, local: true, self: 'out', t: Math.floor(Date.now() / 1000), isNewMsg: true, type: 'chat' }, fields);
    var pair;
    try { pair = mods.WAWebSendMsgChatAction.addAndSendMsgToChat(chat, msg); } catch (e) { return retryLid(e); }
    function retryLid(e) {
      // "No LID for user": map the lid (getCurrentLid, else queryWidExists)
      // and try once more, with the same id, only if nothing was added.
      if (!noLid(e) || retried || findLocal(req.id)) return findLocal(req.id) ? followAck(req.id, chat, findLocal(req.id), null, req.ackMs) : fail('rejected', { result: errText(e), stage: 'before' });
      return mapLid(chat.id).then(function () { return addAndFollow(req, chat, fields, true); }, function () { return fail('rejected', { result: errText(e), stage: 'before' }); });
    }
    var msgPromise = pair && pair[0], sendResult = pair && pair[1];
    return within(msgPromise, 20000, 'adding the message').then(function (m) {
      return followAck(req.id, chat, m || findLocal(req.id), sendResult, req.ackMs);
    }, function (e) {
      if (noLid(e) && !findLocal(req.id)) return retryLid(e);
      var here = findLocal(req.id);
      if (here) return followAck(req.id, chat, here, sendResult, req.ackMs);
      return fail(e && e.timeout ? 'unknown' : 'rejected', { result: errText(e), reason: e && e.timeout ? 'the message was not added within 20 s' : undefined, stage: 'before' });
    });
  }
