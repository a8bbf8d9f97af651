// The benchmark: Herald and the reference client (bench/reference), each in a fresh headless
// Chromium context against its own real stack (Sockudo + the demo backend serving the app,
// e2e/support/stack.ts), measured the same way in the same run, pair by pair. README.md in this
// folder says what each figure means. Run through `cargo xtask bench [--runs N] [--smoke]`,
// which builds both apps and passes the paths below.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { test, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';

import { Stack } from '../e2e/support/stack';
import { CompressingHost, compress } from './host';
import { Publisher, wallClock, type OutgoingEvent } from './publisher';
import {
  markdownTable,
  percentile,
  summarize,
  verdict,
  type Figure,
  type RunFigures,
  type RunPair,
  type SummaryRow,
} from './report';

/** The page's probe (bench/probe.js), for the functions that run in the page. */
declare const __benchProbe: any;

/** How much of everything one run does. */
interface Plan {
  runs: number;
  /** Event-to-toast latency: events per second, each for `latencySeconds`. */
  latencyRates: number[];
  latencySeconds: number;
  burstEvents: number;
  burstSeconds: number;
  /** Memory is read after the first count of events, then after the second (in total). */
  memoryAfter: [number, number];
  /** Rate of the memory phase's events. */
  memoryRate: number;
  /** Quiet time between phases: longer than Herald's two-second fold window. */
  gapMs: number;
}

const SMOKE = process.env.HERALD_BENCH_SMOKE === '1';
const PLAN: Plan = SMOKE
  ? {
      runs: 1,
      latencyRates: [10, 100, 1000],
      latencySeconds: 0.3,
      burstEvents: 200,
      burstSeconds: 0.2,
      memoryAfter: [10, 100],
      memoryRate: 1000,
      gapMs: 2500,
    }
  : {
      runs: Number(process.env.HERALD_BENCH_RUNS ?? 5),
      latencyRates: [10, 100, 1000],
      latencySeconds: 5,
      burstEvents: 5000,
      burstSeconds: 5,
      memoryAfter: [100, 10_000],
      memoryRate: 1000,
      gapMs: 2500,
    };

/** The seeded account both clients sign in as (CONTRACT.md), and the channels it gets. */
const ACCOUNT = { email: 'user@acme.test', password: 'password', userId: 4, tenantId: 1 };
const CHANNELS = [`private-user.${ACCOUNT.userId}`, `private-tenant.${ACCOUNT.tenantId}`];

const PROBE_SOURCE = readFileSync(path.join(__dirname, 'probe.js'), 'utf8');
const RESULTS_DIR = process.env.HERALD_BENCH_RESULTS ?? path.join(__dirname, 'results');

/** Where an app puts what the probe watches (bench/probe.js). */
interface ProbeProfile {
  /** The connection badge, whose text becomes "Connected". */
  badge: string;
  /** The toaster, and one toast within it. */
  toastRoot: string;
  toastItem: string;
  /** The "+N more" line, if the app has one. */
  more?: string;
  /** A toast folding a burst of the bench's events: its count is group 1. */
  foldPattern?: string;
}

interface Client {
  name: 'herald' | 'reference';
  stack: Stack;
  /** The stack's devserver behind a compressing host, for the throttled figures. */
  host: CompressingHost;
  publisher: Publisher;
  probe: ProbeProfile;
  /** The localStorage key of the signed-in person's history, and the ids in it, newest first. */
  historyKey: string;
  historyIds: (stored: string) => string[];
}

/** Figures and the raw material behind them, for one client in one run. */
interface Measured {
  figures: RunFigures;
  details: Record<string, unknown>;
}

const HERALD_PROBE: ProbeProfile = {
  badge: '[data-testid=connection-state]',
  toastRoot: 'section.toaster',
  toastItem: '.toaster__list > li',
  more: '.toaster__more',
  foldPattern: '(\\d+) users created',
};

const REFERENCE_PROBE: ProbeProfile = {
  badge: '[data-testid=connection-state]',
  toastRoot: '.vue-notification-group',
  toastItem: '.vue-notification-wrapper',
};

