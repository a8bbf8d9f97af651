// Payload text renders inert: every XSS payload of support/xss-corpus.ts, through every text
// field of every contract event, through names saved with the real API, and through the
// backend's error messages, shows as the literal text it is — no dialog, no request, no new
// element.
//
// The browser ignores the page's Content-Security-Policy here (`bypassCSP`), so these tests
// check the rendering on its own: were a payload ever parsed as markup, its script would run
// and its image load, instead of being stopped by the policy (security.spec.ts tests that).

import { readdirSync } from 'node:fs';

import type { Browser, Page, Request } from '@playwright/test';

import { ApprovalsPage } from './pages/ApprovalsPage';
import { LoginPage } from './pages/LoginPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { Shell } from './pages/Shell';
import { TenantPage } from './pages/TenantPage';
import { expect, subscription, test, type FireOptions, type StackFixtures } from './support/fixtures';
import type { Stack } from './support/stack';
import { PAYLOAD_TAGS, XSS_CORPUS } from './support/xss-corpus';

test.use({ bypassCSP: true });

const PAYLOADS = XSS_CORPUS.map((payload) => payload.text);

type Fire = StackFixtures['fire'];

/** The seeded people the payloads are shown to. */
const OWNER = { email: 'owner@acme.test', id: 2, tenant: 1 };
const ADMIN = { email: 'admin@herald.test', id: 1 };
const MEMBER = { email: 'user@acme.test', id: 4 };

/**
 * One contract event: where it goes, its payload with every text field set to `p` (numeric
 * ids stay numbers, made unique by `n` so live pages add a row per payload), and the title
 * and message its history entry shows (CONTRACT.md's toast table), if payload text is in them.
 */
interface EventCase {
  event: string;
  to: Pick<FireOptions, 'tenant_id' | 'user_id'>;
  fields: (p: string, n: number) => Record<string, unknown>;
  /** The entry's fixed title, when it has one. */
  title?: string;
  shows?: (p: string) => string[];
}

const tenant = (p: string, id: number) => ({ id, name: p, email: p, status: p });
const user = (p: string, id: number) => ({ id, name: p, email: p, role: p, status: p, tenant_id: OWNER.tenant });
const notice = (p: string) => ({ title: p, message: p, level: p });

const TENANT_EVENTS: EventCase[] = [
  {
    event: 'TenantCreated',
    to: { tenant_id: OWNER.tenant },
    fields: (p) => ({ tenant: tenant(p, OWNER.tenant) }),
    shows: (p) => ['Tenant created', `${p} was created.`],
  },
  {
    event: 'TenantUpdated',
    to: { tenant_id: OWNER.tenant },
    fields: (p) => ({ tenant: tenant(p, OWNER.tenant) }),
    shows: (p) => ['Tenant updated', `${p}'s details were updated.`],
  },
  {
    event: 'TenantSuspended',
    to: { tenant_id: OWNER.tenant },
    fields: (p) => ({ tenant: tenant(p, OWNER.tenant), reason: p }),
    shows: (p) => ['Tenant suspended', p],
  },
  {
    event: 'UserCreated',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ user: user(p, 10_000 + n) }),
    shows: (p) => ['User created', `${p} has been added to the system.`],
  },
  {
    event: 'UserUpdated',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ user: user(p, 11_000 + n) }),
    shows: (p) => ['User updated', `${p}'s details were updated.`],
  },
  {
    event: 'UserDeleted',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ user: user(p, 12_000 + n) }),
    shows: (p) => ['User removed', `${p} was removed.`],
  },
  {
    event: 'PaymentCompleted',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ payment: { id: 13_000 + n, amount: p, currency: p, payer: p, reference: p } }),
    shows: (p) => ['Payment received', `${p} ${p} from ${p}.`],
  },
  {
    event: 'PaymentFailed',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ payment: { id: 14_000 + n, amount: p, currency: p, payer: p, reference: p }, reason: p }),
    shows: (p) => ['Payment failed', `${p} ${p} from ${p}: ${p}`],
  },
  {
    event: 'HotspotUserCreated',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ hotspot_user: { id: 15_000 + n, username: p, package: p, expires_at: p } }),
    shows: (p) => ['Hotspot user created', `${p} on ${p}.`],
  },
  {
    event: 'HotspotUserExpired',
    to: { tenant_id: OWNER.tenant },
    fields: (p, n) => ({ hotspot_user: { id: 16_000 + n, username: p, package: p, expires_at: p } }),
    shows: (p) => ['Hotspot session expired', `${p}'s session ended.`],
  },
  {
    event: 'SystemNotification',
    to: { tenant_id: OWNER.tenant },
    fields: (p) => notice(p),
    shows: (p) => [p],
  },
  // The owner's own channel. These three show no payload text; ProfileUpdated's name goes to
  // the header, checked separately.
  { event: 'PasswordChanged', to: { user_id: OWNER.id }, fields: () => ({}), title: 'Password changed' },
  { event: 'AccountActivated', to: { user_id: OWNER.id }, fields: () => ({}), title: 'Account activated' },
  {
    event: 'ProfileUpdated',
    to: { user_id: OWNER.id },
    fields: (p) => ({ user: user(p, OWNER.id) }),
    title: 'Profile updated',
  },
];

