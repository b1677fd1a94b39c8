
  // Part 60: the commands the host calls, and start.
  // ------------------------------------------------------------ commands
  function json(v) { return JSON.stringify(v); }
  function need(cap) { return has(cap) ? null : fail('capability', { capability: cap }); }
  // Long commands: answered later with a `reply` event for call number `call`.
  function later(call, work) {
    Promise.resolve().then(work).then(function (r) { emit('reply', { call: call, result: r }); },
      function (e) { emit('reply', { call: call, result: fail('rejected', { result: errText(e), stage: 'before' }) }); });
    return json({ ok: true, started: true });
  }

  bridge.pairingCode = function (phoneDigits) {
    var A = mods.WAWebAltDeviceLinkingApi;
    if (!A) { emit('pairing_error', { message: 'WAWebAltDeviceLinkingApi not found' }); return json(fail('capability', { capability: 'login_pairing' })); }
    within(Promise.resolve().then(function () { A.setPairingType('ALT_DEVICE_LINKING'); return A.initializeAltDeviceLinking(); }), 20000, 'initializeAltDeviceLinking')
      .then(function () { return within(A.startAltLinkingFlow(String(phoneDigits), true), 20000, 'startAltLinkingFlow'); })
      .then(function (code) { emit('pairing_code', { code: String(code) }); },
        function (e) { emit('pairing_error', { message: e && e.timeout ? e.timeout + ' did not answer' : errText(e) }); });
    return json({ ok: true });
  };
  function simple(what, f) {
    try { f(); return json({ ok: true }); } catch (e) { emit('error', { message: what + ': ' + errText(e) }); return json(fail('rejected', { result: errText(e) })); }
  }
  bridge.takeover = function () { return simple('takeover', function () { socket().takeover(); }); };
  bridge.logout = function () { return simple('logout', function () { socket().logout(); }); };
  bridge.refreshQr = function () { return simple('refreshQR', function () { mods.WAWebCmd.Cmd.refreshQR(); }); };
  bridge.capabilities = function () { return json({ ok: true, capabilities: capabilities() }); };
  bridge.status = function () { var s = socket(); return json({ ok: true, state: s ? String(s.state) : null, has_synced: synced() }); };

  // Every group this account is in, with its participants. A participant's
  // name and, for a `@lid` privacy id, its phone come from the Contact
  // collection when the account knows that person (nothing is invented).
  // Groups the account left stay in GroupMetadata (read-only, without us):
  // they are not listed, so the host records them as left.
  bridge.groups = function () {
    var C = coll();
    if (!C) return json(need('groups'));
    try {
      var contactOf = function (w) { try { return C.Contact ? C.Contact.get(w) : null; } catch (e) { return null; } };
      var groups = [];
      C.GroupMetadata.getModelsArray().forEach(function (g) {
        var role = groupRole(g);
        if (!role.member) return;
        var parts = attr(g, 'participants');
        var list = parts && isFn(parts.getModelsArray) ? parts.getModelsArray() : (parts || []);
        groups.push({
          waId: widText(attr(g, 'id')), subject: String(attr(g, 'subject') || ''), description: attr(g, 'desc') || null,
          lidAddressing: !!attr(g, 'isLidAddressingMode'), announce: role.announce, iAmMember: role.member, iAmAdmin: role.admin,
          participants: list.map(function (p) {
            var id = attr(p, 'id'), c = contactOf(id), pn = c && attr(c, 'phoneNumber');
            return {
              wid: widText(id), isAdmin: !!attr(p, 'isAdmin'), isSuperAdmin: !!attr(p, 'isSuperAdmin'),
              phoneE164: pn && pn.user ? '+' + pn.user : null, name: (c && (attr(c, 'name') || attr(c, 'pushname'))) || null,
            };
          }),
        });
      });
      return json({ ok: true, groups: groups });
    } catch (e) {
      return json(fail('rejected', { result: errText(e) }));
    }
  };

  // The page's own upload limit for a media type, in bytes (null: none).
  bridge.uploadLimit = function (kind) {
    var G = mods.WAWebMediaGatingUtils, limit = null;
    try { limit = G ? Number(G.getUploadLimit(String(kind))) || null : null; } catch (e) { limit = null; }
    return json({ ok: true, limit: limit });
  };
  // Media bytes arrive in base64 chunks, kept per message id until the send.
  bridge.mediaBegin = function (id) { media[id] = { parts: [], received: 0 }; return json({ ok: true }); };
  bridge.mediaChunk = function (id, b64) {
    var m = media[id];
    if (!m) return json(fail('rejected', { result: 'no media upload for this id' }));
    var bytes = decodeB64(b64);
    m.parts.push(bytes);
    m.received += bytes.length;
    return json({ ok: true, received: m.received });
  };
  bridge.mediaDrop = function (id) { delete media[id]; return json({ ok: true }); };

  bridge.send = function (call, req) {
    return later(call, function () { return need(req.kind === 'text' ? 'send_text' : req.kind === 'link' ? 'link_preview' : 'send_media') || sendMsg(req); });
  };
  bridge.exists = function (call, text) {
    return later(call, function () {
      return need('exists') || within(mods.WAWebQueryExistsJob.queryWidExists(wid(text)), 20000, 'queryWidExists').then(function (r) {
        return { ok: true, wid: r && r.wid ? widText(r.wid) : null };
      }, function (e) { return fail(e && e.timeout ? 'unknown' : 'rejected', { result: e && e.timeout ? 'queryWidExists did not answer' : errText(e) }); });
    });
  };
  bridge.lookup = function (call, id, chatHint) { return later(call, function () { return need('lookup') || lookupMsg(String(id), chatHint || null); }); };
  bridge.timelock = function (call) {
    return later(call, function () { return need('timelock') || timelock().then(function (t) { return { ok: true, active: t.active, until: t.until }; }); });
  };

  bridge.info = function () {
    return json({ duplicates: bridge.duplicates, version: bridge.version, booted: bridge.booted, missing: bridge.missing, href: location.href, routes: routes, media: Object.keys(media).length });
  };

  emit('hello', { href: String(location.href) });
  watchBoot();
})();