test('Herald against the reference client', async ({ browser }) => {
  test.setTimeout(0);
  const started = Date.now();
  const clients: Client[] = [];
  const runs: { herald: Measured; reference: Measured }[] = [];
  try {
    clients.push(
      await startClient('herald', requiredPath('HERALD_DIST'), HERALD_PROBE, 'herald.history.', (stored) =>
        (JSON.parse(stored).entries ?? []).map((entry: { notification: { id: string } }) => entry.notification.id),
      ),
    );
    clients.push(
      await startClient(
        'reference',
        requiredPath('HERALD_BENCH_REFERENCE_DIST'),
        REFERENCE_PROBE,
        'reference.history.',
        (stored) => JSON.parse(stored).map((entry: { notification: { id: string } }) => entry.notification.id),
      ),
    );
    for (let run = 0; run < PLAN.runs; run++) {
      // Alternate who goes first, so that neither always meets a warmer (or more tired) machine.
      const order = run % 2 === 0 ? clients : [...clients].reverse();
      const measured: Partial<Record<Client['name'], Measured>> = {};
      for (const client of order) {
        console.log(`run ${run + 1}/${PLAN.runs}: ${client.name}`);
        measured[client.name] = await measureClient(browser, client);
      }
      runs.push({ herald: measured.herald!, reference: measured.reference! });
    }
  } finally {
    for (const client of clients) {
      client.publisher.close();
      await client.host.stop();
      await client.stack.stop();
    }
  }
  const rows = writeResults(browser, runs, Date.now() - started);
  if (SMOKE) {
    checkSmoke(rows);
  } else {
    checkTargets(rows);
  }
});

/**
 * The split build's target: what the first visit to /login transfers before its form is
 * usable (the sign-in chunk), gzipped, in KB. It replaced issue 9's first budget, 200 KB for
 * everything the sign-in page loaded.
 */
const FIRST_LOAD_TARGET_KB = 130;

/**
 * A full run fails when Herald misses a target (after writing and printing the results, whose
 * table says by how much); a smoke run only reports it, since the tests do not judge sizes.
 */
function checkTargets(rows: SummaryRow[]): void {
  const missed = rows.map(verdict).filter((judged) => judged !== null && !judged.met);
  if (missed.length) throw new Error(missed.map((judged) => judged!.text).join('\n'));
}

/**
 * What `cargo xtask test` holds the smoke run to, so the bench keeps working: every figure was
 * measured for both clients (the wasm figures for Herald alone), and Herald toasted and kept
 * every event. The figures themselves are not judged: tiny counts on a busy machine say nothing.
 */
function checkSmoke(rows: SummaryRow[]): void {
  const problems: string[] = [];
  for (const row of rows) {
    if (!row.herald) problems.push(`Herald: "${row.label}" was not measured`);
    if (!row.reference && !row.id.startsWith('transfer.wasm.')) problems.push(`reference: "${row.label}" was not measured`);
  }
  const herald = (id: string) => rows.find((row) => row.id === id)?.herald?.median;
  for (const rate of PLAN.latencyRates) {
    const missed = herald(`latency.${rate}.missed`);
    if (missed !== undefined && missed !== 0) problems.push(`Herald never toasted ${missed} events at ${rate}/s`);
  }
  const received = herald('burst.received');
  if (received !== undefined && received !== PLAN.burstEvents) {
    problems.push(`Herald received ${received} of the burst's ${PLAN.burstEvents} events`);
  }
  if (problems.length) throw new Error(`the bench's smoke run failed:\n  ${problems.join('\n  ')}`);
}

async function startClient(
  name: Client['name'],
  dist: string,
  probe: ProbeProfile,
  historyPrefix: string,
  historyIds: Client['historyIds'],
): Promise<Client> {
  // Stack serves the folder HERALD_DIST names; the reference's stack is the same stack with
  // the reference's folder. It reads the variable while it starts, so it is set until then.
  const saved = process.env.HERALD_DIST;
  process.env.HERALD_DIST = dist;
  let stack: Stack;
  try {
    stack = await Stack.start();
  } finally {
    process.env.HERALD_DIST = saved;
  }
  const host = new CompressingHost(new URL(stack.baseURL));
  try {
    await host.start();
    host.precompress(dist);
  } catch (error) {
    await host.stop();
    await stack.stop();
    throw error;
  }
  return {
    name,
    stack,
    host,
    publisher: new Publisher(stack.sockudoURL),
    probe,
    historyKey: `${historyPrefix}${ACCOUNT.userId}`,
    historyIds,
  };
}

async function measureClient(browser: Browser, client: Client): Promise<Measured> {
  const figures: RunFigures = {};
  const details: Record<string, unknown> = {};
  await slowStart(browser, client, figures, details);
  const { context, page, cdp } = await openPage(browser, client);
  try {
    await coldStart(page, cdp, figures, details);
    for (const rate of PLAN.latencyRates) {
      await delay(PLAN.gapMs);
      await latency(page, client, rate, figures, details);
    }
    await delay(PLAN.gapMs);
    await burst(page, client, figures, details);
    await delay(PLAN.gapMs);
    await memory(page, cdp, client, figures, details);
    await reconnect(page, client, figures, details);
  } finally {
    await context.close();
  }
  return { figures, details };
}

async function openPage(browser: Browser, client: Client): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession }> {
  const context = await probedContext(browser, client, client.stack.baseURL);
  const page = await context.newPage();
  return { context, page, cdp: await context.newCDPSession(page) };
}

/** A fresh context (its own empty HTTP cache and storage) whose pages all run the probe first. */
async function probedContext(browser: Browser, client: Client, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript({
    content: `window.__benchProfile = ${JSON.stringify(client.probe)};\n${PROBE_SOURCE}`,
  });
  return context;
}

