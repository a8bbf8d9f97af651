// What every figure shares: the plan of a run, the clients being measured, the account they
// sign in as, and the waits on what the page's probe (bench/probe.js) records.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import type { Browser, BrowserContext, Page } from '@playwright/test';

import type { Stack } from '../e2e/support/stack';
import type { CompressingHost } from './host';
import { wallClock, type OutgoingEvent, type Publisher } from './publisher';
import type { RunFigures } from './report';

declare global {
  /** The page's probe (bench/probe.js), for the functions that run in the page. */
  var __benchProbe: any;
}

/** How much of everything one run does. */
export interface Plan {
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
  /** Tabs of one person opened in one browser context (figure 7). */
  tabs: number;
  /**
   * Events then published to the person's tenant, `tabEventRate` per second, whose toasts the
   * last tab opened is timed on: slow enough that neither app folds them or holds a toast back
   * (Herald folds more than 3 within 2 s and shows 3 at once; a toast stays 5 s).
   */
  tabEvents: number;
  tabEventRate: number;
}

export const SMOKE = process.env.HERALD_BENCH_SMOKE === '1';
/** A full run's plan. */
const FULL_PLAN: Plan = {
  runs: Number(process.env.HERALD_BENCH_RUNS ?? 5),
  latencyRates: [10, 100, 1000],
  latencySeconds: 5,
  burstEvents: 5000,
  burstSeconds: 5,
  memoryAfter: [100, 10_000],
  memoryRate: 1000,
  gapMs: 2500,
  tabs: 10,
  tabEvents: 10,
  tabEventRate: 0.4,
};

/** The plan of this run: a smoke run is one run with tiny counts at the same rates. */
export const PLAN: Plan = SMOKE
  ? { ...FULL_PLAN, runs: 1, latencySeconds: 0.3, burstEvents: 200, burstSeconds: 0.2, memoryAfter: [10, 100], tabs: 3, tabEvents: 2 }
  : FULL_PLAN;

/** The seeded account both clients sign in as (CONTRACT.md), and the channels it gets. */
export const ACCOUNT = { email: 'user@acme.test', password: 'password', userId: 4, tenantId: 1 };
export const CHANNELS = [`private-user.${ACCOUNT.userId}`, `private-tenant.${ACCOUNT.tenantId}`];

const PROBE_SOURCE = readFileSync(path.join(__dirname, 'probe.js'), 'utf8');
/** Where an app puts what the probe watches (bench/probe.js). */
export interface ProbeProfile {
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

export interface Client {
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
export interface Measured {
  figures: RunFigures;
  details: Record<string, unknown>;
}

/** A fresh context (its own empty HTTP cache and storage) whose pages all run the probe first. */
export async function probedContext(browser: Browser, client: Client, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript({
    content: `window.__benchProfile = ${JSON.stringify(client.probe)};\n${PROBE_SOURCE}`,
  });
  return context;
}

/**
 * Signs in through the form. Herald keeps the session for the tab only unless "Keep me signed
 * in" is ticked; the reference (no such box) always keeps it in localStorage. Ticked, Herald
 * keeps it there too, so a return visit in a new tab finds a stored session in both.
 */
export async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(ACCOUNT.email);
  await page.getByLabel('Password', { exact: true }).fill(ACCOUNT.password);
  const keep = page.getByLabel('Keep me signed in', { exact: true });
  if ((await keep.count()) > 0) await keep.check();
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** One UserCreated on the tenant channel, named and numbered so the probe can find it. */
export function userCreated(tag: string, seq: number): OutgoingEvent {
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
export async function untilSubscribed(
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

/**
 * Waits until the badge said Connected at or after `since` (page clock); returns when it first
 * did. Unlike `untilSubscribed` it reads nothing off the page's own socket, which a tab that
 * shares another tab's connection does not have.
 */
export async function untilConnected(page: Page, since: number, timeout: number): Promise<number> {
  const handle = await page.waitForFunction(
    (since) => __benchProbe.badge.find((change: { t: number; text: string }) => change.t >= since && change.text === 'Connected')?.t ?? false,
    since,
    { timeout, polling: 20 },
  );
  return handle.jsonValue() as Promise<number>;
}

/** Waits until every event of the phase `arrived` (or was `toasted`), or nothing changed for 3 s. */
export async function untilPhaseDone(page: Page, count: number, what: 'arrived' | 'toasted'): Promise<void> {
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
export async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 7; i++) {
    const before = wallClock();
    const inPage = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = wallClock();
    if (after - before < best.rtt) best = { rtt: after - before, offset: inPage - (before + after) / 2 };
  }
  return best.offset;
}
