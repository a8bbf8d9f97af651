// Figure 7, ten tabs of one person in one browser (bench/README.md): what Sockudo holds for
// them, what they cost in memory, and how soon the last tab opened shows an event. It measures
// whatever the app does (a socket per tab, or one shared by all): nothing here assumes either.

import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test';

import { ACCOUNT, clockOffset, PLAN, probedContext, signIn, untilConnected, untilPhaseDone, userCreated, type Client } from '../common';
import { percentile, type Figure, type RunFigures } from '../report';
import { Traffic } from '../traffic';

/** The channel the bench's events go to, which every tab of the person follows. */
const TENANT_CHANNEL = `private-tenant.${ACCOUNT.tenantId}`;
/** How long a tab may take to say Connected, or the first event to reach the last tab. */
const STEP_TIMEOUT_MS = 30_000;
/** How long the first event gets to show in the last tab before another is sent. */
const FIRST_EVENT_WAIT_MS = 3_000;

interface Tab {
  page: Page;
  cdp: CDPSession;
  /** From the tab's navigation start to its badge first saying Connected. */
  connectedMs: number;
}

/**
 * (7) Signs in on a first tab ("Keep me signed in" ticked), opens the others one after another
 * on `/` in the same context (the stored session restores them), each until its badge says
 * Connected; then, once an event has shown in the last tab: Sockudo's connections and the
 * tenant channel's subscriptions, event → toast in the last tab, and the memory of all of them.
 * A step that fails leaves the figures after it empty and says where in `details.tabs.error`.
 */
export async function tabs(browser: Browser, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  for (const figure of tabsFigures()) figures[figure.id] = null;
  const report: Record<string, unknown> = {};
  details.tabs = report;
  const browserCdp = await browser.newBrowserCDPSession();
  const opened: Tab[] = [];
  let step = 'before';
  let context: BrowserContext | undefined;
  try {
    // What is there before the tabs, for the record: the run's other contexts are closed.
    report.before = { connections: await connectedSockets(client), renderers: await rendererMemory(browserCdp) };
    context = await probedContext(browser, client, client.stack.baseURL);

    step = 'tab 1: sign-in';
    const first = await newTab(context);
    const traffic = await Traffic.watch(first.cdp);
    await first.page.goto('/login');
    await first.page.waitForFunction(() => __benchProbe.formUsableAt > 0, null, { polling: 20, timeout: STEP_TIMEOUT_MS });
    // As elsewhere: what the page fetches while a person types is fetched before they click.
    await traffic.quiet();
    traffic.stop();
    await signIn(first.page);
    opened.push({ ...first, connectedMs: await connectedSince(first.page, 0) });
    for (let n = 2; n <= PLAN.tabs; n++) {
      step = `tab ${n}`;
      const tab = await newTab(context);
      await tab.page.goto('/');
      opened.push({ ...tab, connectedMs: await connectedSince(tab.page, 0) });
    }
    const last = opened[opened.length - 1];
    // The last tab opened is the one in front, as it would be for the person.
    await last.page.bringToFront();
    figures['tabs.lastConnected'] = last.connectedMs;
    report.connected_ms = opened.map((tab) => tab.connectedMs);

    step = 'first event in the last tab';
    report.first_event_attempts = await untilLastTabToasts(last.page, client);
    await delay(PLAN.gapMs);

    step = 'server';
    const server = await settledServerCounts(client);
    // Only the tabs connect to this stack's Sockudo (the publisher uses its HTTP API).
    figures['tabs.connections'] = server.connections;
    figures['tabs.subscriptions'] = server.subscriptions;
    report.server = server;
    // Whether each tab has a socket of its own: its probe saw Sockudo's connection_established.
    report.tabs_with_own_socket = (
      await Promise.all(opened.map((tab) => tab.page.evaluate(() => __benchProbe.connections.length > 0)))
    ).filter(Boolean).length;
    report.visibility = await Promise.all(opened.map((tab) => tab.page.evaluate(() => document.visibilityState)));

    step = 'event → toast in the last tab';
    const toast = await toastLatencies(last.page, client);
    figures['tabs.toast.p50'] = toast.latencies.length ? percentile(toast.latencies, 50) : null;
    figures['tabs.toast.max'] = toast.latencies.length ? Math.max(...toast.latencies) : null;
    figures['tabs.missed'] = PLAN.tabEvents - toast.latencies.length;
    report.toast = toast.details;

    step = 'memory';
    await delay(1000);
    const heaps = await heapsAndWasm(opened);
    const renderers = await rendererMemory(browserCdp);
    figures['tabs.memory.renderers'] = renderers.pss / 2 ** 20;
    figures['tabs.memory.heaps'] = (heaps.jsHeapBytes + heaps.wasmBytes) / 2 ** 20;
    report.memory = { renderers, ...heaps };
  } catch (error) {
    report.error = { step, message: String(error) };
  } finally {
    await context?.close();
    await browserCdp.detach();
  }
}