/**
 * (1) What the first visit transfers, before the sign-in form is usable and through sign-in
 * until Connected; (2) how soon the form is usable in a fresh context, then how soon a reload
 * with the stored session is Connected and subscribed.
 */
async function coldStart(page: Page, cdp: CDPSession, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const traffic = await Traffic.watch(cdp);
  await page.goto('/login');
  await page.waitForFunction(() => __benchProbe.formUsableAt > 0, null, { polling: 20 });
  const formUsableAt = await page.evaluate(() => __benchProbe.formUsableAt);
  figures['cold.form'] = formUsableAt - (await page.evaluate(() => performance.timeOrigin));
  // A person takes seconds to type: what the page fetches once the form is there (at idle) is
  // fetched before they sign in.
  await traffic.quiet();
  await signIn(page);
  const signedIn = await untilSubscribed(page, 0, 30_000);
  // Requests that started before Connected are counted: their bodies are waited for.
  await traffic.quiet();
  traffic.stop();
  await transfer(page, traffic, formUsableAt, signedIn.connectedAt, figures, details);

  await page.reload();
  const reloaded = await untilSubscribed(page, 0, 30_000);
  const origin = await page.evaluate(() => performance.timeOrigin);
  figures['cold.connected'] = reloaded.connectedAt - origin;
  figures['cold.subscribed'] = reloaded.subscribedAt - origin;
}

/**
 * Signs in through the form. Herald keeps the session for the tab only unless "Keep me signed
 * in" is ticked; the reference (no such box) always keeps it in localStorage. Ticked, Herald
 * keeps it there too, so a return visit in a new tab finds a stored session in both.
 */
async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(ACCOUNT.email);
  await page.getByLabel('Password', { exact: true }).fill(ACCOUNT.password);
  const keep = page.getByLabel('Keep me signed in', { exact: true });
  if ((await keep.count()) > 0) await keep.check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * (1) The first visit's responses, split by when each request started (the page's clock):
 * before the form was usable (the first load, which for a split build is the sign-in chunk),
 * and up to the badge saying Connected (the total through sign-in). A response the browser
 * took from its cache (a split build may ask again for a chunk it prefetched) transferred
 * nothing and is not counted. The wasm among them is told apart by what was fetched, not by
 * file names: the first load's wasm is the main wasm; any fetched later, through Connected,
 * are chunks.
 */
async function transfer(
  page: Page,
  traffic: Traffic,
  formUsableAt: number,
  connectedAt: number,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  const wallToPage = await pageClockMinusWall(page);
  const origin = await page.evaluate(() => performance.timeOrigin);
  const files = await transferSizes(traffic, (wall) => wall + wallToPage - origin);
  const formAt = formUsableAt - origin;
  const connected = connectedAt - origin;
  for (const file of files) {
    file.phase = file.started_ms < formAt ? 'first load' : file.started_ms <= connected ? 'until Connected' : 'after Connected';
  }
  const transferred = files.filter((file) => !file.from_cache);
  const first = transferred.filter((file) => file.phase === 'first load');
  const total = transferred.filter((file) => file.phase !== 'after Connected');
  const mainWasm = first.filter((file) => file.wasm);
  const chunks = total.filter((file) => file.wasm && file.phase === 'until Connected');
  const kb = (of: TransferredFile[], key: 'gzip' | 'brotli' | 'raw') => of.reduce((sum, file) => sum + file[key], 0) / 1024;
  for (const key of ['gzip', 'brotli', 'raw'] as const) {
    figures[`transfer.first.${key}`] = kb(first, key);
    figures[`transfer.total.${key}`] = kb(total, key);
    // An app with no wasm has neither; one with a single wasm has chunks of 0 KB.
    figures[`transfer.wasm.main.${key}`] = mainWasm.length ? kb(mainWasm, key) : null;
    figures[`transfer.wasm.chunks.${key}`] = mainWasm.length ? kb(chunks, key) : null;
  }
  details.transfer = { form_usable_ms: formAt, connected_ms: connected, files };
}

interface TransferredFile {
  path: string;
  /** When its request started, in ms from navigation start (the page's `timeOrigin`). */
  started_ms: number;
  /** Whether it was fetched as WebAssembly (by its MIME type). */
  wasm: boolean;
  /** Whether the browser took it from its cache: then it transferred nothing (sizes 0). */
  from_cache: boolean;
  /** Which of figure 1's totals it is in: the first load, only the total, or neither. */
  phase?: 'first load' | 'until Connected' | 'after Connected';
  raw: number;
  gzip: number;
  brotli: number;
}

/**
 * Each successful response's body compressed as a static host would serve it: gzip -9 and
 * brotli -11. `started` turns a request's start (wall-clock ms) into ms from navigation start.
 */
