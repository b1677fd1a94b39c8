
  // Part 30: acks and inbound messages, shared helpers, media preparation.
  // ------------------------------------------------------------ messages
  var hooked = false;
  var ackWaiters = Object.create(null); // message id -> [fn(ack)]
  function msgIdOf(m) { var k = attr(m, 'id'); return k ? String(k.id || '') : ''; }
  function isFromMe(m) { var k = attr(m, 'id'); return !!(k && k.fromMe); }
  function chatOk(w) { var t = widText(w) || ''; return /@(c\.us|g\.us|lid)$/.test(t); }

  function inbound(m) {
    var k = attr(m, 'id');
    var type = String(attr(m, 'type') || '');
    var body = type === 'chat' ? attr(m, 'body') : attr(m, 'caption');
    var t = Number(attr(m, 't')) || Math.floor(Date.now() / 1000);
    emit('message', {
      id: String(k.id), key: keyText(k), chat: widText(k.remote), author: widText(attr(m, 'author')),
      msg_type: type, text: typeof body === 'string' ? body : null, at: t, quoted_id: attr(m, 'quotedStanzaID') || null,
    });
  }

  function hookMessages() {
    var C = coll();
    if (hooked || !C) return;
    hooked = true;
    C.Msg.on('change:ack', function (m, ack) {
      if (!isFromMe(m)) return;
      var id = msgIdOf(m);
      var value = Number(ack !== undefined ? ack : attr(m, 'ack'));
      emit('ack', { id: id, key: keyText(attr(m, 'id')), ack: value });
      var w = ackWaiters[id];
      if (w) w.slice().forEach(function (f) { f(value); });
    });
    C.Msg.on('add', function (m) {
      // History loaded after a reload comes with isNewMsg false: not new.
      if (!attr(m, 'isNewMsg') || isFromMe(m)) return;
      var k = attr(m, 'id');
      if (!k || !chatOk(k.remote) || /status@broadcast/.test(widText(k.remote) || '')) return;
      if (attr(m, 'type') === 'ciphertext' && isFn(m.once)) { m.once('change:type', function () { inbound(m); }); return; }
      inbound(m);
    });
  }

  // ------------------------------------------------------------ helpers
  function wid(text) { return mods.WAWebWidFactory.createWid(String(text)); }
  function widIs(w, kind) {
    if (!w) return false;
    var f = w['is' + kind];
    if (isFn(f)) { try { return !!f.call(w); } catch (e) { /* below */ } }
    var t = widText(w) || '';
    return kind === 'Group' ? /@g\.us$/.test(t) : kind === 'Lid' ? /@lid$/.test(t) : /@c\.us$/.test(t);
  }
  function findLocal(id) {
    var C = coll();
    if (!C) return null;
    var list = isFn(C.Msg.getModelsArray) ? C.Msg.getModelsArray() : (C.Msg.models || []);
    for (var i = list.length - 1; i >= 0; i--) if (msgIdOf(list[i]) === id) return list[i];
    return null;
  }
  var existsCache = Object.create(null);
  function existsCached(w) {
    var k = widText(w), hit = existsCache[k];
    if (hit && Date.now() - hit.at < (hit.result ? 300000 : 15000)) return Promise.resolve(hit.result);
    return within(mods.WAWebQueryExistsJob.queryWidExists(w), 20000, 'queryWidExists').then(function (r) {
      var result = r && r.wid ? r : null;
      existsCache[k] = { at: Date.now(), result: result };
      return result;
    });
  }
  function meUsers() {
    var U = mods.WAWebUserPrefsMeUser;
    var pn = null, lid = null;
    try { pn = U.getMaybeMePnUser(); } catch (e) { /* none */ }
    try { lid = isFn(U.getMaybeMeLidUser) ? U.getMaybeMeLidUser() : null; } catch (e) { /* none */ }
    return { pn: pn, lid: lid };
  }
  function groupRole(gm) {
    var parts = attr(gm, 'participants');
    var mine = meUsers();
    var member = true, admin = false;
    if (parts && isFn(parts.iAmMember)) member = !!parts.iAmMember();
    if (parts && isFn(parts.iAmAdmin)) admin = !!parts.iAmAdmin();
    if (parts && (!isFn(parts.iAmMember) || !isFn(parts.iAmAdmin))) {
      var list = isFn(parts.getModelsArray) ? parts.getModelsArray() : (Array.isArray(parts) ? parts : []);
      var ids = [widText(mine.pn), widText(mine.lid)].filter(Boolean);
      var p = list.find(function (x) { return ids.indexOf(widText(attr(x, 'id'))) >= 0; });
      if (!isFn(parts.iAmMember)) member = !!p;
      if (!isFn(parts.iAmAdmin)) admin = !!(p && (attr(p, 'isAdmin') || attr(p, 'isSuperAdmin')));
    }
    return { member: member, admin: admin, announce: !!attr(gm, 'announce') };
  }
  function timelock() {
    var U = mods.WAWebReachoutTimelockUtils;
    if (!U) return Promise.resolve({ active: false, until: null });
    var active = false;
    try { active = !!U.isUserReachoutTimelocked(); } catch (e) { active = false; }
    var P = mods.WAWebUserPrefsIndexedDBStorage;
    if (!active || !P) return Promise.resolve({ active: active, until: null });
    var key = U.REACHOUT_TIMELOCK_IDB_KEY || 'WAReachoutTimelockState';
    return within(P.userPrefsIdb.get(key), 5000, 'timelock state').then(function (st) {
      var ends = st && Number(st.time_enforcement_ends || st.timeEnforcementEnds);
      return { active: true, until: ends || null };
    }, function () { return { active: true, until: null }; });
  }
  function mayReachOut(chat) {
    var U = mods.WAWebReachoutTimelockUtils;
    if (!U || !isFn(U.canSendMsgWhileTimelocked)) return true;
    try { return !!U.canSendMsgWhileTimelocked({ chat: chat, contact: attr(chat, 'contact') }); } catch (e) { return false; }
  }
  function noLid(e) { return /No LID for user|Lid is missing/i.test(errText(e)); }
  // The maintainers' advice for "No LID for user": the current lid, else
  // let queryWidExists create the phone-lid mapping.
  function mapLid(w) {
    var A = mods.WAWebApiContact, lid = null;
    try { lid = A ? A.getCurrentLid(w) : null; } catch (x) { lid = null; }
    if (lid || !mods.WAWebQueryExistsJob) return Promise.resolve(lid);
    delete existsCache[widText(w)];
    return existsCached(w);
  }

  // ------------------------------------------------------------ media
  var media = Object.create(null); // message id -> {parts, received}
  function decodeB64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function OpaqueClass() { return mods.WAWebMediaOpaqueData; }
  function buildMedia(req, file) {
    var O = OpaqueClass(), asDoc = req.kind === 'document';
    return within(O.createFromData(file, req.mimetype), 30000, 'createFromData').then(function (opaque) {
      var prep = mods.WAWebPrepRawMedia.prepRawMedia(opaque, { asDocument: asDoc, isPtt: false, asGif: false, asSticker: false });
      return within(prep.waitForPrep(), 60000, 'prepRawMedia');
    }).then(function (data) {
      if (!data || !attr(data, 'filehash')) throw new Error('media preparation gave no file hash');
      var obj = mods.WAWebMediaStorage.getOrCreateMediaObject(attr(data, 'filehash'));
      var mediaType = mods.WAWebMmsMediaTypes.msgToMediaType({ type: attr(data, 'type'), isGif: attr(data, 'isGif') });
      var blob = attr(data, 'mediaBlob');
      var wrap = isFn(O) && blob && !(blob instanceof O) ? within(O.createFromData(blob, blob.type), 30000, 'createFromData') : Promise.resolve(blob);
      return wrap.then(function (b) {
        if (isFn(data.set)) data.set({ mediaBlob: b }); else data.mediaBlob = b;
        if (isFn(obj.consolidate)) obj.consolidate(isFn(data.toJSON) ? data.toJSON() : data);
        if (b && isFn(b.autorelease)) b.autorelease();
        var up = mods.WAWebMediaMmsV4Upload.uploadMedia({ mimetype: attr(data, 'mimetype'), mediaObject: obj, mediaType: mediaType });
        return within(up, req.uploadMs, 'upload');
      }).then(function (res) {
        var e = res && res.mediaEntry;
        if (!e) throw new Error('the upload made no media entry');
        var fields = {
          clientUrl: e.mmsUrl, deprecatedMms3Url: e.deprecatedMms3Url, directPath: e.directPath, mediaKey: e.mediaKey,
          mediaKeyTimestamp: e.mediaKeyTimestamp, filehash: obj.filehash, encFilehash: e.encFilehash, uploadhash: e.uploadHash,
          size: obj.size !== undefined ? obj.size : attr(data, 'size'), streamingSidecar: e.sidecar, firstFrameSidecar: e.firstFrameSidecar,
        };
        if (isFn(data.set)) data.set(fields);
        var json = Object.assign({}, isFn(data.toJSON) ? data.toJSON() : data, fields);
        delete json.mediaBlob;
        json.body = attr(data, 'preview');
        if (req.caption) { json.caption = req.caption; json.isCaptionByUser = true; }
        if (asDoc) json.filename = req.fileName; else delete json.filename;
        return json;
      });
    });
  }