/** A new page of `context`, with a CDP session of its own. */
async function newTab(context: BrowserContext): Promise<{ page: Page; cdp: CDPSession }> {
  const page = await context.newPage();
  return { page, cdp: await context.newCDPSession(page) };
}

/** From the page's navigation start to its badge first saying Connected at or after `since`. */
async function connectedSince(page: Page, since: number): Promise<number> {
  const connectedAt = await untilConnected(page, since, STEP_TIMEOUT_MS);
  return connectedAt - (await page.evaluate(() => performance.timeOrigin));
}

/**
 * Sends one event at a time until one shows in the last tab: a tab that says Connected may not
 * have its channels yet (or its sibling that holds the socket may not), and an event sent
 * before they are is never delivered. Returns how many were sent.
 */
async function untilLastTabToasts(page: Page, client: Client): Promise<number> {
  const tag = 'tready';
  const attempts = Math.ceil(STEP_TIMEOUT_MS / FIRST_EVENT_WAIT_MS);
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, true), [tag, attempts] as const);
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      await client.publisher.trigger(userCreated(tag, attempt));
      const shown = await page
        .waitForFunction(() => __benchProbe.phaseProgress().toasted > 0, null, { timeout: FIRST_EVENT_WAIT_MS, polling: 20 })
        .then(() => true)
        .catch(() => false);
      if (shown) return attempt + 1;
    }
  } finally {
    await page.evaluate(() => __benchProbe.endPhase());
  }
  throw new Error(`no event showed in the last tab within ${STEP_TIMEOUT_MS} ms`);
}

/** The plan's events, slowly, from each publish request to its toast in the last tab. */
async function toastLatencies(page: Page, client: Client): Promise<{ latencies: number[]; details: unknown }> {
  const tag = 'tabs';
  const count = PLAN.tabEvents;
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, true), [tag, count] as const);
  const offset = await clockOffset(page);
  const sent = await client.publisher.stream(count, PLAN.tabEventRate, (seq) => userCreated(tag, seq));
  await untilPhaseDone(page, count, 'toasted');
  const seen = await page.evaluate(() => __benchProbe.endPhase());
  const latencies: number[] = [];
  for (let seq = 0; seq < count; seq++) {
    if (seen.toasted[seq] > 0) latencies.push(seen.toasted[seq] - offset - sent.sentAt[seq]);
  }
  return {
    latencies,
    details: {
      events: count,
      publish_failures: sent.failures,
      publish_error: sent.firstError,
      toasted: latencies.length,
      // Frames the last tab's own socket received: none when another tab holds the connection.
      arrived_at_its_socket: seen.arrived.filter((t: number) => t > 0).length,
      latencies_ms: latencies,
      clock_offset_ms: offset,
    },
  };
}

/**
 * Sockudo's connections (its metrics' `sockudo_connected` gauge for the app) and the tenant
 * channel's subscriptions (its channel API), read until three readings 250 ms apart agree: a
 * tab may still be subscribing.
 */
async function settledServerCounts(client: Client): Promise<{ connections: number; subscriptions: number; readings: number }> {
  let previous = '';
  let agreeing = 0;
  for (let readings = 1; ; readings++) {
    const counts = { connections: await connectedSockets(client), subscriptions: await client.publisher.subscriptionCount(TENANT_CHANNEL) };
    const key = JSON.stringify(counts);
    agreeing = key === previous ? agreeing + 1 : 1;
    previous = key;
    if (agreeing === 3 || readings === 40) return { ...counts, readings };
    await delay(250);
  }
}