async function transferSizes(traffic: Traffic, started: (wallMs: number) => number): Promise<TransferredFile[]> {
  const files: TransferredFile[] = [];
  for (const fetched of traffic.fetches()) {
    if (fetched.status !== 200 || !fetched.finished) continue;
    const file = {
      path: new URL(fetched.url).pathname,
      started_ms: started(fetched.startedAt),
      wasm: fetched.mimeType === 'application/wasm',
      from_cache: fetched.fromCache,
    };
    // What came from the cache is listed, not compressed (brotli 11 takes a while).
    if (fetched.fromCache) {
      files.push({ ...file, raw: 0, gzip: 0, brotli: 0 });
      continue;
    }
    const body = await traffic.body(fetched);
    if (!body) continue;
    files.push({
      ...file,
      raw: body.length,
      gzip: compress(body, 'gzip').length,
      brotli: compress(body, 'br').length,
    });
  }
  return files;
}

/**
 * The page's clock (`timeOrigin + now()`, the probe's) minus the wall clock (`Date.now()`, the
 * clock Chromium stamps requests with, CDP's `wallTime`). Both follow the system clock, so this
 * is near zero; the median of a few readings.
 */
async function pageClockMinusWall(page: Page): Promise<number> {
  const readings = await page.evaluate(() =>
    Array.from({ length: 9 }, () => performance.timeOrigin + performance.now() - Date.now()),
  );
  return percentile(readings, 50);
}

/** One HTTP request of a page, as CDP's Network domain reported it. */
interface Fetched {
  requestId: string;
  url: string;
  /** When it started, wall-clock ms. */
  startedAt: number;
  status?: number;
  mimeType?: string;
  /** Served from the HTTP (disk) cache or the renderer's memory cache: nothing transferred. */
  fromCache: boolean;
  finished: boolean;
}

/**
 * A page's HTTP requests through its CDP session's Network domain (WebSockets are not among
 * them). CDP rather than Playwright's request events, because CDP says which responses came
 * from a cache (`fromDiskCache`, `requestServedFromCache`).
 */
class Traffic {
  private readonly byId = new Map<string, Fetched>();
  private inFlight = 0;
  private lastChange = Date.now();
  private readonly handlers: [string, (event: any) => void][] = [
    [
      'Network.requestWillBeSent',
      (event) => {
        // A redirect reuses the request's id: the request is the same one, still in flight.
        if (this.byId.has(event.requestId)) return;
        this.byId.set(event.requestId, {
          requestId: event.requestId,
          url: event.request.url,
          startedAt: event.wallTime * 1000,
          fromCache: false,
          finished: false,
        });
        this.change(+1);
      },
    ],
    [
      'Network.responseReceived',
      (event) => {
        const fetched = this.byId.get(event.requestId);
        if (!fetched) return;
        fetched.status = event.response.status;
        fetched.mimeType = event.response.mimeType;
        if (event.response.fromDiskCache || event.response.fromPrefetchCache) fetched.fromCache = true;
      },
    ],
    [
      'Network.requestServedFromCache',
      (event) => {
        const fetched = this.byId.get(event.requestId);
        if (fetched) fetched.fromCache = true;
      },
    ],
    ['Network.loadingFinished', (event) => this.end(event.requestId, true)],
    ['Network.loadingFailed', (event) => this.end(event.requestId, false)],
  ];

  private constructor(private readonly cdp: CDPSession) {
    for (const [event, handler] of this.handlers) cdp.on(event as 'Network.requestWillBeSent', handler);
  }

  static async watch(cdp: CDPSession): Promise<Traffic> {
    const traffic = new Traffic(cdp);
    await cdp.send('Network.enable');
    return traffic;
  }

  /** Every request seen, in the order they started. */
  fetches(): Fetched[] {
    return [...this.byId.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  /** A finished response's body, or null when the browser no longer has it. */
  async body(fetched: Fetched): Promise<Buffer | null> {
    try {
      const { body, base64Encoded } = await this.cdp.send('Network.getResponseBody', { requestId: fetched.requestId });
      return Buffer.from(body, base64Encoded ? 'base64' : 'utf8');
    } catch {
      return null;
    }
  }

  /**
   * Waits until no request has been in flight for `quietMs` (Playwright's own "network idle"
   * is 500 ms, but it happens once per navigation); gives up after `timeoutMs` without failing.
   */
  async quiet(quietMs = 500, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight === 0 && Date.now() - this.lastChange >= quietMs) return;
      await delay(50);
    }
  }

  /** Stops following the page's requests; bodies already received can still be read. */
  stop(): void {
    for (const [event, handler] of this.handlers) this.cdp.off(event as 'Network.requestWillBeSent', handler);
  }

  private end(requestId: string, finished: boolean): void {
    const fetched = this.byId.get(requestId);
    if (!fetched || fetched.finished) return;
    fetched.finished = finished;
    this.change(-1);
  }

