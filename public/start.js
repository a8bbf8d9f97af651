// Starts the app. Trunk's own loader is an inline <script type="module">, which Herald's
// Content-Security-Policy forbids (no inline script at all), so this classic deferred script
// starts it instead, told the names of the build's hashed files by its data attributes: the
// release build's `dist/index.html` (written by xtask/src/app_build.rs) and Trunk.toml's
// `pattern_script` in the development build. Classic, because only classic scripts have
// `document.currentScript`; it runs once the body is parsed, as the module it replaces did.
//
// The release build is split: the signed-in pages come in wasm chunks (`data-chunks`, absent
// in the development build), which the split loader fetches through `heraldFetchChunk` below.
(function () {
  'use strict';
  var script = document.currentScript;
  var js = script.getAttribute('data-js');
  var wasm = script.getAttribute('data-wasm');
  var chunks = (script.getAttribute('data-chunks') || '').split(/\s+/).filter(Boolean);

  // The app's first need, fetched while the wasm downloads and compiles (index.html preloads
  // it): src/config.rs takes this text, and fetches the file itself when this got none.
  window.heraldConfig = fetch('/config.json')
    .then(function (response) {
      return response.ok ? response.text() : null;
    })
    .catch(function () {
      return null;
    });

  // The split loader's fetch of a chunk (xtask puts this call in place of its `fetch`). It
  // never fails: when a fetch does (no network, an error status) it says `herald:chunk-failed`
  // (the app shows Retry), waits for `herald:chunk-retry` (Retry) or the browser's `online`,
  // and tries again, for as long as it takes. Once no chunk is failing any more it says
  // `herald:chunk-loaded` (the app hides Retry).
  var failing = 0;
  function notify(name) {
    window.dispatchEvent(new Event(name));
  }
  function nextRetry() {
    return new Promise(function (resolve) {
      function retry() {
        window.removeEventListener('herald:chunk-retry', retry);
        window.removeEventListener('online', retry);
        resolve();
      }
      window.addEventListener('herald:chunk-retry', retry);
      window.addEventListener('online', retry);
    });
  }
  window.heraldFetchChunk = function (url) {
    var failed = false;
    function attempt() {
      return fetch(url)
        .then(function (response) {
          if (!response.ok) throw new Error(url + ': ' + response.status);
          return response;
        })
        .then(
          function (response) {
            if (failed) {
              failing -= 1;
              if (failing === 0) notify('herald:chunk-loaded');
            }
            return response;
          },
          function (error) {
            console.warn('Herald could not fetch part of itself; it tries again on Retry:', error);
            if (!failed) {
              failed = true;
              failing += 1;
            }
            var retried = nextRetry();
            notify('herald:chunk-failed');
            return retried.then(attempt);
          },
        );
    }
    return attempt();
  };

  // The chunks come before they are needed. With a stored session the signed-in pages are
  // next: preloaded now, alongside the main wasm, and the loader's `fetch` takes each response
  // over (a plain fetch would not: Chromium fetches a chunk twice when the loader asks while
  // it is still coming). Each link goes once it has loaded; its response stays for the loader.
  // Chromium warns about the chunks of pages this person does not open.
  //
  // On the sign-in page they wait until its form is usable (`herald:signin-ready`), a moment
  // more (the page's own first work comes first) and until the browser is idle, then go into
  // the HTTP cache (they are cached for good), so signing in fetches nothing over the network.
  // A low-priority fetch, which the policy's `connect-src 'self'` plainly allows, rather than
  // `<link rel="prefetch">`, which browsers check against different directives (`default-src
  // 'none'` here, by the letter of CSP 3).
  if (chunks.length) {
    if (storedSession()) {
      chunks.forEach(function (chunk) {
        var link = document.createElement('link');
        link.rel = 'preload';
        link.as = 'fetch';
        link.crossOrigin = 'anonymous';
        // After the main wasm, the glue and /config.json, which the first paint waits for.
        link.fetchPriority = 'low';
        link.href = chunk;
        link.onload = link.onerror = function () {
          link.remove();
        };
        document.head.appendChild(link);
      });
    } else {
      window.addEventListener(
        'herald:signin-ready',
        function () {
          setTimeout(function () {
            whenIdle(prefetchChunks);
          }, 300);
        },
        { once: true },
      );
    }
  }
  // Once every chunk is in, it says `herald:chunks-cached` (the app then instantiates the
  // services' chunk); when one fails it says nothing, and signing in fetches what is missing.
  function prefetchChunks() {
    Promise.all(
      chunks.map(function (chunk) {
        return fetch(chunk, { priority: 'low' }).then(function (response) {
          if (!response.ok) throw new Error(chunk + ': ' + response.status);
          return response.arrayBuffer();
        });
      }),
    ).then(
      function () {
        notify('herald:chunks-cached');
      },
      function () {},
    );
  }
  function storedSession() {
    try {
      return Boolean(localStorage.getItem('herald.token') || sessionStorage.getItem('herald.token'));
    } catch (error) {
      return false;
    }
  }
  function whenIdle(callback) {
    if (window.requestIdleCallback) window.requestIdleCallback(callback, { timeout: 2000 });
    else setTimeout(callback, 0);
  }

  import(js)
    .then(function (bindings) {
      return bindings.default({ module_or_path: wasm });
    })
    .catch(function (error) {
      console.error('Herald could not start:', error);
    });
})();