const ADMIN_EVENTS: EventCase[] = [
  {
    event: 'TenantRegistered',
    to: {},
    fields: (p, n) => ({ tenant: tenant(p, 20_000 + n) }),
    shows: (p) => ['New tenant registration', `${p} is waiting for approval.`],
  },
  {
    event: 'TenantApproved',
    to: {},
    fields: (p, n) => ({ tenant: tenant(p, 21_000 + n), approved_by: p }),
    shows: (p) => ['Tenant approved', `${p} was approved.`],
  },
  { event: 'SystemAlert', to: {}, fields: (p) => notice(p), shows: (p) => [p] },
];

test('every text field of every contract event renders payloads as text', async ({
  browser,
  stack,
  fire,
  page: signedOut,
}) => {
  test.setTimeout(90_000);
  // The owner watches the history in one tab and the tenant's live page in another; the
  // admin the same with approvals.
  const ownerChannels = [`private-tenant.${OWNER.tenant}`, `private-user.${OWNER.id}`];
  const owner = await signedIn(browser, stack, OWNER.email, ownerChannels, ['/notifications', '/tenant']);
  const admin = await signedIn(browser, stack, ADMIN.email, ['private-system.admin'], ['/notifications', '/approvals']);
  const [ownerHistory, tenantPage] = owner.pages;
  const [adminHistory, approvalsPage] = admin.pages;
  await expect(new TenantPage(tenantPage).users.getByRole('listitem').first()).toBeVisible();
  await expect(new ApprovalsPage(approvalsPage).tenants.getByRole('listitem').first()).toBeVisible();
  const watches = await Promise.all([...owner.pages, ...admin.pages].map((page) => Watch.start(page, stack)));

  const run = async (cases: EventCase[], historyPage: Page) => {
    for (const eventCase of cases) {
      await Promise.all(
        PAYLOADS.map((p, n) => {
          // Text ids and times too: `id` carries the payload (kept unique), `occurred_at` is it.
          const fields = { ...eventCase.fields(p, n), id: `${eventCase.event}-${n} ${p}`, occurred_at: p };
          return fire(eventCase.event, { ...eventCase.to, fields });
        }),
      );
      const history = new NotificationsPage(historyPage);
      if (eventCase.shows) {
        const expected = PAYLOADS.map(eventCase.shows);
        // Not a speed check (that is the bench's): with some 400 entries and both tabs of the
        // person sharing one socket, a burst of 45 takes 2–7 s to be drawn on this machine, as
        // every entry re-renders the history (issue 22 pages and virtualises it).
        await expect
          .poll(() => missingEntries(history, expected), { message: eventCase.event, timeout: 20_000 })
          .toEqual([]);
      } else if (eventCase.title) {
        // No payload text to look for: wait until the whole batch is in the history.
        await expect(history.entry(eventCase.title)).toHaveCount(PAYLOADS.length);
      }
    }
  };
  // The three audiences at once, to keep the test short: the member's suspensions are slow
  // (each one ends the session).
  await Promise.all([
    run(TENANT_EVENTS, ownerHistory),
    run(ADMIN_EVENTS, adminHistory),
    suspensions(browser, stack, fire, signedOut),
  ]);

  // The live pages drew rows from the events' records, literally.
  const users = await new TenantPage(tenantPage).users.textContent();
  // A status that is not "pending" puts a registration among the decided tenants.
  const tenants = await new ApprovalsPage(approvalsPage).tenants.textContent();
  for (const p of PAYLOADS) {
    expect(users, 'a user row').toContain(p);
    expect(tenants, 'a tenant row').toContain(p);
  }
  // The header follows ProfileUpdated: it shows the name of whichever came last, as text.
  const header = (await ownerHistory.getByRole('banner').textContent()) ?? '';
  expect(PAYLOADS.filter((p) => header.includes(p)), header).not.toEqual([]);

  for (const watch of watches) await watch.expectInert();
  await owner.context.close();
  await admin.context.close();
});

