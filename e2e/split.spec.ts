import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page, Request } from '@playwright/test';

import { expect, test } from './support/fixtures';

// The split release build (issue 18): a first visit to /login carries only the sign-in page's
// wasm; the signed-in pages' chunks come after the form is usable, and a chunk that cannot be
// fetched shows Retry instead of a blank page or a dead app.

/** The chunks the build made, as `dist/index.html` hands them to `start.js` (`data-chunks`). */
function builtChunks(): string[] {
  const dist = process.env.HERALD_DIST;
  if (!dist) throw new Error('HERALD_DIST is not set: run the suite through `cargo xtask test`');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const chunks = /data-chunks="([^"]*)"/.exec(html)?.[1] ?? '';
  return chunks.split(/\s+/).filter(Boolean);
}

const isChunk = (chunks: string[]) => (url: string) => chunks.some((chunk) => new URL(url).pathname === chunk);

/** Every request `page` makes from now on, with the moment it was made (performance.now()). */
function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (request) => requests.push(request));
  return requests;
}

test('a first visit to /login fetches no signed-in chunk before the form is usable, then fetches them at idle', async ({ page, login }) => {
  const chunks = builtChunks();
  expect(chunks.length, 'the release build is split into chunks').toBeGreaterThan(0);
  const requests = recordRequests(page);
  await login.goto();
  await expect(login.signInButton).toBeEnabled();
  await expect(login.email).toBeEditable();
  const beforeUsable = requests.map((request) => request.url());
  expect(beforeUsable.filter(isChunk(chunks))).toEqual([]);

  // While the person types, every chunk arrives, so signing in waits for none of them.
  await expect
    .poll(() => requests.map((request) => request.url()).filter(isChunk(chunks)).length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(chunks.length);
});

test('a chunk that cannot be fetched shows Retry, and Retry brings the page', async ({ page, login, shell }) => {
  const chunks = builtChunks();
  const chunk = isChunk(chunks);
  let failing = true;
  await page.route(
    (url) => chunk(url.toString()),
    (route) => (failing ? route.abort('internetdisconnected') : route.continue()),
  );
  await login.goto();
  await login.signIn('user@acme.test', 'password');

  const banner = page.getByRole('alert').filter({ hasText: 'could not be downloaded' });
  await expect(banner).toBeVisible();
  // The app is alive and the page is not blank: the sign-in form is still there behind it.
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

  failing = false;
  await banner.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account');
  await expect(shell.connection).toHaveText('Connected');
  await expect(banner).toHaveCount(0);
});