  private change(delta: number): void {
    this.inFlight += delta;
    this.lastChange = Date.now();
  }
}

/**
 * Lighthouse's mobile "Slow 4G" (RTT 150 ms, 1,638.4 Kbps down, 750 Kbps up) as Lighthouse
 * applies it with DevTools throttling (`throttlingMethod: 'devtools'`): Chromium delays each
 * request's response by `latency` once, where a real network pays the RTT on every round trip
 * (connection, TLS, request), so Lighthouse multiplies the RTT by 3.75, and takes 90 % of the
 * throughputs for packet overhead. The throughputs are in bytes per second.
 */
const SLOW_4G = {
  offline: false,
  latency: 150 * 3.75, // 562.5 ms
  downloadThroughput: Math.floor((1638.4 * 0.9 * 1024) / 8), // 188,743 B/s
  uploadThroughput: Math.floor((750 * 0.9 * 1024) / 8), // 86,400 B/s
};

/** How long a throttled step may take before it counts as not measured. */
const SLOW_TIMEOUT_MS = 60_000;

/**
 * (2) Cold start on Slow 4G, through the client's compressing host (bench/host.ts), in a context
 * of its own: a first visit with an empty cache until the sign-in form is usable; the sign-in
 * click until Connected; then a return visit, a new tab of the same context (its HTTP cache
 * warm, the session stored), until Connected. A step that fails leaves its figures empty.
 */
async function slowStart(browser: Browser, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const steps: Record<string, unknown> = {};
  for (const id of ['slow.form', 'slow.signIn', 'slow.return']) figures[id] = null;
  const context = await probedContext(browser, client, client.host.url);
  let step = 'first_visit';
  let from = client.host.served.length;
  let page: Page | undefined;
  try {
    let traffic: Traffic;
    ({ page, traffic } = await throttledPage(context));
    await page.goto('/login', { timeout: SLOW_TIMEOUT_MS });
    await page.waitForFunction(() => __benchProbe.formUsableAt > 0, null, { polling: 20, timeout: SLOW_TIMEOUT_MS });
    figures['slow.form'] = await page.evaluate(() => __benchProbe.formUsableAt - performance.timeOrigin);
    // While a person types, the page fetches what it fetches at idle (a split build's chunks).
    await traffic.quiet(500, SLOW_TIMEOUT_MS);
    steps[step] = served(client.host, from);

    [step, from] = ['sign_in', client.host.served.length];
    await signIn(page);
    const clickedAt = await page.evaluate(() => __benchProbe.clickedAt);
    const signedIn = await untilSubscribed(page, clickedAt, SLOW_TIMEOUT_MS);
    figures['slow.signIn'] = signedIn.connectedAt - clickedAt;
    // Whatever the signed-in page fetches is in the cache before the tab closes.
    await traffic.quiet(500, SLOW_TIMEOUT_MS);
    steps[step] = served(client.host, from);
    await page.close();

    [step, from] = ['return_visit', client.host.served.length];
    ({ page } = await throttledPage(context));
    await page.goto('/', { timeout: SLOW_TIMEOUT_MS });
    const back = await untilSubscribed(page, 0, SLOW_TIMEOUT_MS);
    figures['slow.return'] = back.connectedAt - (await page.evaluate(() => performance.timeOrigin));
    steps[step] = served(client.host, from);
  } catch (error) {
    // What the failing step had got to: the host's responses, and the page as it was.
    steps[step] = served(client.host, from);
    steps.error = { step, message: String(error), page: await pageState(page) };
  } finally {
    await context.close();
  }
  details.slow = steps;
}

/** A page's address, badge history and visible text, for the report of a step that failed. */
async function pageState(page: Page | undefined): Promise<unknown> {
  if (!page || page.isClosed()) return null;
  return page
    .evaluate(() => ({
      url: location.href,
      badge: typeof __benchProbe === 'undefined' ? null : __benchProbe.badge.map((change: { text: string }) => change.text),
      text: document.body?.innerText.slice(0, 500) ?? null,
    }))
    .catch((error) => String(error));
}

/** A new page of `context` on Slow 4G (the throttling lasts as long as its CDP session). */
async function throttledPage(context: BrowserContext): Promise<{ page: Page; traffic: Traffic }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const traffic = await Traffic.watch(cdp);
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  return { page, traffic };
}

/** What the host sent since `from`: requests, bytes on the wire, and each response. */
function served(host: CompressingHost, from: number): unknown {
  const { requests, bytes, files } = host.since(from);
  return { requests, bytes, files: files.map((file) => `${file.method} ${file.path} ${file.status} ${file.encoding} ${file.bytes}`) };
}

