// One person, one browser (issue 20): the tabs of one browser context share one socket, one
// notification state and one session. Pages of one Playwright context are tabs of one browser
// profile: they share its Web Locks, BroadcastChannels and storage.

import type { BrowserContext, Page, WebSocket } from '@playwright/test';

import { LoginPage } from './pages/LoginPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { Shell } from './pages/Shell';
import { expect, test } from './support/fixtures';
import type { Stack } from './support/stack';

const OWNER = 'owner@acme.test';
const TENANT_CHANNEL = 'private-tenant.1';

/** Every WebSocket the watched pages of a context open. */
class ContextSockets {
  readonly sockets: { page: Page; socket: WebSocket }[] = [];

  watch(page: Page): Page {
    page.on('websocket', (socket) => this.sockets.push({ page, socket }));
    return page;
  }

  /** The sockets open now (a closed page's went with it, whether or not it reported closing). */
  get open(): number {
    return this.sockets.filter(({ page, socket }) => !page.isClosed() && !socket.isClosed()).length;
  }
}

/**
 * Signs in on `page` and waits for Connected; `remember` ticks "Keep me signed in", so that tabs
 * opened later find the session. Default: true.
 */
async function signIn(page: Page, remember = true): Promise<void> {
  const login = new LoginPage(page);
  await login.goto();
  if (remember) await page.getByLabel('Keep me signed in').check();
  await login.signIn(OWNER, 'password');
  await expect(new Shell(page).connection).toHaveText('Connected');
}

/** Opens another tab of `context` on `path`, which finds the stored session, and waits for Connected. */
async function openTab(context: BrowserContext, sockets: ContextSockets, path: string): Promise<Page> {
  const page = sockets.watch(await context.newPage());
  await page.goto(path);
  await expect(new Shell(page).connection).toHaveText('Connected');
  return page;
}

/**
 * How many subscriptions the realtime server counts on `channel` (Sockudo's channel API with
 * `info=subscription_count`), or, where the server does not count them (the Channels server),
 * undefined.
 */
async function subscriptions(stack: Stack, channel: string): Promise<number | undefined> {
  const response = await fetch(
    `${stack.baseURL}/api/dev/channels?filter_by_prefix=${encodeURIComponent(channel)}&info=subscription_count`,
    { headers: { accept: 'application/json' } },
  );
  const body = (await response.json()) as { channels?: Record<string, { subscription_count?: number }> };
  const info = body.channels?.[channel];
  if (info === undefined) return 0;
  return info.subscription_count;
}

/** Has every page of the context say whether it is hidden, as a browser does for background tabs. */
async function allowHiding(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as any;
    w.__setHidden = (hidden: boolean) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      Object.defineProperty(document, 'visibilityState', {
        configurable: true,
        get: () => (hidden ? 'hidden' : 'visible'),
      });
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
}

test('three tabs share one socket, an event shows in all three, and another browser has its own', async ({
  page,
  context,
  browser,
  stack,
  fire,
}) => {
  const sockets = new ContextSockets();
  sockets.watch(page);
  await signIn(page);
  const tabs = [page, await openTab(context, sockets, '/account'), await openTab(context, sockets, '/notifications')];

  expect(sockets.open).toBe(1);
  if (stack.transport === 'pusher') {
    await expect.poll(() => subscriptions(stack, TENANT_CHANNEL)).toBe(1);
  }

  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Seen Thrice' } } });
  for (const tab of tabs) await expect(new Shell(tab).toast('Seen Thrice')).toBeVisible();

  // Another browser profile (or a private window) is another browser: its own socket.
  const other = await browser.newContext({ baseURL: stack.baseURL });
  try {
    const otherSockets = new ContextSockets();
    await signIn(otherSockets.watch(await other.newPage()));
    expect(otherSockets.open).toBe(1);
    if (stack.transport === 'pusher') {
      await expect.poll(() => subscriptions(stack, TENANT_CHANNEL)).toBe(2);
    }
  } finally {
    await other.close();
  }
  expect(sockets.open).toBe(1);
});

test('closing the tab holding the socket hands it over within 2 s, losing and doubling nothing fired meanwhile', async ({
  page,
  context,
  fire,
}) => {
  const sockets = new ContextSockets();
  sockets.watch(page);
  await signIn(page);
  const second = await openTab(context, sockets, '/notifications');
  const third = await openTab(context, sockets, '/account');
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Before Handover' } } });
  await expect(new Shell(second).toast('Before Handover')).toBeVisible();
  // The first tab signed in first, so it holds the socket.
  expect(sockets.sockets.filter(({ page: tab, socket }) => tab === page && !socket.isClosed())).toHaveLength(1);

  await page.close();
  const names = ['During 1', 'During 2', 'During 3', 'During 4', 'During 5'];
  for (const name of names) await fire('UserCreated', { tenant_id: 1, fields: { user: { name } } });

  // Another tab opened the browser's socket, and is Connected, within 2 s.
  await expect.poll(() => sockets.open, { timeout: 2_000 }).toBe(1);
  await expect(new Shell(second).connection).toHaveText('Connected', { timeout: 2_000 });
  await expect(new Shell(third).connection).toHaveText('Connected', { timeout: 2_000 });

  // Connected is not yet subscribed: the third tab, on /account, lists the channels the new
  // socket has confirmed.
  await expect(third.getByRole('region', { name: 'Live channels' })).toContainText(TENANT_CHANNEL);
  // Another kind, so that its toast stands alone: the six user events before it may have
  // folded into one toast.
  await fire('HotspotUserCreated', { tenant_id: 1, fields: { hotspot_user: { username: 'After Handover' } } });
  for (const tab of [second, third]) await expect(new Shell(tab).toast('After Handover')).toBeVisible();

  const history = new NotificationsPage(second);
  for (const name of ['Before Handover', ...names, 'After Handover']) {
    await expect(history.entry(name)).toHaveCount(1);
  }
  // The third tab has the same history: open it there.
  await third.goto('/notifications');
  const thirdHistory = new NotificationsPage(third);
  for (const name of ['Before Handover', ...names, 'After Handover']) {
    await expect(thirdHistory.entry(name)).toHaveCount(1);
  }
});

