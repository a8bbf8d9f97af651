import { expect, test } from './support/fixtures';

// leptos_router (src/routes.rs): links, Back and Forward move between pages in place,
// with one page load and one socket for the whole visit, and the header says where you are.

test('links, Back and Forward move between pages without reloading, and the current page is marked', async ({ page, login, shell, trackSockets }) => {
  const sockets = trackSockets(page);
  await login.goto();
  await login.signIn('owner@acme.test', 'password');
  await expect(page).toHaveURL(/\/tenant$/);
  await expect(shell.connection).toHaveText('Connected');
  // Survives only as long as this document: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { visit: string }).visit = 'one document'));

  const nav = page.getByRole('banner').getByRole('navigation', { name: 'Main' });
  const showing = async (path: RegExp, heading: string) => {
    await expect(page).toHaveURL(path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  };
  await expect(nav.getByRole('link', { name: 'Tenant' })).toHaveAttribute('aria-current', 'page');
  await nav.getByRole('link', { name: 'Account' }).click();
  await showing(/\/account$/, 'Your account');
  await expect(nav.getByRole('link', { name: 'Account' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Tenant' })).not.toHaveAttribute('aria-current', /.*/);

  await shell.openHistory();
  await showing(/\/notifications$/, 'Notifications');

  await page.goBack();
  await showing(/\/account$/, 'Your account');
  await page.goBack();
  await showing(/\/tenant$/, 'Your tenant');
  await page.goForward();
  await showing(/\/account$/, 'Your account');

  expect(await page.evaluate(() => (window as unknown as { visit?: string }).visit)).toBe('one document');
  expect(sockets.opened).toBe(1);
});

test('the sign-in page is not kept in the history once signed in, and a Ctrl-click is left to the browser', async ({ page, login, context }) => {
  await page.goto('/account');
  await expect(page).toHaveURL(/\/login$/);
  await login.signIn('user@acme.test', 'password');
  await expect(page).toHaveURL(/\/account$/);
  // The redirects replaced their entries: Back leaves the app instead of showing the sign-in form.
  await page.goBack();
  await expect(page).not.toHaveURL(/\/login$/);
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account');

  const opened = context.waitForEvent('page');
  await page.getByRole('banner').getByRole('link', { name: 'Herald' }).click({ modifiers: ['ControlOrMeta'] });
  const tab = await opened;
  await tab.close();
  await expect(page).toHaveURL(/\/account$/);
});
