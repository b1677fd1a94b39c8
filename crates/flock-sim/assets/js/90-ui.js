
  // Part 90: the screen (QR, pairing code, progress, chat list) and start.
  // ------------------------------------------------------------------ UI
  var ui = { qr: null, code: null, idle: false };
  var app = null;

  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') el.textContent = attrs[k];
      else if (k === 'onclick') el.addEventListener('click', attrs[k]);
      else el.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }

  function drawQr(canvas, matrix) {
    var n = matrix.length;
    var quiet = 4;
    var size = 264;
    var scale = Math.max(1, Math.floor(size / (n + 2 * quiet)));
    var off = Math.floor((size - n * scale) / 2);
    canvas.width = size; canvas.height = size;
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = '#122e31';
    for (var y = 0; y < n; y++) for (var x = 0; x < n; x++) if (matrix[y][x] === '1') ctx.fillRect(off + x * scale, off + y * scale, scale, scale);
  }

  function landing(inner) {
    return h('div', {}, [h('div', { class: 'topbar' }), h('div', { class: 'brand', text: 'WHATSAPP WEB' }), h('div', { class: 'landing' }, [inner])]);
  }

  function render() {
    if (!app) return;
    var state = Socket.get('state');
    var view;
    if (state === 'TOS_BLOCK' || state === 'SMB_TOS_BLOCK') {
      view = h('div', { class: 'blocked' }, [h('h2', { text: 'This account is not allowed to use WhatsApp' }), h('div', { class: 'muted', text: 'Your phone number is banned from using WhatsApp.' })]);
    } else if (state === 'UNPAIRED' || state === 'UNPAIRED_IDLE') {
      var right;
      if (ui.code) {
        right = h('div', { class: 'pairing' }, [h('div', { class: 'muted', text: 'Enter code on phone:' }), h('div', { class: 'code', 'data-code': ui.code, text: ui.code.slice(0, 4) + '-' + ui.code.slice(4) })]);
      } else {
        var canvas = h('canvas', { 'aria-label': 'Scan this QR code to link a device!', role: 'img' });
        var wrap = h('div', { class: 'qr-wrap', 'data-testid': 'link-device-qr-code', 'data-ref': ui.qr && state === 'UNPAIRED' ? ui.qr.payload : '' }, [canvas]);
        if (ui.qr) drawQr(canvas, ui.qr.matrix);
        if (state === 'UNPAIRED_IDLE' || !ui.qr) {
          wrap.appendChild(h('div', { class: 'qr-idle' }, [h('button', { text: 'Click to reload QR code', onclick: function () { Cmd.refreshQR(); } })]));
        }
        right = wrap;
      }
      view = landing(h('div', { class: 'card' }, [
        h('div', { class: 'steps' }, [
          h('h1', { text: 'Use WhatsApp on your computer' }),
          h('ol', {}, [h('li', { text: 'Open WhatsApp on your phone' }), h('li', { text: 'Tap Menu or Settings and select Linked Devices' }), h('li', { text: 'Tap on Link a device' }), h('li', { text: 'Point your phone to this screen to capture the QR code' })]),
          h('div', { class: 'link-phone', text: ui.code ? 'Link with QR code instead' : 'Link with phone number' }),
        ]),
        right,
      ]));
    } else if (state === 'CONNECTED' && Socket.get('hasSynced')) {
      var chats = Chat.getModelsArray().filter(function (c) { return !c.id.isBroadcast(); }).slice().sort(function (a, b) { return (b.get('t') || 0) - (a.get('t') || 0); }).slice(0, 60);
      view = h('div', { class: 'main' }, [
        h('div', { class: 'side' }, [
          h('header', {}, [h('span', { class: 'avatar', text: me.pn ? me.pn.slice(-2) : '' }), h('span', { text: me.pn ? '+' + me.pn : '' })]),
          h('div', { class: 'chats' }, chats.map(function (c) {
            var gm = c.get('groupMetadata');
            var last = c.msgs.at(c.msgs.length - 1);
            var sub = last ? (last.get('body') || last.get('type')) : gm ? gm.get('participants').length + ' participants' : '';
            var name = c.get('name') || c.id.user;
            return h('div', { class: 'chat' }, [h('span', { class: 'avatar', text: String(name).slice(0, 1) }), h('div', {}, [h('div', { class: 'name', text: name }), h('div', { class: 'sub', text: sub })])]);
          })),
        ]),
        h('div', { class: 'conv' }, [
          timelocked() ? h('div', { class: 'banner', 'data-testid': 'reachout-timelock-banner', text: 'You can\'t message new people until ' + new Date(userPrefs.get(TIMELOCK_KEY).time_enforcement_ends).toLocaleString() + '.' }) : null,
          h('h2', { text: 'WhatsApp Web' }), h('div', { class: 'muted', text: 'Send and receive messages without keeping your phone online.' }),
        ]),
      ]);
    } else if (state === 'CONFLICT') {
      view = h('div', { class: 'blocked' }, [h('h2', { text: 'WhatsApp is open in another window' }), h('button', { class: 'btn', text: 'Use here', onclick: function () { Socket.takeover(); } })]);
    } else if (state === 'TIMEOUT') {
      view = h('div', { class: 'progress-page' }, [h('div', { class: 'banner', text: 'Computer not connected. Make sure your computer has an active internet connection.' })]);
    } else {
      var label = state === 'CONNECTED' ? 'Loading your chats' : state === 'PAIRING' ? 'Logging in...' : 'WhatsApp';
      var pct = state === 'CONNECTED' ? offlineProgress : 0;
      view = h('div', { class: 'progress-page' }, [
        h('div', { class: 'title', text: label + (state === 'CONNECTED' ? ' [' + pct + '%]' : '') }),
        h('div', { class: 'bar' }, [h('div', { style: 'width:' + pct + '%' })]),
        h('div', { class: 'muted', text: 'End-to-end encrypted' }),
      ]);
    }
    app.replaceChildren(view);
  }

  initAll();

  function start() {
    app = document.getElementById('app');
    render();
    net.connect();
    window.Debug = window.Debug || {};
    window.Debug.VERSION = BOOT.version || '2.3000.0';
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