test("names saved through the API, and the backend's error messages, render payloads as text", async ({
  browser,
  stack,
  page: signedOut,
}) => {
  test.setTimeout(60_000);
  const owner = await signedIn(browser, stack, OWNER.email, [`private-tenant.${OWNER.tenant}`], ['/tenant']);
  const admin = await signedIn(browser, stack, ADMIN.email, ['private-system.admin'], ['/approvals']);
  const [tenantPage] = owner.pages;
  const [approvalsPage] = admin.pages;
  const users = new TenantPage(tenantPage).users;
  const tenants = new ApprovalsPage(approvalsPage).tenants;
  await expect(users.getByRole('listitem').first()).toBeVisible();
  await expect(tenants.getByRole('listitem').first()).toBeVisible();
  const watches = await Promise.all([tenantPage, approvalsPage].map((page) => Watch.start(page, stack)));

  // Members and tenants named with payloads, as an owner and an admin would add them (the
  // demo backend stores names as given, as Laravel does).
  const created = await Promise.all(
    PAYLOADS.flatMap((p, n) => [
      api(stack, `/api/tenants/${OWNER.tenant}/users`, owner.token, {
        name: p,
        email: `xss-${n}@acme.test`,
        password: 'password',
        password_confirmation: 'password',
        role: 'user',
      }),
      api(stack, '/api/tenants', admin.token, { name: p, email: `xss-${n}@tenants.test` }),
    ]),
  );
  expect(created.filter((status) => status !== 201)).toEqual([]);
  // Live, from the UserCreated events those additions broadcast...
  const missingFrom = async (list: typeof users) => {
    const text = (await list.textContent()) ?? '';
    return PAYLOADS.filter((p) => !text.includes(p));
  };
  await expect.poll(() => missingFrom(users)).toEqual([]);
  // ...and loaded from the API's lists.
  for (const page of [tenantPage, approvalsPage]) await page.reload();
  await expect.poll(() => missingFrom(users)).toEqual([]);
  await expect.poll(() => missingFrom(tenants)).toEqual([]);

  // The backend's messages. The demo backend never puts input into one, but a real one may
  // (Laravel's `:input` in a validation message), so the browser gets answers that do.
  let failures = 0;
  await tenantPage.route(
    (url) => url.pathname === `/api/tenants/${OWNER.tenant}/users`,
    (route) => route.fulfill({ status: 500, json: { message: PAYLOADS[failures++ % PAYLOADS.length] } }),
  );
  const loadFailed = tenantPage.getByRole('alert').filter({ hasText: 'Could not load users.' });
  await tenantPage.reload();
  for (const [n, p] of PAYLOADS.entries()) {
    if (n > 0) await loadFailed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => loadFailed.textContent()).toBe(`Could not load users. ${p}Retry`);
  }

  const login = new LoginPage(signedOut);
  await login.goto();
  await expect(login.signInButton).toBeVisible();
  const watch = await Watch.start(signedOut, stack);
  let refusals = 0;
  await signedOut.route(
    (url) => url.pathname === '/api/login',
    (route) => {
      const p = PAYLOADS[refusals++ % PAYLOADS.length];
      return route.fulfill({ status: 422, json: { message: p, errors: { email: [`Email: ${p}`] } } });
    },
  );
  await login.email.fill('someone@acme.test');
  await login.password.fill('wrong password');
  for (const p of PAYLOADS) {
    await login.signInButton.click();
    await expect.poll(() => signedOut.getByRole('alert').textContent()).toBe(p);
    expect(await signedOut.getByRole('main').textContent()).toContain(`Email: ${p}`);
  }

  for (const each of [...watches, watch]) await each.expectInert();
  await owner.context.close();
  await admin.context.close();
});

