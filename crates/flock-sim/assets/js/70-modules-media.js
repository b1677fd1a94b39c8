
  // Part 70: the module table, media (OpaqueData -> prepRawMedia -> MediaStorage
  // object -> MMS upload), upload limits, link previews.
  function OpaqueData(blob, type) { this._blob = blob; this.type = type || blob.type; this.size = blob.size; this._url = null; }
  OpaqueData.createFromData = function (data, type) {
    var blob = data instanceof Blob ? data : new Blob([data], { type: type });
    return Promise.resolve(new OpaqueData(blob, type));
  };
  OpaqueData.prototype.url = function () { if (!this._url) this._url = URL.createObjectURL(this._blob); return this._url; };
  OpaqueData.prototype.autorelease = function () { var self = this; setTimeout(function () { if (self._url) URL.revokeObjectURL(self._url); self._url = null; }, 30000); };
  OpaqueData.prototype.formData = function () { return this._blob; };
  OpaqueData.prototype.arrayBuffer = function () { return this._blob.arrayBuffer(); };
  defineValue('WAWebMediaOpaqueData', function () { return OpaqueData; });

  function typeFromMime(mime, opts) {
    if (opts && opts.asDocument) return 'document';
    if (/^image\//.test(mime)) return opts && opts.asSticker ? 'sticker' : 'image';
    if (/^video\//.test(mime)) return 'video';
    if (/^audio\//.test(mime)) return opts && opts.isPtt ? 'ptt' : 'audio';
    return 'document';
  }
  defineNamed('WAWebPrepRawMedia', function () {
    return {
      prepRawMedia: function (opaque, opts) {
        opts = opts || {};
        var done = opaque._blob.arrayBuffer().then(function (buf) {
          return crypto.subtle.digest('SHA-256', buf);
        }).then(function (hash) {
          return new Model({
            type: typeFromMime(opaque.type, opts), mimetype: opaque.type, filehash: encodeB64(hash),
            size: opaque.size, mediaBlob: opaque, filename: opaque._blob.name || undefined,
            isGif: !!opts.asGif, caption: opts.caption,
          });
        });
        return { waitForPrep: function () { return done; } };
      },
    };
  });
  defineNamed('WAWebMmsMediaTypes', function () {
    return {
      msgToMediaType: function (m) { return m.type === 'sticker' ? 'sticker' : m.type === 'video' && m.isGif ? 'gif' : m.type; },
      castToV4: function (t) { return t; },
    };
  });
  var mediaObjects = new Map();
  defineNamed('WAWebMediaStorage', function () {
    return {
      getOrCreateMediaObject: function (filehash) {
        var o = mediaObjects.get(filehash);
        if (!o) {
          o = { filehash: filehash, size: undefined, type: undefined, mediaBlob: null, entries: [] };
          o.consolidate = function (j) {
            if (j.size !== undefined) o.size = j.size;
            if (j.type) o.type = j.type;
            if (j.mimetype) o.mimetype = j.mimetype;
            if (j.mediaBlob) o.mediaBlob = j.mediaBlob;
          };
          mediaObjects.set(filehash, o);
        }
        return o;
      },
    };
  });
  defineNamed('WAWebMediaMmsV4Upload', function () {
    return {
      uploadMedia: function (o) {
        var obj = o.mediaObject;
        if (!obj || !obj.mediaBlob) return Promise.reject(new Error('uploadMedia: media object has no data'));
        var token = net.token();
        return fetch('/_wa/mms/' + encodeURIComponent(o.mediaType || obj.type || 'document') + '?auth=' + encodeURIComponent(token || ''), {
          method: 'POST', headers: { 'Content-Type': o.mimetype || obj.mimetype || 'application/octet-stream' }, body: obj.mediaBlob._blob,
        }).then(function (resp) {
          if (!resp.ok) throw new Error('upload failed: HTTP ' + resp.status);
          return resp.json();
        }).then(function (j) {
          var entry = {
            mmsUrl: j.url, deprecatedMms3Url: j.url, directPath: j.directPath, mediaKey: randomB64(32),
            mediaKeyTimestamp: Math.floor(Date.now() / 1000), encFilehash: j.filehash, uploadHash: j.filehash,
            sidecar: undefined, firstFrameSidecar: undefined,
          };
          obj.entries.push(entry);
          return { mediaEntry: entry };
        });
      },
    };
  });
  var LINK_RE = /\b((?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]])/i;
  defineNamed('WALinkify', function () {
    function mk(text) {
      var href = /^https?:/i.test(text) ? text : 'http://' + text;
      var u;
      try { u = new URL(href); } catch (e) { return null; }
      return { url: text, href: href, domain: u.hostname, scheme: u.protocol.replace(':', '') };
    }
    return {
      findLink: function (s) { var m = LINK_RE.exec(String(s || '')); return m ? mk(m[1]) : null; },
      findLinks: function (s) {
        var re = new RegExp(LINK_RE.source, 'gi');
        var out = [];
        var m;
        while ((m = re.exec(String(s || '')))) { var l = mk(m[1]); if (l) out.push(l); }
        return out;
      },
    };
  });
  defineNamed('WAWebLinkPreviewChatAction', function () {
    return {
      getLinkPreview: function (link) {
        return net.rpc('link_preview', { url: (link && (link.href || link.url)) || String(link) }).catch(function () { return null; });
      },
    };
  });

  // Upload limit per media type, in bytes (the page reads WhatsApp's AB
  // props; here the simulator's `upload_limits_mb`).
  defineNamed('WAWebMediaGatingUtils', function () {
    var MB = 1024 * 1024;
    var lim = SETTINGS.uploadLimitsMb || {};
    return {
      getUploadLimit: function (type) {
        switch (type) {
          case 'audio': return lim.audio * MB;
          case 'document': case 'sticker-pack': return lim.document * MB;
          case 'video': return lim.video * MB;
          case 'image': case 'sticker': return lim.image * MB;
          default: throw Error("Match: No case succesfully matched. Make exhaustive or add a wildcard case using '_'. Argument: " + type);
        }
      },
    };
  });
