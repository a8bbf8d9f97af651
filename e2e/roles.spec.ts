import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { expect, test } from './support/fixtures';

// Each seeded account, where it lands, and the channels its one socket carries — checked on
// the server (Sockudo's channel list), not only on the page.
const ACCOUNTS = [
  { email: 'admin@herald.test', home: '/approvals', heading: 'Approvals', channels: ['private-system.admin', 'private-user.1'] },
  { email: 'owner@acme.test', home: '/tenant', heading: 'Your tenant', channels: ['private-tenant.1', 'private-user.2'] },
  { email: 'owner@globex.test', home: '/tenant', heading: 'Your tenant', channels: ['private-tenant.2', 'private-user.3'] },
  { email: 'user@acme.test', home: '/account', heading: 'Your account', channels: ['private-tenant.1', 'private-user.4'] },
];

for (const account of ACCOUNTS) {
  test(`${account.email} lands on ${account.home} subscribed to exactly its channels`, async ({ page, channels }) => {
    const login = new LoginPage(page);
    const shell = new Shell(page);
    await login.goto();
    await login.signIn(account.email, 'password');
    await expect(page).toHaveURL(new RegExp(`${account.home}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(account.heading);
    await expect(shell.connection).toHaveText('Connected');
    await expect.poll(async () => (await channels()).sort()).toEqual([...account.channels].sort());
  });
}

test('a page for another role shows Not allowed, never its data', async ({ page, login }) => {
  await login.goto();
  await login.signIn('user@acme.test', 'password');
  await expect(page).toHaveURL(/\/account$/);
  for (const path of ['/approvals', '/tenant']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not allowed');
  }
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
});

test('signed out, a protected page sends you to sign in', async ({ page }) => {
  await page.goto('/tenant');
  await expect(page).toHaveURL(/\/login$/);
});