/** (3) Events at `rate` per second: from the publish request to the toast in the DOM. */
async function latency(
  page: Page,
  client: Client,
  rate: number,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  const tag = `l${rate}`;
  const count = Math.max(1, Math.round(rate * PLAN.latencySeconds));
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, true), [tag, count] as const);
  const offset = await clockOffset(page);
  const sent = await client.publisher.stream(count, rate, (seq) => userCreated(tag, seq));
  await untilPhaseDone(page, count, 'toasted');
  const seen = await page.evaluate(() => __benchProbe.endPhase());

  const toast: number[] = [];
  const transport: number[] = [];
  for (let seq = 0; seq < count; seq++) {
    if (seen.toasted[seq] > 0) toast.push(seen.toasted[seq] - offset - sent.sentAt[seq]);
    if (seen.arrived[seq] > 0) transport.push(seen.arrived[seq] - offset - sent.sentAt[seq]);
  }
  for (const p of [50, 95, 99]) figures[`latency.${rate}.p${p}`] = toast.length ? percentile(toast, p) : null;
  figures[`latency.${rate}.missed`] = count - toast.length;
  details[`latency.${rate}`] = {
    events: count,
    publish_failures: sent.failures,
    publish_error: sent.firstError,
    achieved_rate: sent.spanMs > 0 ? (count - 1) / (sent.spanMs / 1000) : null,
    arrived: transport.length,
    toasted: toast.length,
    // Publish → the page's socket handing the frame to script: the server's share, plus any
    // time the frame waited for a busy main thread.
    frame_p50_ms: percentile(transport, 50),
    frame_p99_ms: percentile(transport, 99),
    clock_offset_ms: offset,
  };
}

/** (4) A burst: what reached the socket and the history, the longest task, the toasts shown. */
async function burst(page: Page, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const tag = 'burst';
  const count = PLAN.burstEvents;
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, false), [tag, count] as const);
  const startedAt = await page.evaluate(() => performance.timeOrigin + performance.now());
  const sent = await client.publisher.stream(count, count / PLAN.burstSeconds, (seq) => userCreated(tag, seq));
  await untilPhaseDone(page, count, 'arrived');
  await page.waitForFunction(() => {
    const phase = __benchProbe.phase;
    return phase.arrivedCount < phase.count || phase.screenAtEnd !== null;
  });
  const seen = await page.evaluate(() => __benchProbe.endPhase());
  const screen = seen.screenAtEnd ?? { items: NaN, waiting: NaN, leaving: NaN };
  await delay(1000);

  const stored = await page.evaluate((key) => localStorage.getItem(key), client.historyKey);
  const ids = stored ? client.historyIds(stored) : [];
  const burstIds = new Set(ids.filter((id) => id.startsWith(`bench-${tag}-`)));
  // A bounded history keeps the newest by arrival (concurrent publishes may arrive out of
  // order): the burst's events in it should be the last ones that arrived.
  const newestArrived = seen.order.slice(seen.order.length - burstIds.size);
  const newestKept = newestArrived.every((seq: number) => burstIds.has(`bench-${tag}-${seq}`));
  const longTasks = await page.evaluate(
    (since) => __benchProbe.longTasks.filter((task: { start: number }) => task.start >= since),
    startedAt,
  );
  figures['burst.received'] = seen.arrived.filter((t: number) => t > 0).length;
  figures['burst.history'] = burstIds.size;
  figures['burst.historyNewest'] = newestKept ? 1 : 0;
  figures['burst.longestTask'] = longTasks.reduce((max: number, task: { duration: number }) => Math.max(max, task.duration), 0);
  figures['burst.toasts'] = screen.items;
  details.burst = {
    events: count,
    publish_failures: sent.failures,
    achieved_rate: sent.spanMs > 0 ? (count - 1) / (sent.spanMs / 1000) : null,
    toasts_waiting: screen.waiting,
    toasts_leaving: screen.leaving,
    long_tasks: longTasks.length,
    long_task_total_ms: longTasks.reduce((sum: number, task: { duration: number }) => sum + task.duration, 0),
  };
}

/** (5) JS heap (after a forced garbage collection) and wasm memory, after a fresh load and N events. */
async function memory(
  page: Page,
  cdp: CDPSession,
  client: Client,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  await page.reload();
  await untilSubscribed(page, 0, 30_000);
  let published = 0;
  for (const [index, total] of PLAN.memoryAfter.entries()) {
    const tag = `m${index}`;
    const count = total - published;
    await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, false), [tag, count] as const);
    await client.publisher.stream(count, PLAN.memoryRate, (seq) => userCreated(tag, seq));
    await untilPhaseDone(page, count, 'arrived');
    const arrived = (await page.evaluate(() => __benchProbe.endPhase())).arrived.filter((t: number) => t > 0).length;
    published = total;
    await delay(1000);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => __benchProbe.wasmBytes());
    const key = index === 0 ? 'first' : 'second';
    figures[`memory.${key}.js`] = heap.usedSize / 2 ** 20;
    figures[`memory.${key}.wasm`] = wasm / 2 ** 20;
    figures[`memory.${key}.total`] = (heap.usedSize + wasm) / 2 ** 20;
    details[`memory.${total}`] = { arrived, js_heap_bytes: heap.usedSize, wasm_bytes: wasm };
  }
}