/** The sockets Sockudo holds for the app right now: the `sockudo_connected` gauge, over its series. */
async function connectedSockets(client: Client): Promise<number> {
  const response = await fetch(`${client.stack.sockudoMetricsURL}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`Sockudo's metrics answered ${response.status}: ${text.slice(0, 200)}`);
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const sample = /^sockudo_connected(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!sample || !(sample[1] ?? '').includes('app_id="herald"')) continue;
    total = (total ?? 0) + Number(sample[2]);
  }
  // Sockudo writes no series until a socket of the app has connected.
  return total ?? 0;
}

/**
 * Every tab's JS heap in use after two forced garbage collections (CDP, as figure 5), counted
 * once per V8 isolate (tabs sharing a renderer process share one), plus every tab's
 * WebAssembly memories (the probe's; each tab instantiates its own).
 */
async function heapsAndWasm(opened: Tab[]): Promise<{ jsHeapBytes: number; wasmBytes: number; isolates: number }> {
  const heapByIsolate = new Map<string, number>();
  let wasmBytes = 0;
  for (const tab of opened) {
    await tab.cdp.send('HeapProfiler.collectGarbage');
    await tab.cdp.send('HeapProfiler.collectGarbage');
  }
  for (const tab of opened) {
    const { id } = await tab.cdp.send('Runtime.getIsolateId');
    const heap = await tab.cdp.send('Runtime.getHeapUsage');
    heapByIsolate.set(id, heap.usedSize);
    wasmBytes += await tab.page.evaluate(() => __benchProbe.wasmBytes());
  }
  const jsHeapBytes = [...heapByIsolate.values()].reduce((sum, bytes) => sum + bytes, 0);
  return { jsHeapBytes, wasmBytes, isolates: heapByIsolate.size };
}

interface RendererMemory {
  /** Summed over the renderer processes: proportional set size, unique (private) and resident bytes. */
  pss: number;
  uss: number;
  rss: number;
  processes: number;
}

/**
 * The browser's renderer processes (CDP `SystemInfo.getProcessInfo`) but those of its own UI
 * (`--top-chrome-webui`: headless Chromium keeps an omnibox popup), each read from Linux's
 * `/proc/{pid}/smaps_rollup`: what the tabs cost the machine, wasm linear memory and DOM
 * included. PSS shares each page of memory among the processes that map it.
 */
async function rendererMemory(browserCdp: CDPSession): Promise<RendererMemory> {
  const { processInfo } = await browserCdp.send('SystemInfo.getProcessInfo');
  const total: RendererMemory = { pss: 0, uss: 0, rss: 0, processes: 0 };
  for (const process of processInfo.filter((info) => info.type === 'renderer')) {
    let commandLine: string;
    let rollup: string;
    try {
      commandLine = await readFile(`/proc/${process.id}/cmdline`, 'utf8');
      rollup = await readFile(`/proc/${process.id}/smaps_rollup`, 'utf8');
    } catch {
      continue; // It exited since it was listed.
    }
    if (commandLine.split('\0').includes('--top-chrome-webui')) continue;
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
    total.pss += kB('Pss');
    total.uss += kB('Private_Clean') + kB('Private_Dirty');
    total.rss += kB('Rss');
    total.processes += 1;
  }
  return total;
}

/** Figure 7's rows. */
export function tabsFigures(): Figure[] {
  const tabs = `${PLAN.tabs} tabs of one person`;
  return [
    { id: 'tabs.connections', label: `${tabs}: connections Sockudo holds`, unit: '', digits: 0 },
    { id: 'tabs.subscriptions', label: `${tabs}: subscriptions on ${TENANT_CHANNEL}`, unit: '', digits: 0 },
    { id: 'tabs.memory.renderers', label: `${tabs}: memory of the renderer processes (PSS)`, unit: 'MB', digits: 1 },
    { id: 'tabs.memory.heaps', label: `${tabs}: JS heaps + wasm memories`, unit: 'MB', digits: 2 },
    { id: 'tabs.lastConnected', label: `${tabs}: the last tab, navigation → Connected`, unit: 'ms', digits: 0 },
    {
      id: 'tabs.toast.p50',
      label: `${tabs}: event → toast in the last tab, ${PLAN.tabEvents} events: p50`,
      unit: 'ms',
      digits: 1,
    },
    { id: 'tabs.toast.max', label: `${tabs}: … the slowest`, unit: 'ms', digits: 1 },
    { id: 'tabs.missed', label: `${tabs}: events never toasted in the last tab`, unit: '', digits: 0 },
  ];
}
