// The page's Content-Security-Policy, and what must never leave the backend: its secrets, and
// the person's token anywhere but an Authorization header. (Payload text rendering inert is
// xss.spec.ts.)

import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Page } from '@playwright/test';

import { NotificationsPage } from './pages/NotificationsPage';
import { expect, subscription, test } from './support/fixtures';

/**
 * The secrets of the stack the tests run: the devserver's default JWT key (stack.ts passes no
 * `--jwt-secret`) and the Sockudo app secret stack.ts gives both Sockudo and, as the default,
 * the devserver. The first test proves they are the ones in use.
 */
const JWT_SECRET = 'herald-dev-jwt-secret';
const APP_SECRET = 'herald-secret';
const SECRETS = [JWT_SECRET, APP_SECRET];

/** What a page reported: CSP violations (from the page's own event), errors and console lines. */
interface Reports {
  violations: () => Promise<{ directive: string; blocked: string }[]>;
  errors: string[];
  console: string[];
}

/** Starts collecting `page`'s reports; call it before the page navigates. */
async function watchReports(page: Page): Promise<Reports> {
  const errors: string[] = [];
  const consoleLines: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    consoleLines.push(message.text());
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const w = window as any;
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      w.__violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
  return {
    violations: () => page.evaluate(() => (window as any).__violations),
    errors,
    console: consoleLines,
  };
}

/** A policy header as a map from directive name to its sources. */
function directives(policy: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const directive of policy.split(';').map((part) => part.trim()).filter(Boolean)) {
    const [name, ...sources] = directive.split(/\s+/);
    map.set(name.toLowerCase(), sources);
  }
  return map;
}

test('the page is served with a strict Content-Security-Policy, and signs in, connects and toasts under it', async ({
  page,
  login,
  shell,
  stack,
  fire,
}) => {
  const reports = await watchReports(page);

  const response = await page.goto('/login');
  const policy = response?.headers()['content-security-policy'];
  expect(policy, 'index.html has a Content-Security-Policy header').toBeTruthy();
  const csp = directives(policy!);
  expect(csp.get('default-src')).toEqual(["'none'"]);
  expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(csp.get('connect-src')).toEqual(["'self'", stack.sockudoURL.replace(/^http:/, 'ws:')]);
  expect(csp.get('object-src')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'none'"]);
  for (const [name, sources] of csp) {
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:', 'http:', 'https:']) {
      expect(sources, `${name} allows ${loose}`).not.toContain(loose);
    }
  }
  // The page itself holds no inline script for the policy to have to allow.
  const html = await (await fetch(`${stack.baseURL}/login`)).text();
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) expect(script, 'every script is a file').toMatch(/\ssrc=/i);
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);

  const subscribed = subscription(page, 'private-user.4');
  await login.signIn('user@acme.test', 'password');
  await subscribed;
  await fire('PasswordChanged', { user_id: 4 });
  await expect(shell.toast('Password changed')).toBeVisible();
  await shell.openHistory();
  await expect(new NotificationsPage(page).entry('Password changed')).toBeVisible();

  expect(await reports.violations()).toEqual([]);
  expect(reports.errors).toEqual([]);
});

test('the policy is enforced: inline script, inline handlers and other origins are refused', async ({ page }) => {
  const reports = await watchReports(page);
  // The served page with an inline script added, and the server's own headers kept.
  await page.route(
    (url) => url.pathname === '/login',
    async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace('</head>', '<script>window.__inlineRan = true</script></head>');
      await route.fulfill({ response, body });
    },
  );
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  const outcome = await page.evaluate(async () => {
    const button = document.createElement('button');
    button.setAttribute('onclick', 'window.__handlerRan = true');
    document.body.append(button);
    button.click();
    button.remove();
    const fetched = await fetch('http://evil.test/').then(
      () => 'fetched',
      () => 'refused',
    );
    const w = window as any;
    return { inlineRan: w.__inlineRan === true, handlerRan: w.__handlerRan === true, fetched };
  });
  expect(outcome).toEqual({ inlineRan: false, handlerRan: false, fetched: 'refused' });
  // The violations this test caused are reported, so the other tests' empty lists mean something.
  await expect
    .poll(async () => (await reports.violations()).map((violation) => violation.directive))
    .toEqual(expect.arrayContaining(['script-src-elem', 'script-src-attr', 'connect-src']));
});

