// Starts the app. Trunk's own loader is an inline <script type="module">, which Herald's
// Content-Security-Policy forbids (no inline script at all), so Trunk.toml's `pattern_script`
// puts this file in its place and passes the names of the build's hashed files as data
// attributes. A classic deferred script, because only classic scripts have
// `document.currentScript`; it runs once the body is parsed, as the module it replaces did.
(function () {
  'use strict';
  var script = document.currentScript;
  var js = script.getAttribute('data-js');
  var wasm = script.getAttribute('data-wasm');
  // The app's first need, fetched while the wasm downloads and compiles (index.html preloads
  // it): src/config.rs takes this text, and fetches the file itself when this got none.
  window.heraldConfig = fetch('/config.json')
    .then(function (response) {
      return response.ok ? response.text() : null;
    })
    .catch(function () {
      return null;
    });
  import(js)
    .then(function (bindings) {
      return bindings.default({ module_or_path: wasm });
    })
    .catch(function (error) {
      console.error('Herald could not start:', error);
    });
})();
