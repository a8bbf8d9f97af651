// Figure 2, cold start: unthrottled in the measuring context, and on Slow 4G in a context of
// its own (bench/README.md). The unthrottled first visit also gives figure 1's transfer.

import type { Browser, BrowserContext, CDPSession, Page } from '@playwright/test';

import { probedContext, signIn, untilSubscribed, type Client } from '../common';
import type { CompressingHost } from '../host';
import type { Figure, RunFigures } from '../report';
import { Traffic } from '../traffic';
import { transfer } from './transfer';

/**
 * (1) What the first visit transfers, before the sign-in form is usable and through sign-in
 * until Connected; (2) how soon the form is usable in a fresh context, then how soon a reload
 * with the stored session is Connected and subscribed.
 */
export async function coldStart(page: Page, cdp: CDPSession, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
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
export async function slowStart(browser: Browser, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
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

/** Figure 2's rows. */
export function coldStartFigures(): Figure[] {
  return [
    { id: 'cold.form', label: 'Cold start: navigation → sign-in form usable', unit: 'ms', digits: 0 },
    { id: 'cold.connected', label: 'Reload with session → Connected', unit: 'ms', digits: 0 },
    { id: 'cold.subscribed', label: 'Reload with session → every channel subscribed', unit: 'ms', digits: 0 },
    { id: 'slow.form', label: 'Slow 4G, empty cache: navigation → sign-in form usable', unit: 'ms', digits: 0 },
    { id: 'slow.signIn', label: 'Slow 4G: sign-in click → Connected', unit: 'ms', digits: 0 },
    { id: 'slow.return', label: 'Slow 4G, return visit (warm cache, stored session): navigation → Connected', unit: 'ms', digits: 0 },
  ];
}
