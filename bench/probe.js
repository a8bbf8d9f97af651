// Runs in the page before the app's own scripts (Playwright's addInitScript), the same for
// Herald and the reference client, and records what the bench measures as it happens, in
// wall-clock milliseconds (performance.timeOrigin + performance.now()):
//
// - when the sign-in form became usable, and every change of the connection badge's text;
// - when the page was last clicked (the sign-in click, for the throttled figures);
// - every frame the page's WebSockets receive: connection established, each channel
//   subscribed, and each application event (with its bench sequence number, if it has one);
// - when each bench event first shows in a toast (a MutationObserver on the document);
// - long main-thread tasks (PerformanceObserver `longtask`);
// - the WebAssembly memories the page instantiates, to read their size.
//
// `window.__benchProfile` (set just before this script) says where each app puts its badge
// and toasts. The results are read from `window.__benchProbe`.

(() => {
  const profile = window.__benchProfile;
  const now = () => performance.timeOrigin + performance.now();
  const probe = {
    formUsableAt: 0,
    /** The last click anywhere in the page (seen before the app's own handlers). */
    clickedAt: 0,
    /** `{t, text}` for every change of the badge's text. */
    badge: [],
    /** When each `pusher:connection_established` arrived. */
    connections: [],
    /** `{t, channel}` for every `pusher_internal:subscription_succeeded`. */
    subscriptions: [],
    /** Application events received by any socket of the page. */
    appEvents: 0,
    /** `{start, duration}` of every long task. */
    longTasks: [],
    wasmMemories: [],
    /** The bench events being followed, or null: see `startPhase`. */
    phase: null,

    /**
     * Follows events `bench-{tag}-{0..count-1}`: when each arrives at the socket and, if
     * `trackToasts`, when each first shows in a toast.
     */
    startPhase(tag, count, trackToasts) {
      this.phase = {
        tag,
        count,
        trackToasts,
        idPattern: new RegExp(`bench-${tag}-(\\d+)`),
        namePattern: new RegExp(`Bench ${tag}-(\\d+)`, 'g'),
        arrived: new Float64Array(count),
        arrivedCount: 0,
        lastArrival: 0,
        // Sequence numbers in the order they arrived (concurrent publishes can overtake each
        // other), and each one's place in that order.
        order: new Int32Array(count),
        position: new Int32Array(count).fill(-1),
        toasted: new Float64Array(count),
        toastedCount: 0,
        /** `toastsOnScreen()` right after the last event was handled. */
        screenAtEnd: null,
        // Per fold toast: the count and newest sequence number it showed when first seen.
        folds: new WeakMap(),
      };
    },

    phaseProgress() {
      const phase = this.phase;
      return { arrived: phase.arrivedCount, toasted: phase.toastedCount, lastArrival: phase.lastArrival };
    },

    endPhase() {
      const phase = this.phase;
      this.phase = null;
      return {
        arrived: Array.from(phase.arrived),
        toasted: Array.from(phase.toasted),
        order: Array.from(phase.order.subarray(0, phase.arrivedCount)),
        screenAtEnd: phase.screenAtEnd,
      };
    },

    /** What is on screen in the toaster now: toast elements and the "+N more" count, if any. */
    toastsOnScreen() {
      const root = document.querySelector(profile.toastRoot);
      const items = root ? root.querySelectorAll(profile.toastItem).length : 0;
      const more = profile.more ? document.querySelector(profile.more) : null;
      const waiting = more ? Number((/\d+/.exec(more.textContent) || ['0'])[0]) : 0;
      // Toasts still in the DOM only for their leave transition (Vue marks them *-leave-active).
      const leaving = root ? root.querySelectorAll(`${profile.toastItem}[class*="leave-active"]`).length : 0;
      return { items, waiting, leaving };
    },

    wasmBytes() {
      return this.wasmMemories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0);
    },
  };
  window.__benchProbe = probe;

  // Every socket the page opens reports its frames here first, before the app's handlers.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', (event) => onFrame(event.data));
    }
  };

  function onFrame(data) {
    if (typeof data !== 'string') return;
    const t = now();
    if (data.includes('pusher_internal:subscription_succeeded')) {
      probe.subscriptions.push({ t, channel: JSON.parse(data).channel });
      return;
    }
    if (data.includes('pusher:connection_established')) {
      probe.connections.push(t);
      return;
    }
    if (data.includes('"pusher:') || data.includes('"pusher_internal:')) return;
    probe.appEvents += 1;
    const phase = probe.phase;
    if (!phase) return;
    const match = phase.idPattern.exec(data);
    if (!match) return;
    const seq = Number(match[1]);
    if (seq < phase.count && phase.arrived[seq] === 0) {
      phase.arrived[seq] = t;
      phase.order[phase.arrivedCount] = seq;
      phase.position[seq] = phase.arrivedCount;
      phase.arrivedCount += 1;
      phase.lastArrival = t;
      // What the toaster shows once the app has handled the last event: a timer set here runs
      // after this frame's dispatch (the app's handler and its microtasks) is over.
      if (phase.arrivedCount === phase.count) setTimeout(() => (phase.screenAtEnd = probe.toastsOnScreen()), 0);
    }
  }

  function markToasted(phase, seq, t) {
    if (seq >= 0 && seq < phase.count && phase.toasted[seq] === 0) {
      phase.toasted[seq] = t;
      phase.toastedCount += 1;
    }
  }

  // A toast names the event it is about ("Bench l100-42 has been added…"). A toast that folds a
  // burst ("12 users created") names the event that started it and counts the rest: a count
  // that grew by k shows the k events that arrived next (a phase's events are all one kind).
  const foldPattern = profile.foldPattern ? new RegExp(profile.foldPattern) : null;
  function scanToasts(root, phase, t) {
    for (const toast of root.querySelectorAll(profile.toastItem)) {
      const text = toast.textContent;
      let newest = -1;
      for (const match of text.matchAll(phase.namePattern)) {
        const seq = Number(match[1]);
        markToasted(phase, seq, t);
        newest = Math.max(newest, seq);
      }
      const fold = foldPattern && foldPattern.exec(text);
      if (!fold) continue;
      const count = Number(fold[1]);
      let seen = phase.folds.get(toast);
      if (!seen) {
        if (newest < 0 || phase.position[newest] < 0) continue;
        seen = { count, from: phase.position[newest], marked: 0 };
        phase.folds.set(toast, seen);
      }
      const grown = Math.min(count - seen.count, phase.arrivedCount - 1 - seen.from);
      for (let k = seen.marked + 1; k <= grown; k++) markToasted(phase, phase.order[seen.from + k], t);
      seen.marked = Math.max(seen.marked, grown);
    }
  }

  function formUsable() {
    const email = document.querySelector('input[type=email]');
    const password = document.querySelector('input[type=password]');
    const submit = document.querySelector('button[type=submit]');
    return Boolean(email && password && submit && !submit.disabled && email.getClientRects().length > 0);
  }

  // Capturing at the window: the first listener of any click, before the app's handlers.
  window.addEventListener('click', () => (probe.clickedAt = now()), true);

  let badgeText = null;
  new MutationObserver((records) => {
    const t = now();
    if (!probe.formUsableAt && formUsable()) probe.formUsableAt = t;
    const badge = document.querySelector(profile.badge);
    const text = badge ? badge.textContent.trim() : null;
    if (text !== badgeText) {
      badgeText = text;
      probe.badge.push({ t, text });
    }
    const phase = probe.phase;
    if (phase && phase.trackToasts) {
      const root = document.querySelector(profile.toastRoot);
      if (root && records.some((record) => root.contains(record.target))) scanToasts(root, phase, t);
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });

  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        probe.longTasks.push({ start: performance.timeOrigin + entry.startTime, duration: entry.duration });
      }
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No long-task timing in this browser: the figure stays empty.
  }

  // The app's wasm memory (Herald's); the reference has none.
  const remember = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result && result.instance;
    if (instance) {
      for (const value of Object.values(instance.exports)) {
        // A split build's chunks share the main module's memory: count each memory once.
        if (value instanceof WebAssembly.Memory && !probe.wasmMemories.includes(value)) probe.wasmMemories.push(value);
      }
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    if (original) WebAssembly[name] = (...args) => original.apply(WebAssembly, args).then(remember);
  }
})();
