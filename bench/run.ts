// The benchmark: Herald and the reference client (bench/reference), each in a fresh headless
// Chromium context against its own real stack (Sockudo + the demo backend serving the app,
// e2e/support/stack.ts), measured the same way in the same run, pair by pair. README.md in this
// folder says what each figure means; figures/ measures them, one file each. Run through
// `cargo xtask bench [--runs N] [--smoke]`, which builds both apps and passes the paths below.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { test, type Browser, type BrowserContext, type CDPSession, type Page } from '@playwright/test';

import { Stack } from '../e2e/support/stack';
import { ACCOUNT, PLAN, SMOKE, probedContext, type Client, type Measured, type ProbeProfile } from './common';
import { burst, burstFigures } from './figures/burst';
import { coldStart, coldStartFigures, slowStart } from './figures/cold-start';
import { latency, latencyFigures } from './figures/latency';
import { memory, memoryFigures } from './figures/memory';
import { reconnect, reconnectFigures } from './figures/reconnect';
import { tabs, tabsFigures } from './figures/tabs';
import { transferFigures } from './figures/transfer';
import { CompressingHost } from './host';
import { Publisher } from './publisher';
import { markdownTable, summarize, verdict, type Figure, type RunFigures, type RunPair, type SummaryRow } from './report';

const RESULTS_DIR = process.env.HERALD_BENCH_RESULTS ?? path.join(__dirname, 'results');

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
  const missedInLastTab = herald('tabs.missed');
  if (missedInLastTab !== undefined && missedInLastTab !== 0) {
    problems.push(`Herald never toasted ${missedInLastTab} events in the last of ${PLAN.tabs} tabs`);
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
  // Last, with every other context closed: the tabs are all that is connected and rendering.
  await tabs(browser, client, figures, details);
  return { figures, details };
}

async function openPage(browser: Browser, client: Client): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession }> {
  const context = await probedContext(browser, client, client.stack.baseURL);
  const page = await context.newPage();
  return { context, page, cdp: await context.newCDPSession(page) };
}

/** Every figure's rows, in the order of bench/README.md. */
function figureList(): Figure[] {
  return [
    ...transferFigures(),
    ...coldStartFigures(),
    ...latencyFigures(),
    ...burstFigures(),
    ...memoryFigures(),
    ...reconnectFigures(),
    ...tabsFigures(),
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
