/* Flock bridge: the ONE place that uses WhatsApp Web internals.
 *
 * Injected with Page.addScriptToEvaluateOnNewDocument before WhatsApp Web's
 * own scripts run. Main frame only, once per document. Pushes every event
 * to the host through the CDP binding `__flockEmit` (one JSON string per
 * event); the host never polls. Commands from the host call the functions
 * on `window.__flockBridge`: quick ones return a JSON string, long ones
 * (send, exists, lookup) answer later with a `reply` event carrying the
 * host's call number.
 *
 * Internals (see docs/whatsapp-web.md) are found by name, as the module's
 * value or under `default`; the send path falls back to a search of
 * `require('__debug').modulesMap` by shape. They are grouped by feature;
 * a feature whose internals are missing is reported and switched off, and
 * only a login that cannot work is fatal. Every await has a deadline.
 *
 * The files in src/bridge/ are ONE script, concatenated in name order
 * (`flock_wa::bridge::BUILT_IN`) inside one closure; a `bridge.js` override
 * in the data folder is that whole concatenation. Part 00: the guard, the
 * push channel, small helpers.
 */
(function () {
  'use strict';
  if (window.top !== window) return; // iframes: never
  if (window.__flockBridge) { window.__flockBridge.duplicates += 1; return; }

  var BINDING = '__flockEmit';
  var bridge = { duplicates: 0, startedAt: Date.now(), version: null, booted: false, missing: [] };
  Object.defineProperty(window, '__flockBridge', { value: bridge, enumerable: false, configurable: false, writable: false });

  function emit(type, data) {
    var msg = Object.assign({ type: type }, data || {});
    try {
      var f = window[BINDING];
      if (typeof f === 'function') f(JSON.stringify(msg));
    } catch (e) { /* the host is gone: nothing to report to */ }
  }
  // Error texts go to the host's logs: long digit runs (phone numbers,
  // privacy ids) keep only their last two digits.
  function errText(e) { return String((e && e.message) || e).replace(/\d{5,}(\d\d)/g, '•••$1'); }
  function isFn(f) { return typeof f === 'function'; }
  // Arity as a shape hint: at least the parameters we pass (optional ones
  // may follow); minified async functions are often wrappers of length 0.
  function arity(f, n) { return isFn(f) && (f.length >= n || f.length === 0); }
  function attr(m, k) {
    if (!m) return undefined;
    if (m[k] !== undefined) return m[k];
    return isFn(m.get) ? m.get(k) : undefined;
  }
  function keyText(k) {
    if (k === null || k === undefined) return null;
    if (typeof k === 'string') return k;
    return String(k._serialized || (isFn(k.toString) ? k.toString() : k));
  }
  function widText(w) { return w ? keyText(w) : null; }
  // A promise that settles within `ms`, else rejects {timeout: what}.
  function within(p, ms, what) {
    return new Promise(function (resolve, reject) {
      var t = setTimeout(function () { reject({ timeout: what, ms: ms }); }, ms);
      Promise.resolve(p).then(function (v) { clearTimeout(t); resolve(v); }, function (e) { clearTimeout(t); reject(e); });
    });
  }
