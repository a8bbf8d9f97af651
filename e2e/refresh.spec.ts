// Sessions that last the working day (issue 21): short-lived access tokens are refreshed ahead
// of expiry, by one tab per browser, without touching the socket; only the backend's refusal
// signs the person out, and a wrong browser clock changes nothing.

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page, Request } from '@playwright/test';

import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { expect, savedTokens, test } from './support/fixtures';

const OWNER = 'owner@acme.test';
/** What the login page says when the backend refused a refresh (`herald_client::refresh`). */
const REFUSED = 'Your session was ended (signed out elsewhere, or it could not be renewed). Please sign in again.';

test.use({ devserverArgs: ['--token-ttl', '5'] });

/** Every `POST /api/refresh` the pages of `context` send, with the refresh token each presents. */
class Refreshes {
  readonly sent: { at: number; refreshToken: string }[] = [];
  readonly refused: number[] = [];

  constructor(context: BrowserContext) {
    context.on('request', (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/refresh') {
        const body = request.postDataJSON() as { refresh_token: string };
        this.sent.push({ at: Date.now(), refreshToken: body.refresh_token });
      }
    });
    context.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/refresh' && response.status() === 401) {
        this.refused.push(Date.now());
      }
    });
  }

  get count(): number {
    return this.sent.length;
  }

  /** Resolves once one more refresh than now has been sent. */
  async next(): Promise<void> {
    const seen = this.count;
    await expect.poll(() => this.count, { timeout: 10_000 }).toBeGreaterThan(seen);
  }
}

/** Every response answered 401 to a request the pages of `context` made with a token. */
function unauthorized(context: BrowserContext): string[] {
  const seen: string[] = [];
  context.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (response.status() === 401 && path !== '/api/refresh' && path !== '/api/login') seen.push(path);
  });
  return seen;
}

async function signIn(page: Page, remember = true): Promise<Shell> {
  const login = new LoginPage(page);
  const shell = new Shell(page);
  await login.goto();
  if (remember) await page.getByLabel('Keep me signed in').check();
  await login.signIn(OWNER, 'password');
  await expect(shell.connection).toHaveText('Connected');
  return shell;
}

test('a 90-second session on 5-second tokens refreshes throughout on one socket that never reconnects', async ({
  page,
  context,
  fire,
  trackSockets,
}) => {
  test.setTimeout(150_000);
  const sockets = trackSockets(page);
  const refreshes = new Refreshes(context);
  const refused = unauthorized(context);
  const shell = await signIn(page);
  const started = Date.now();

  let events = 0;
  while (Date.now() - started < 90_000) {
    await refreshes.next();
    events += 1;
    const name = `Refresh Witness ${events}`;
    await fire('UserCreated', { tenant_id: 1, fields: { user: { name } } });
    await expect(shell.toast(name)).toBeVisible();
    await expect(shell.connection).toHaveText('Connected');
  }

  expect(refreshes.count).toBeGreaterThanOrEqual(15);
  expect(new Set(refreshes.sent.map((r) => r.refreshToken)).size, 'each refresh token presented once').toBe(
    refreshes.count,
  );
  expect(refreshes.refused).toEqual([]);
  expect(refused, 'no request made with a dead token').toEqual([]);
  expect(sockets.opened, 'one socket for the whole session').toBe(1);
  expect(sockets.open).toHaveLength(1);
});

test('three tabs make one refresh request per cycle', async ({ page, context }) => {
  test.setTimeout(60_000);
  const refreshes = new Refreshes(context);
  await signIn(page);
  for (const path of ['/account', '/notifications']) {
    const tab = await context.newPage();
    await tab.goto(path);
    await expect(new Shell(tab).connection).toHaveText('Connected');
  }
  const from = refreshes.count;
  const started = Date.now();
  for (let cycle = 0; cycle < 6; cycle += 1) await refreshes.next();
  const elapsed = Date.now() - started;
  const made = refreshes.sent.slice(from);
  // A cycle is at least 65% of the 5 s life: one request each, never three that race.
  expect(made.length).toBeLessThanOrEqual(Math.floor(elapsed / 3_250) + 2);
  for (let i = 1; i < made.length; i += 1) {
    expect(made[i].at - made[i - 1].at, 'no two tabs refresh together').toBeGreaterThan(2_000);
  }
  expect(new Set(made.map((r) => r.refreshToken)).size).toBe(made.length);
  expect(refreshes.refused).toEqual([]);
});