/**
 * AccountSuspended, for every payload: its reason on the sign-in page, in the "Signed out"
 * toast and in the member's history. Each suspension ends the session, so the member signs in
 * again for the next.
 */
async function suspensions(browser: Browser, stack: Stack, fire: Fire, signedOut: Page): Promise<void> {
  const member = await signedIn(browser, stack, MEMBER.email, [`private-user.${MEMBER.id}`], ['/notifications']);
  const [page] = member.pages;
  const watch = await Watch.start(page, stack);
  await signedOut.goto('/login');
  await expect(new LoginPage(signedOut).signInButton).toBeVisible();
  await watch.baseline(signedOut);
  const notice = page.getByRole('main').getByRole('status');
  const toast = new Shell(page).toast('Signed out');
  const login = new LoginPage(page);
  for (const [n, p] of PAYLOADS.entries()) {
    if (n > 0) {
      const subscribed = subscription(page, `private-user.${MEMBER.id}`);
      await login.signIn(MEMBER.email, 'password');
      await subscribed;
    }
    const fields = { reason: p, id: `AccountSuspended-${n} ${p}`, occurred_at: p };
    await fire('AccountSuspended', { user_id: MEMBER.id, fields });
    await expect(page).toHaveURL(/\/login/);
    await expect.poll(() => notice.textContent()).toBe(`Your account was suspended: ${p}`);
    await expect.poll(() => toast.textContent()).toContain(`Your account was suspended: ${p}`);
    await watch.expectInert();
  }
  await page.goto('/notifications');
  const expected = PAYLOADS.map((p) => ['Account suspended', `${p}. The user is signed out.`]);
  await expect.poll(() => missingEntries(new NotificationsPage(page), expected)).toEqual([]);
  await watch.expectInert();
  await member.context.close();
}

/**
 * A context signed in as `email` (its token restored from storage, as after a reload), with a
 * page at each of `paths`, each subscribed to `channels`.
 */
async function signedIn(browser: Browser, stack: Stack, email: string, channels: string[], paths: string[]) {
  const token = await apiToken(stack, email);
  const context = await browser.newContext({ baseURL: stack.baseURL, bypassCSP: true });
  await context.addInitScript((token) => sessionStorage.setItem('herald.token', token), token);
  const pages: Page[] = [];
  for (const path of paths) {
    const page = await context.newPage();
    // The context's first page holds the browser's one socket; the others are relayed to.
    const subscribed = pages.length === 0 ? Promise.all(channels.map((channel) => subscription(page, channel))) : undefined;
    await page.goto(path);
    await (subscribed ?? expect(new Shell(page).connection).toHaveText('Connected'));
    pages.push(page);
  }
  return { context, pages, token };
}