test('read marks and sign-out in one tab apply in every tab at once', async ({ page, context, browser, stack, fire }) => {
  const sockets = new ContextSockets();
  sockets.watch(page);
  await signIn(page);
  const second = await openTab(context, sockets, '/account');
  const third = await openTab(context, sockets, '/notifications');
  await fire('UserCreated', { tenant_id: 1, count: 3 });
  for (const tab of [page, second, third]) {
    await expect(new Shell(tab).bell).toHaveAccessibleName('Notifications, 3 unread');
  }

  await new NotificationsPage(third).markAllRead.click();
  for (const tab of [page, second]) {
    await expect(new Shell(tab).bell).toHaveAccessibleName('Notifications, none unread', { timeout: 1_000 });
  }
  // And it was saved once, right: a reload reads 0 too.
  await second.reload();
  await expect(new Shell(second).bell).toHaveAccessibleName('Notifications, none unread');

  await new Shell(second).signOut();
  for (const tab of [page, second, third]) await expect(tab).toHaveURL(/\/login$/);
  await expect.poll(() => sockets.open).toBe(0);
  if (stack.transport === 'pusher') {
    await expect.poll(() => subscriptions(stack, TENANT_CHANNEL)).toBe(0);
  }
  // A witness still signed in elsewhere says when the event has been delivered.
  const witness = await browser.newContext({ baseURL: stack.baseURL });
  try {
    const witnessPage = await witness.newPage();
    await signIn(witnessPage);
    // Connected is not yet subscribed: /account lists the channels the socket has confirmed.
    await witnessPage.getByRole('link', { name: 'Account' }).click();
    await expect(witnessPage.getByRole('region', { name: 'Live channels' })).toContainText(TENANT_CHANNEL);
    await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'After Sign Out' } } });
    await expect(new Shell(witnessPage).toast('After Sign Out')).toBeVisible();
  } finally {
    await witness.close();
  }
  for (const tab of [page, second, third]) await expect(tab.getByText('After Sign Out')).toHaveCount(0);
  // A new tab finds no session either.
  const fourth = await context.newPage();
  await fourth.goto('/account');
  await expect(fourth).toHaveURL(/\/login$/);
});

test('a desktop notification is raised once per event, and only while every tab is hidden', async ({
  page,
  context,
  fire,
}) => {
  await context.grantPermissions(['notifications']);
  await allowHiding(context);
  await context.addInitScript(() => {
    const w = window as any;
    const Native = window.Notification;
    w.__desktop = [];
    function Recording(title: string, options?: NotificationOptions) {
      const shown = new Native(title, options);
      w.__desktop.push(options?.body ?? '');
      return shown;
    }
    Object.defineProperty(Recording, 'permission', { get: () => Native.permission });
    (Recording as any).requestPermission = () => Native.requestPermission();
    w.Notification = Recording;
  });
  const sockets = new ContextSockets();
  sockets.watch(page);
  await signIn(page);
  const second = await openTab(context, sockets, '/notifications');
  const third = await openTab(context, sockets, '/account');
  const tabs = [page, second, third];
  await new NotificationsPage(second).enableDesktop.click();
  await expect(second.getByRole('button', { name: 'Turn off desktop notifications' })).toBeVisible();
  const raised = async () => (await Promise.all(tabs.map((tab) => tab.evaluate(() => (window as any).__desktop)))).flat();

  // One tab visible: toasts, no desktop notification.
  for (const tab of [page, second]) await tab.evaluate(() => (window as any).__setHidden(true));
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Third Sees It' } } });
  await expect(new Shell(third).toast('Third Sees It')).toBeVisible();
  expect(await raised()).toEqual([]);

  await third.evaluate(() => (window as any).__setHidden(true));
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Nobody Looks' } } });
  await expect.poll(raised).toEqual([expect.stringContaining('Nobody Looks')]);
  // Tabs handle relayed events in order: once the next event's notification is up, any tab
  // that would have raised the first one again has had its turn.
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Still Nobody' } } });
  await expect
    .poll(raised)
    .toEqual([expect.stringContaining('Nobody Looks'), expect.stringContaining('Still Nobody')]);
});

test('signing in in one tab signs in every open tab, and "keep me signed in" still decides whether a new tab finds it', async ({
  page,
  context,
}) => {
  const sockets = new ContextSockets();
  sockets.watch(page);
  const second = sockets.watch(await context.newPage());
  await second.goto('/login');
  await signIn(page, false);
  // The open tab on the sign-in page follows.
  await expect(second).not.toHaveURL(/\/login$/);
  await expect(new Shell(second).connection).toHaveText('Connected');
  expect(sockets.open).toBe(1);

  // Unticked: the session is this browser session's tabs', not a new tab's.
  const third = sockets.watch(await context.newPage());
  await third.goto('/account');
  await expect(third).toHaveURL(/\/login$/);
  // Signing in there again is one session for all three.
  await new LoginPage(third).signIn(OWNER, 'password');
  for (const tab of [page, second, third]) await expect(new Shell(tab).connection).toHaveText('Connected');
  expect(sockets.open).toBe(1);
});