test('a spent refresh token replayed revokes the family, and every tab signs out with a notice', async ({
  page,
  context,
  stack,
}) => {
  const refreshes = new Refreshes(context);
  await signIn(page);
  const second = await context.newPage();
  await second.goto('/account');
  await expect(new Shell(second).connection).toHaveText('Connected');
  await refreshes.next();
  // The app has refreshed, so the refresh token it sent is spent. Someone replays it.
  const spent = refreshes.sent[refreshes.count - 1].refreshToken;
  await expect.poll(async () => (await savedTokens(page)).refresh_token).not.toBe(spent);
  const replay = await fetch(`${stack.baseURL}/api/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ refresh_token: spent }),
  });
  expect(replay.status).toBe(401);

  // The family is revoked: the app's next refresh is refused, and both tabs sign out.
  for (const tab of [page, second]) {
    await expect(new LoginPage(tab).signInButton).toBeVisible({ timeout: 10_000 });
    await expect(tab.getByText(REFUSED).first()).toBeVisible();
  }
});

test.describe('with a backend that keeps its data across a restart', () => {
  // A database on disk (the devserver creates the folder), so that the refresh tokens issued
  // before the outage are known after it.
  const dataDir = join(tmpdir(), `herald-refresh-${process.pid}-${Date.now()}`);
  test.use({ devserverArgs: ['--token-ttl', '5', '--data-dir', dataDir] });
  test.afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('a backend down for 20 s around a refresh leaves the person signed in, and nothing is lost', async ({
    page,
    context,
    stack,
    fire,
  }) => {
    test.setTimeout(120_000);
    const refreshes = new Refreshes(context);
    const shell = await signIn(page);
    await refreshes.next();
    await stack.stopDevserver();
    const stoppedAt = Date.now();
    // The refresh due meanwhile cannot reach the backend and is tried again with backoff.
    await refreshes.next();
    await expect.poll(() => Date.now() - stoppedAt, { timeout: 25_000, intervals: [1_000] }).toBeGreaterThan(20_000);
    await stack.startDevserver();
    // The next retry comes within the backoff's ceiling (30 s). With Channels, the server
    // closed the socket with 4001 when the access token ran out meanwhile: the new token
    // opens the next one.
    const back = refreshes.count;
    await expect.poll(() => refreshes.count, { timeout: 45_000 }).toBeGreaterThan(back);
    await expect(shell.connection).toHaveText('Connected', { timeout: 10_000 });
    await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'After The Outage' } } });
    await expect(shell.toast('After The Outage')).toBeVisible();
    await expect(new LoginPage(page).signInButton).toBeHidden();
  });
});

for (const [label, offset] of [
  ['10 minutes ahead', 10 * 60_000],
  ['10 minutes behind', -10 * 60_000],
] as const) {
  test(`a browser clock ${label} neither signs out early nor sends a dead token`, async ({ page, context, fire }) => {
    test.setTimeout(60_000);
    await page.clock.install({ time: new Date(Date.now() + offset) });
    const refreshes = new Refreshes(context);
    const refused = unauthorized(context);
    const shell = await signIn(page);
    for (let cycle = 0; cycle < 4; cycle += 1) await refreshes.next();
    await fire('UserCreated', { tenant_id: 1, fields: { user: { name: `Clock ${offset}` } } });
    await expect(shell.toast(`Clock ${offset}`)).toBeVisible();
    await expect(new LoginPage(page).signInButton).toBeHidden();
    expect(refused).toEqual([]);
    expect(refreshes.refused).toEqual([]);
  });
}