async function apiToken(stack: Stack, email: string): Promise<string> {
  const response = await fetch(`${stack.baseURL}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email, password: 'password' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

/** POSTs `body` to the API as the holder of `token`; the answer's status. */
async function api(stack: Stack, path: string, token: string, body: unknown): Promise<number> {
  const response = await fetch(`${stack.baseURL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return response.status;
}

/** The entries of `expected` (texts one history entry must all show) that no entry shows. */
async function missingEntries(history: NotificationsPage, expected: string[][]): Promise<string[][]> {
  const entries = await history.entries.evaluateAll((items) => items.map((item) => item.textContent ?? ''));
  return expected.filter((texts) => !entries.some((entry) => texts.every((text) => entry.includes(text))));
}

/** The elements and attributes a rendered payload would add. */
interface Census {
  tags: Record<string, number>;
  /** Attributes named `on…`: inline event handlers. The app sets none. */
  handlers: string[];
  /** URL attributes with a `javascript:` or `data:` URL. */
  scriptUrls: string[];
}

function census(page: Page): Promise<Census> {
  return page.evaluate((tags) => {
    const counts: Record<string, number> = {};
    for (const tag of tags) counts[tag] = document.getElementsByTagName(tag).length;
    const handlers: string[] = [];
    const scriptUrls: string[] = [];
    const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      for (const attribute of Array.from(element.attributes)) {
        const name = attribute.name.toLowerCase();
        if (name.startsWith('on')) handlers.push(`${element.tagName} ${name}`);
        if (urlAttributes.includes(name) && /^\s*(javascript|data):/i.test(attribute.value)) {
          scriptUrls.push(`${element.tagName} ${name}=${attribute.value}`);
        }
      }
    }
    return { tags: counts, handlers, scriptUrls };
  }, [...PAYLOAD_TAGS]);
}

/** Files of the built app: the only paths outside the API a page may request. */
const APP_FILES = new Set(readdirSync(process.env.HERALD_DIST ?? '.').map((name) => `/${name}`));

/**
 * Watches one page for what a live payload would do: a dialog, a request, an element. Elements
 * are compared with a census of the same route taken before any payload was shown.
 */
class Watch {
  private readonly dialogs: string[] = [];
  private readonly requests: string[] = [];
  private readonly baselines = new Map<string, Census>();

  private constructor(private readonly page: Page) {}

  /** Starts watching `page`, which has settled: what it shows now is its route's baseline. */
  static async start(page: Page, stack: Stack): Promise<Watch> {
    const watch = new Watch(page);
    await watch.baseline(page);
    page.on('dialog', (dialog) => {
      watch.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!isAppRequest(request, stack)) watch.requests.push(`${request.resourceType()} ${request.url()}`);
    });
    const socketOrigin = stack.sockudoURL.replace(/^http:/, 'ws:');
    page.on('websocket', (socket) => {
      if (!socket.url().startsWith(`${socketOrigin}/`)) watch.requests.push(`websocket ${socket.url()}`);
    });
    return watch;
  }

  /** Takes the census of the route `page` shows (this page, or a clean one) as its baseline. */
  async baseline(page: Page): Promise<void> {
    this.baselines.set(new URL(page.url()).pathname, await census(page));
  }

  async expectInert(): Promise<void> {
    const where = this.page.url();
    expect(this.dialogs, `dialogs on ${where}`).toEqual([]);
    expect(this.requests, `unexpected requests from ${where}`).toEqual([]);
    const before = this.baselines.get(new URL(where).pathname);
    expect(before, `a baseline census of ${where}`).toBeDefined();
    const after = await census(this.page);
    expect(after.tags, `elements on ${where}`).toEqual(before!.tags);
    expect(after.handlers, `inline handlers on ${where}`).toEqual([]);
    expect(after.scriptUrls, `script URLs on ${where}`).toEqual([]);
  }
}

function isAppRequest(request: Request, stack: Stack): boolean {
  const url = new URL(request.url());
  if (url.origin !== new URL(stack.baseURL).origin) return false;
  const path = url.pathname;
  return (
    path.startsWith('/api/') ||
    path.startsWith('/broadcasting/') ||
    APP_FILES.has(path) ||
    request.resourceType() === 'document'
  );
}
