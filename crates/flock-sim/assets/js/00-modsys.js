/* Flock WhatsApp Web simulator page.
 *
 * Offers the internals a bridge script uses, under WhatsApp Web's names and
 * shapes (Meta's module system, WAWeb* modules, Backbone-like models). The
 * files in assets/js/ are served concatenated, in name order, as ONE script
 * (/_wa/app.js) inside ONE closure: the connection to the simulated servers
 * (`net`) stays private, as in the real page.
 * Written for Flock; no code copied from WhatsApp or third parties.
 *
 * Part 00: boot data and Meta's module system.
 */
(function () {
  'use strict';

  var bootEl = document.getElementById('boot-data');
  var BOOT = {};
  try { BOOT = JSON.parse(bootEl ? bootEl.textContent : 'null') || {}; } catch (e) { BOOT = {}; }
  if (bootEl) bootEl.remove();
  var OMIT = new Set(BOOT.omit || []);
  var DEFAULT_EXPORT = new Set(BOOT.defaultExport || []);
  var RENAME = BOOT.rename || {};
  var SETTINGS = BOOT.settings || {};

  // ---------------------------------------------------------------- modules
  // One record per module, keyed by name, with the fields a shape search
  // reads: `factory` (wa-js), `exports`, `defaultExport`, `factoryFinished`.
  var modulesMap = Object.create(null);

  function hasOwn(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

  // The variant "exported under default" (ES-module interop): `require`
  // hands back `{default: value}` instead of the value.
  function wrapsDefault(name) {
    return DEFAULT_EXPORT.has(name) || (DEFAULT_EXPORT.has('*') && /^WA/.test(name));
  }

  // Meta's define. The factory is called as
  // (global, require, importDefault, importNamespace, requireLazy, module, exports).
  function __d(name, deps, factory) {
    if (typeof name !== 'string' || typeof factory !== 'function') return;
    var id = hasOwn(RENAME, name) ? String(RENAME[name]) : name;
    if (OMIT.has(name) || OMIT.has(id) || modulesMap[id]) return;
    modulesMap[id] = {
      id: id, dependencies: deps || [], factory: factory,
      exports: undefined, defaultExport: undefined, factoryFinished: false, hasError: false,
    };
  }

  function unknown(name) { return new Error('Requiring unknown module "' + name + '"'); }

  function init(m) {
    if (m.factoryFinished) return m;
    var module = { exports: {} };
    try {
      m.factory(window, requireModule, importDefault, importNamespace, requireLazy, module, module.exports);
    } catch (e) {
      m.hasError = true;
      throw e;
    }
    var ns = module.exports;
    // A module whose only export is `default` hands out one value (a class
    // or a function): `require` returns the value itself.
    var onlyDefault = ns !== null && typeof ns === 'object' && Object.keys(ns).length === 1 && hasOwn(ns, 'default');
    if (wrapsDefault(m.id) && !onlyDefault) ns = { default: ns };
    m.exports = ns;
    m.defaultExport = hasOwn(ns, 'default') ? ns.default : undefined;
    m.required = onlyDefault && !wrapsDefault(m.id) ? ns.default : ns;
    m.factoryFinished = true;
    return m;
  }

  function record(name) {
    var m = modulesMap[name];
    if (!m) throw unknown(name);
    return init(m);
  }
  function requireModule(name) { return record(name).required; }
  function importNamespace(name) { return record(name).exports; }
  function importDefault(name) { return record(name).defaultExport; }
  function requireLazy(names, cb) {
    var mods = (names || []).map(function (n) { return requireModule(n); });
    if (typeof cb === 'function') cb.apply(null, mods);
  }

  window.__d = __d;
  window.require = requireModule;
  window.importNamespace = importNamespace;
  window.importDefault = importDefault;
  window.requireLazy = requireLazy;
  // wa-js calls this before each importNamespace; here there is nothing to skip.
  window.ErrorGuard = window.ErrorGuard || { skipGuardGlobal: function () {} };
  __d('__debug', [], function (g, n, r, o, a, module) { module.exports = { modulesMap: modulesMap }; });

  // Modules of this page: a set of named exports, or one value under
  // `default` (a class, a function), as WhatsApp Web's own modules are.
  function defineNamed(name, build) {
    __d(name, [], function (g, n, r, o, a, module, exports) { Object.assign(exports, build()); });
  }
  function defineValue(name, build) {
    __d(name, [], function (g, n, r, o, a, module, exports) { exports.default = build(); });
  }
  // The app itself uses its modules from the start: initialise them all.
  function initAll() {
    Object.keys(modulesMap).forEach(function (n) {
      try { init(modulesMap[n]); } catch (e) { console.error('module ' + n, e); }
    });
  }