/** (6) Sockudo restarted (as in a deploy): from its port accepting again to every channel subscribed. */
async function reconnect(page: Page, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const offset = await clockOffset(page);
  const stoppedAt = wallClock();
  await client.stack.stopSockudo('graceful');
  const port = Number(new URL(client.stack.sockudoURL).port);
  const accepting = firstAccept(port, 30_000);
  await client.stack.startSockudo();
  const acceptedAt = await accepting;
  try {
    const back = await untilSubscribed(page, stoppedAt + offset, 60_000);
    figures.reconnect = back.subscribedAt - (acceptedAt + offset);
    details.reconnect = { restart_ms: acceptedAt - stoppedAt };
  } catch (error) {
    figures.reconnect = null;
    details.reconnect = { error: String(error) };
  }
}

/** One UserCreated on the tenant channel, named and numbered so the probe can find it. */
function userCreated(tag: string, seq: number): OutgoingEvent {
  const name = `Bench ${tag}-${seq}`;
  return {
    name: 'App\\Events\\UserCreated',
    channel: `private-tenant.${ACCOUNT.tenantId}`,
    data: {
      id: `bench-${tag}-${seq}`,
      occurred_at: new Date().toISOString(),
      sent_at: Date.now(),
      user: {
        id: 100_000 + seq,
        name,
        email: `bench-${tag}-${seq}@acme.test`,
        role: 'user',
        tenant_id: ACCOUNT.tenantId,
        status: 'active',
      },
    },
  };
}

/**
 * Waits until the badge said Connected and the server confirmed every channel, both at or
 * after `since` (page clock); returns when each happened first.
 */
async function untilSubscribed(
  page: Page,
  since: number,
  timeout: number,
): Promise<{ connectedAt: number; subscribedAt: number }> {
  const handle = await page.waitForFunction(
    ({ channels, since }) => {
      const p = __benchProbe;
      const connected = p.badge.find((change: { t: number; text: string }) => change.t >= since && change.text === 'Connected');
      const subscribed = channels.map(
        (channel: string) => p.subscriptions.find((s: { t: number; channel: string }) => s.t >= since && s.channel === channel)?.t,
      );
      if (!connected || subscribed.some((t: number | undefined) => t === undefined)) return false;
      return { connectedAt: connected.t, subscribedAt: Math.max(...subscribed) };
    },
    { channels: CHANNELS, since },
    { timeout, polling: 20 },
  );
  return handle.jsonValue() as Promise<{ connectedAt: number; subscribedAt: number }>;
}

/** Waits until every event of the phase `arrived` (or was `toasted`), or nothing changed for 3 s. */
async function untilPhaseDone(page: Page, count: number, what: 'arrived' | 'toasted'): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const progress = await page.evaluate(() => __benchProbe.phaseProgress());
    const done = progress[what];
    if (done >= count) return;
    if (done !== last) {
      last = done;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 3000) {
      return;
    }
    await delay(100);
  }
}

/**
 * The page's wall clock minus this process's, from the exchange with the shortest round trip.
 * Both read the same system clock, so this is close to zero; it is measured rather than assumed.
 */
async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 7; i++) {
    const before = wallClock();
    const inPage = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = wallClock();
    if (after - before < best.rtt) best = { rtt: after - before, offset: inPage - (before + after) / 2 };
  }
  return best.offset;
}

/** When a TCP connection to 127.0.0.1:`port` first succeeds (this process's wall clock). */
async function firstAccept(port: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const acceptedAt = await new Promise<number | null>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        const at = wallClock();
        socket.destroy();
        resolve(at);
      });
      socket.once('error', () => resolve(null));
    });
    if (acceptedAt !== null) return acceptedAt;
    if (Date.now() > deadline) throw new Error(`port ${port} did not accept within ${timeoutMs} ms`);
    await delay(2);
  }
}