test('neither the JWT secret nor the Sockudo app secret is in the built app', async ({ stack }) => {
  // First, that these are the secrets in use: the token is signed with one, channel
  // signatures with the other.
  const loginResponse = await fetch(`${stack.baseURL}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ email: 'user@acme.test', password: 'password' }),
  });
  const { token } = (await loginResponse.json()) as { token: string };
  const [header, claims, signature] = token.split('.');
  expect(createHmac('sha256', JWT_SECRET).update(`${header}.${claims}`).digest('base64url')).toBe(signature);
  const authResponse = await fetch(`${stack.baseURL}/broadcasting/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ socket_id: '1234.5678', channel_name: 'private-user.4' }),
  });
  const { auth } = (await authResponse.json()) as { auth: string };
  const expected = createHmac('sha256', APP_SECRET).update('1234.5678:private-user.4').digest('hex');
  expect(auth).toBe(`herald-key:${expected}`);

  const dist = process.env.HERALD_DIST!;
  const files = filesUnder(dist);
  const names = files.map((file) => path.basename(file));
  expect(names).toEqual(expect.arrayContaining(['index.html', 'config.json']));
  // start.js is content-hashed in the split release build (start.<hash>.js).
  expect(names.some((name) => /^start(\.[0-9a-f]+)?\.js$/.test(name))).toBe(true);
  expect(files.some((file) => file.endsWith('.wasm'))).toBe(true);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const secret of SECRETS) {
      for (const form of encodings(secret)) {
        expect(bytes.includes(form), `${path.relative(dist, file)} contains ${secret}`).toBe(false);
      }
    }
  }
  // And the config the server hands out, as the browser gets it.
  const served = await (await fetch(`${stack.baseURL}/config.json`)).text();
  for (const secret of SECRETS) expect(served).not.toContain(secret);
});

test('the token is never in a URL, a frame or a console line, and no secret reaches the browser, even in debug mode', async ({
  page,
  shell,
  login,
  fire,
}) => {
  const reports = await watchReports(page);
  // Debug mode logs every realtime step to the console: the most there is to leak into.
  await page.route('**/config.json', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), debug: true } });
  });
  const urls: string[] = [];
  const bearers: string[] = [];
  page.on('request', (request) => {
    urls.push(request.url());
    const authorization = request.headers()['authorization'];
    if (authorization) bearers.push(authorization);
  });
  const received: Promise<Buffer | null>[] = [];
  page.on('response', (response) => {
    if (response.status() < 300 || response.status() >= 400) received.push(response.body().catch(() => null));
  });
  const frames: string[] = [];
  page.on('websocket', (socket) => {
    urls.push(socket.url());
    socket.on('framesent', ({ payload }) => frames.push(String(payload)));
    socket.on('framereceived', ({ payload }) => frames.push(String(payload)));
  });

  await login.goto();
  const loginAnswer = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/login');
  const subscribed = subscription(page, 'private-tenant.1');
  await login.signIn('owner@acme.test', 'password');
  const { token } = (await (await loginAnswer).json()) as { token: string };
  await subscribed;
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Lea Logged' } } });
  await expect(shell.toast('Lea Logged')).toBeVisible();
  await shell.openHistory();
  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  // A reload restores the session from storage: /api/me, channel auth and the socket again.
  await page.reload();
  await expect(shell.connection).toHaveText('Connected');
  await shell.signOut();
  await expect(login.signInButton).toBeVisible();

  // The token was in use, in the one place it belongs.
  expect(bearers).toContain(`Bearer ${token}`);
  expect(reports.console.some((line) => line.includes('[herald:realtime]')), 'debug mode logged').toBe(true);
  expect(frames.some((frame) => frame.includes('pusher:subscribe'))).toBe(true);
  const signature = token.split('.')[2];
  for (const leak of [token, signature]) {
    expect(urls.filter((url) => url.includes(leak) || decodeURIComponent(url).includes(leak))).toEqual([]);
    expect(frames.filter((frame) => frame.includes(leak))).toEqual([]);
    expect(reports.console.filter((line) => line.includes(leak))).toEqual([]);
  }
  const bodies = (await Promise.all(received)).filter((body): body is Buffer => body !== null);
  expect(bodies.length).toBeGreaterThan(5);
  for (const secret of SECRETS) {
    expect(bodies.filter((body) => body.includes(secret)).length, `a response contains ${secret}`).toBe(0);
    expect(frames.filter((frame) => frame.includes(secret)), `a frame contains ${secret}`).toEqual([]);
  }
  expect(await reports.violations()).toEqual([]);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/** A secret as it could sit in a file: as UTF-8 or UTF-16 text, or base64-encoded. */
function encodings(secret: string): Buffer[] {
  const base64 = Buffer.from(secret).toString('base64');
  return [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(base64)];
}
