// Nothing lost, nothing leaked: the app against real faults. Sockudo crashes and comes back
// mid-stream, the browser goes offline, the backend goes down under an open socket, a token
// expires, a channel is refused, and frames arrive broken. Pusher does not replay; catch-up
// must, so after each fault the history must equal the backend's own record.

import { setTimeout as delay } from 'node:timers/promises';

import type { Page, Request } from '@playwright/test';

import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { refusedTenantChannel, servedWithConfig } from './support/dist';
import { expect, test, tokenOf } from './support/fixtures';
import type { Stack } from './support/stack';

// Every test here breaks its stack on purpose.
test.use({ freshStack: true });

/** The two channels user@acme.test listens on, and an event for each. */
const STREAM = [
  { event: 'PaymentCompleted', tenant_id: 1 },
  { event: 'AccountActivated', user_id: 4 },
];

/**
 * Publishes `total` events through the backend in batches of `batch`, `pauseMs` apart,
 * alternating between the person's channels. A batch published while Sockudo is down is
 * answered 502 but recorded, as a real backend's queued broadcast would be: exactly what a
 * client misses and catch-up must bring back.
 */
async function stream(stack: Stack, total: number, batch: number, pauseMs: number): Promise<void> {
  for (let sent = 0, i = 0; sent < total; i++) {
    const count = Math.min(batch, total - sent);
    const response = await fetch(`${stack.baseURL}/api/dev/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...STREAM[i % STREAM.length], count }),
    });
    expect([200, 502], await response.text()).toContain(response.status);
    sent += count;
    await delay(pauseMs);
  }
}

/** Every event id the backend recorded for the token's person, oldest first. */
async function backendRecord(stack: Stack, token: string): Promise<string[]> {
  const ids: string[] = [];
  let after = '';
  for (;;) {
    const query = after ? `?after=${encodeURIComponent(after)}&limit=1000` : '?limit=1000';
    const response = await fetch(`${stack.baseURL}/api/notifications${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const page = await response.json();
    if (page.data.length === 0) return ids;
    ids.push(...page.data.map((record: { id: string }) => record.id));
    after = page.next_after;
  }
}

/** The ids in the app's saved history for user 4 (saved within a fraction of a second). */
async function historyIds(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem('herald.history.4') ?? '{"entries":[]}');
    return stored.entries.map((entry: { notification: { id: string } }) => entry.notification.id);
  });
}

/** Collects the title of every toast that appears, however briefly. */
async function recordToasts(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seenToasts: string[] }).seenToasts = seen;
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node instanceof HTMLElement && node.matches('li.toast')) seen.push(node.textContent ?? '');
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { seenToasts: string[] }).seenToasts);
}

/** Signs user@acme.test in, waits for both channels, and receives one event so the app has
 * a position to catch up from (a first session has none). */
async function signInWithPosition(page: Page, shell: Shell, channels: () => Promise<string[]>, fire: (e: string, o: object) => Promise<unknown>): Promise<void> {
  await new LoginPage(page).signInConnected('user@acme.test', shell);
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.4']));
  await fire('AccountActivated', { user_id: 4 });
  await expect(shell.toast('Account activated')).toBeVisible();
}

async function expectHistoryEqualsRecord(page: Page, stack: Stack): Promise<void> {
  const record = await backendRecord(stack, await tokenOf(page));
  expect(record.length).toBeLessThanOrEqual(500);
  await expect
    .poll(async () => {
      const ids = await historyIds(page);
      expect(new Set(ids).size, 'nothing twice').toBe(ids.length);
      return [...ids].sort();
    }, { timeout: 30_000, message: 'the history holds exactly the backend record' })
    .toEqual([...record].sort());
}

test('Sockudo crashing ten times during 500 events loses none: the history equals the backend record', async ({ page, shell, stack, fire, channels }) => {
  test.setTimeout(180_000);
  await signInWithPosition(page, shell, channels, fire);
  const toasts = await recordToasts(page);

  const restarts = (async () => {
    for (let i = 0; i < 10; i++) {
      await delay(700);
      await stack.stopSockudo('crash');
      await delay(300);
      await stack.startSockudo();
    }
  })();
  await Promise.all([stream(stack, 499, 5, 60), restarts]);

  await expect(shell.connection).toHaveText('Connected', { timeout: 40_000 });
  await expectHistoryEqualsRecord(page, stack);
  expect((await backendRecord(stack, await tokenOf(page))).length).toBe(500);
  const summaries = (await toasts()).filter((text) => /notifications? while you were away/.test(text));
  expect(summaries.length, 'missed events are announced in summary, not replayed').toBeGreaterThan(0);
});

test('going offline and online during a stream loses nothing', async ({ page, shell, stack, fire, channels }) => {
  test.setTimeout(120_000);
  await signInWithPosition(page, shell, channels, fire);

  const outages = (async () => {
    for (let i = 0; i < 2; i++) {
      await delay(1_000);
      await page.context().setOffline(true);
      await delay(2_500);
      await page.context().setOffline(false);
    }
  })();
  await Promise.all([stream(stack, 200, 4, 80), outages]);

  await expect(shell.connection).toHaveText('Connected', { timeout: 40_000 });
  await expectHistoryEqualsRecord(page, stack);
});