function figureList(): Figure[] {
  const [first, second] = PLAN.memoryAfter;
  const s = (seconds: number) => `${seconds} s`;
  return [
    {
      id: 'transfer.first.gzip',
      label: 'First load (sign-in chunk): /login until its form is usable, gzip -9',
      unit: 'KB',
      digits: 1,
      target: { max: FIRST_LOAD_TARGET_KB, name: "the split build's target" },
    },
    { id: 'transfer.first.brotli', label: 'First load (sign-in chunk), brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.total.gzip', label: 'Through sign-in: first visit → home page Connected, gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.total.brotli', label: 'Through sign-in, brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.main.gzip', label: 'wasm alone: main wasm (in the first load), gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.main.brotli', label: 'wasm alone: main wasm, brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.chunks.gzip', label: 'wasm alone: chunks (after the first load, through Connected), gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.chunks.brotli', label: 'wasm alone: chunks, brotli -11', unit: 'KB', digits: 1 },
    { id: 'cold.form', label: 'Cold start: navigation → sign-in form usable', unit: 'ms', digits: 0 },
    { id: 'cold.connected', label: 'Reload with session → Connected', unit: 'ms', digits: 0 },
    { id: 'cold.subscribed', label: 'Reload with session → every channel subscribed', unit: 'ms', digits: 0 },
    { id: 'slow.form', label: 'Slow 4G, empty cache: navigation → sign-in form usable', unit: 'ms', digits: 0 },
    { id: 'slow.signIn', label: 'Slow 4G: sign-in click → Connected', unit: 'ms', digits: 0 },
    { id: 'slow.return', label: 'Slow 4G, return visit (warm cache, stored session): navigation → Connected', unit: 'ms', digits: 0 },
    ...PLAN.latencyRates.flatMap((rate) =>
      [50, 95, 99].map((p) => ({
        id: `latency.${rate}.p${p}`,
        label: `Event → toast, ${rate}/s for ${s(PLAN.latencySeconds)}: p${p}`,
        unit: 'ms',
        digits: 1,
      })),
    ),
    ...PLAN.latencyRates.map((rate) => ({
      id: `latency.${rate}.missed`,
      label: `Events never toasted at ${rate}/s`,
      unit: '',
      digits: 0,
    })),
    {
      id: 'burst.received',
      label: `Burst of ${PLAN.burstEvents} in ${s(PLAN.burstSeconds)}: events received`,
      unit: '',
      digits: 0,
    },
    { id: 'burst.history', label: 'Burst: its events in the history (up to each app\'s bound)', unit: '', digits: 0 },
    { id: 'burst.historyNewest', label: 'Burst: those are the newest that arrived (1 = yes)', unit: '', digits: 0 },
    { id: 'burst.longestTask', label: 'Burst: longest main-thread task (0 = none ≥ 50 ms)', unit: 'ms', digits: 0 },
    { id: 'burst.toasts', label: 'Burst: toasts on screen at its end', unit: '', digits: 0 },
    { id: 'memory.first.total', label: `Memory after ${first} events: JS heap + wasm`, unit: 'MB', digits: 2 },
    { id: 'memory.first.js', label: `… of which JS heap`, unit: 'MB', digits: 2 },
    { id: 'memory.first.wasm', label: `… of which wasm memory`, unit: 'MB', digits: 2 },
    { id: 'memory.second.total', label: `Memory after ${second} events: JS heap + wasm`, unit: 'MB', digits: 2 },
    { id: 'memory.second.js', label: `… of which JS heap`, unit: 'MB', digits: 2 },
    { id: 'memory.second.wasm', label: `… of which wasm memory`, unit: 'MB', digits: 2 },
    { id: 'reconnect', label: 'Reconnect: Sockudo accepting again → every channel subscribed', unit: 'ms', digits: 0 },
  ];
}

function writeResults(browser: Browser, runs: { herald: Measured; reference: Measured }[], tookMs: number): SummaryRow[] {
  const pairs: RunPair[] = runs.map((run) => ({ herald: run.herald.figures, reference: run.reference.figures }));
  const rows = summarize(figureList(), pairs);
  const environment = {
    chromium: browser.version(),
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    commit: gitCommit(),
  };
  const name = SMOKE ? 'smoke' : 'latest';
  const heading = [
    `# Herald against the reference client${SMOKE ? ' (smoke run: tiny counts, not figures to quote)' : ''}`,
    '',
    `${new Date().toISOString()} · commit ${environment.commit} · Chromium ${environment.chromium} · ` +
      `${environment.cpus} CPUs · ${PLAN.runs} run${PLAN.runs === 1 ? '' : 's'} in ${Math.round(tookMs / 1000)} s`,
    '',
    'Each cell: median over the runs (min–max). The ratio is taken within each run, then summarized; below 1 means Herald is smaller or faster.',
    '',
  ].join('\n');
  const markdown = `${heading}${markdownTable(rows)}\n`;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(
    path.join(RESULTS_DIR, `${name}.json`),
    JSON.stringify({ generated_at: new Date().toISOString(), smoke: SMOKE, plan: PLAN, environment, took_ms: tookMs, figures: rows, runs }, null, 2),
  );
  writeFileSync(path.join(RESULTS_DIR, `${name}.md`), markdown);
  console.log(`\n${markdown}\nwritten to ${path.join(RESULTS_DIR, name)}.{json,md}`);
  return rows;
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, encoding: 'utf8' }).trim();
    return dirty ? `${commit}+changes` : commit;
  } catch {
    return 'unknown';
  }
}

function requiredPath(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new Error(`${variable} is not set: run the bench through \`cargo xtask bench\``);
  return path.resolve(value);
}