test('with the backend down under an open socket, channel auth backs off, then everything resumes', async ({ page, shell, stack, fire, channels }) => {
  test.setTimeout(120_000);
  await new LoginPage(page).signInConnected('user@acme.test', shell);
  await expect.poll(channels).toContain('private-user.4');
  // When each channel's authorization was asked for, by channel.
  const asked = new Map<string, number[]>();
  page.on('request', (request) => {
    if (!request.url().endsWith('/broadcasting/auth')) return;
    const channel = new URLSearchParams(request.postData() ?? '').get('channel_name') ?? '?';
    asked.set(channel, [...(asked.get(channel) ?? []), Date.now()]);
  });

  await stack.stopDevserver();
  // A new socket needs every channel authorized again, and the backend is not there.
  await stack.stopSockudo('crash');
  await stack.startSockudo();
  // Four tries of each channel: the first, and three retries spaced by a backoff that starts
  // at 1 s (ceilings 1, 2 and 4 s with jitter), so this takes a few seconds, never a loop.
  const TRIES = 4;
  await expect
    .poll(() => [...asked.values()].map((times) => Math.min(times.length, TRIES)), { timeout: 30_000 })
    .toEqual([TRIES, TRIES]);
  for (const [channel, times] of asked) {
    const gaps = times.slice(1, TRIES).map((at, i) => at - times[i]);
    // The backoff's floor is 100 ms: a tight loop would show gaps of a few milliseconds.
    expect(Math.min(...gaps), `${channel}: gaps ${gaps.join(', ')} ms`).toBeGreaterThanOrEqual(90);
  }

  await stack.startDevserver();
  await expect.poll(channels, { timeout: 40_000 }).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.4']));
  await fire('PasswordChanged', { user_id: 4 });
  await expect(shell.toast('Password changed')).toBeVisible({ timeout: 2_000 });
});

test.describe('a token that expires mid-stream, from a backend that offers no refresh', () => {
  test.use({ devserverArgs: ['--token-ttl', '8', '--refresh-ttl', '0'] });

  test('signs out at its expiry, closes the socket, and shows nothing after', async ({ page, stack, trackSockets }) => {
    const sockets = trackSockets(page);
    const shell = new Shell(page);
    await new LoginPage(page).signInConnected('user@acme.test', shell);
    const toasts = await recordToasts(page);
    const streaming = stream(stack, 60, 1, 200);
    await expect(page).toHaveURL(/\/login$/, { timeout: 15_000 });
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Your session expired. Please sign in again.');
    await sockets.allClosed();
    const shownAtSignOut = (await toasts()).length;
    await streaming;
    await stream(stack, 2, 1, 0);
    expect((await toasts()).length - shownAtSignOut, 'no toast after the session ended').toBe(0);
  });
});

test.describe('a channel the person may not join', () => {
  // The built app with a config whose tenant channel template the backend refuses for this
  // person, as a misconfigured deployment would have, served by this test's backend.
  test.use({ devserverArgs: servedWithConfig(refusedTenantChannel) });

  test('gets one clear error and no retry loop, and the other channels work', async ({ page, stack, fire, channels }) => {
    const refused: Request[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/broadcasting/auth') && request.postData()?.includes('private-tenant.91')) refused.push(request);
    });
    const shell = new Shell(page);
    await new LoginPage(page).signInConnected('user@acme.test', shell);
    await expect(shell.toast('Live updates unavailable for private-tenant.91')).toContainText(
      'You are not allowed to receive these updates.',
    );
    await expect.poll(channels).toContain('private-user.4');
    // A new socket does not try the refused channel again.
    await stack.stopSockudo('crash');
    await stack.startSockudo();
    await expect(shell.connection).toHaveText('Connected', { timeout: 20_000 });
    await expect.poll(channels).toContain('private-user.4');
    await fire('PasswordChanged', { user_id: 4 });
    await expect(shell.toast('Password changed')).toBeVisible({ timeout: 2_000 });
    expect(refused.length, 'asked once').toBe(1);
    await expect(shell.toast('Live updates unavailable')).toHaveCount(1);
  });
});

test('malformed and oversized frames are logged and the connection carries on', async ({ page, shell, fire, channels }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const logged: string[] = [];
  page.on('console', (message) => logged.push(message.text()));
  // A relay between the page and the real Sockudo, through which the test adds frames.
  let inject: ((text: string) => void) | undefined;
  await page.routeWebSocket(/\/app\/herald-key/, (ws) => {
    ws.connectToServer();
    inject = (text) => ws.send(text);
  });
  await page.goto('/login?debug=1');
  await new LoginPage(page).signIn('user@acme.test', 'password');
  await expect(shell.connection).toHaveText('Connected');
  await expect.poll(channels).toContain('private-user.4');
  expect(inject).toBeDefined();

  const huge = 'x'.repeat(1024 * 1024);
  const bad = [
    'not json at all',
    '{"event": 42}',
    '[]',
    '{"event":"App\\\\Events\\\\UserCreated","channel":"private-tenant.1","data":"{broken json"}',
    JSON.stringify({ event: 'App\\Events\\UserCreated', channel: 'private-tenant.1', data: huge }),
    huge,
    JSON.stringify({ event: 'App\\Events\\PasswordChanged', channel: 'private-user.999', data: '{}' }),
  ];
  for (const frame of bad) inject?.(frame);

  await fire('PasswordChanged', { user_id: 4 });
  await expect(shell.toast('Password changed')).toBeVisible({ timeout: 2_000 });
  await expect(shell.connection).toHaveText('Connected');
  expect(errors, 'no uncaught error').toEqual([]);
  expect(logged.some((line) => line.includes('frame rejected'))).toBe(true);
  expect(logged.some((line) => line.includes('private-user.999'))).toBe(true);
});
