// The role pages change as things happen, without a reload: two admins' approvals pages,
// two tabs of one tenant admin, and a person suspended while signed in. Every test changes
// the backend's data, so each gets a stack of its own.

import type { Browser, Page } from '@playwright/test';

import { ApprovalsPage } from './pages/ApprovalsPage';
import { AccountPage } from './pages/AccountPage';
import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { TenantPage } from './pages/TenantPage';
import { expect, holdRequests, test } from './support/fixtures';

test.use({ freshStack: true });

/** How soon another tab must show a change it learns about over the socket. */
const LIVE_MS = 2_000;

/** A browser context of its own (a separate person or tab), signed in and connected. */
async function signedIn(browser: Browser, baseURL: string, email: string): Promise<{ page: Page; shell: Shell }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const shell = new Shell(page);
  await new LoginPage(page).signInConnected(email, shell);
  return { page, shell };
}

async function register(baseURL: string, name: string, email: string): Promise<void> {
  const response = await fetch(`${baseURL}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ name, email, owner_name: 'Gavin Belson', password: 'password', password_confirmation: 'password' }),
  });
  expect(response.status, await response.text()).toBe(201);
}

test('a registration appears on every admin page live, and each decision moves the row for the other admin', async ({ browser, stack }) => {
  const a = await signedIn(browser, stack.baseURL, 'admin@herald.test');
  const b = await signedIn(browser, stack.baseURL, 'admin@herald.test');
  const approvalsA = new ApprovalsPage(a.page);
  const approvalsB = new ApprovalsPage(b.page);
  await expect(approvalsA.pendingRow('Initech Wireless')).toBeVisible();
  await expect(approvalsB.pendingRow('Initech Wireless')).toBeVisible();

  await register(stack.baseURL, 'Hooli Hotspots', 'gavin@hooli.test');
  await expect(approvalsA.pendingRow('Hooli Hotspots')).toBeVisible({ timeout: LIVE_MS });
  await expect(approvalsB.pendingRow('Hooli Hotspots')).toBeVisible({ timeout: LIVE_MS });
  await expect(b.shell.toast('New tenant registration')).toBeVisible();

  await approvalsA.approve('Hooli Hotspots');
  await expect(approvalsA.pendingRow('Hooli Hotspots')).toHaveCount(0);
  await expect(approvalsA.tenantRow('Hooli Hotspots')).toContainText('Active');
  await expect(approvalsB.pendingRow('Hooli Hotspots')).toHaveCount(0, { timeout: LIVE_MS });
  await expect(approvalsB.tenantRow('Hooli Hotspots')).toContainText('Active');

  await approvalsB.suspend('Initech Wireless', 'Duplicate registration');
  await expect(approvalsB.tenantRow('Initech Wireless')).toContainText('Suspended');
  await expect(approvalsA.pendingRow('Initech Wireless')).toHaveCount(0, { timeout: LIVE_MS });
  await expect(approvalsA.tenantRow('Initech Wireless')).toContainText('Suspended');
  await expect(a.shell.toast('Tenant suspended')).toContainText('Duplicate registration');
});

test('an approval that never reaches the backend is rolled back with a message', async ({ browser, stack }) => {
  const admin = await signedIn(browser, stack.baseURL, 'admin@herald.test');
  const approvals = new ApprovalsPage(admin.page);
  await expect(approvals.pendingRow('Initech Wireless')).toBeVisible();
  await admin.page.context().setOffline(true);
  await approvals.approve('Initech Wireless');
  await expect(approvals.failure).toContainText('Could not approve Initech Wireless: The server cannot be reached.');
  await expect(approvals.pendingRow('Initech Wireless')).toBeVisible();
  await expect(approvals.tenantRow('Initech Wireless')).toHaveCount(0);
  await admin.page.context().setOffline(false);
});

test("a tenant admin's new user shows the backend's field errors, then appears in a second tab with a toast", async ({ browser, stack }) => {
  const first = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  const second = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  const tenant = new TenantPage(first.page);
  const other = new TenantPage(second.page);
  await expect(tenant.userRow('Uma User')).toBeVisible();

  await tenant.addUser('', 'user@acme.test', 'short');
  await expect(tenant.addForm.getByText('The name field is required.')).toBeVisible();
  await expect(tenant.addForm.getByText('The email has already been taken.')).toBeVisible();
  await expect(tenant.addForm.getByText('The password field must be at least 8 characters.')).toBeVisible();
  await expect(tenant.name).toHaveAttribute('aria-invalid', 'true');

  await tenant.addUser('Nia Njoroge', 'nia@acme.test', 'password');
  await expect(tenant.addForm.getByRole('status')).toHaveText('Nia Njoroge was added.');
  await expect(tenant.userRow('Nia Njoroge')).toBeVisible();
  await expect(tenant.name).toHaveValue('');
  await expect(other.userRow('Nia Njoroge')).toBeVisible({ timeout: LIVE_MS });
  await expect(second.shell.toast('User created')).toContainText('Nia Njoroge has been added to the system.');
  // The acting tab's own socket was left out of the broadcast (X-Socket-ID): no toast there.
  await expect(first.shell.toast('User created')).toHaveCount(0);
});

test("suspending a signed-in user sends that person's tab to the login page with the reason", async ({ browser, stack }) => {
  const uma = await signedIn(browser, stack.baseURL, 'user@acme.test');
  const owner = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  const tenant = new TenantPage(owner.page);
  await tenant.suspend('Uma User', 'Unpaid invoices');
  await expect(tenant.userRow('Uma User')).toContainText('Suspended');
  await expect(uma.page).toHaveURL(/\/login$/, { timeout: LIVE_MS });
  await expect(uma.page.getByRole('main').getByRole('status')).toHaveText('Your account was suspended: Unpaid invoices');

  await owner.page.getByRole('button', { name: 'Activate Uma User' }).click();
  await expect(tenant.userRow('Uma User')).toContainText('Active');
});

test('a Suspend form being filled in stays open, with its text, while other rows change live', async ({ browser, stack }) => {
  // The tenant page: another tab of the tenant adds a user.
  const owner = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  const colleague = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  const tenant = new TenantPage(owner.page);
  await owner.page.getByRole('button', { name: 'Suspend Uma User' }).click();
  const userReason = owner.page.getByLabel('Reason for suspending Uma User');
  await userReason.fill('Unpaid');
  await new TenantPage(colleague.page).addUser('Nia Njoroge', 'nia@acme.test', 'password');
  await expect(tenant.userRow('Nia Njoroge')).toBeVisible({ timeout: LIVE_MS });
  await expect(userReason).toHaveValue('Unpaid');
  await expect(userReason).toBeFocused();

  // The approvals page: a registration arrives.
  const admin = await signedIn(browser, stack.baseURL, 'admin@herald.test');
  const approvals = new ApprovalsPage(admin.page);
  await admin.page.getByRole('button', { name: 'Suspend Initech Wireless' }).click();
  const tenantReason = admin.page.getByLabel('Reason for suspending Initech Wireless');
  await tenantReason.fill('Duplicate');
  await register(stack.baseURL, 'Hooli Hotspots', 'gavin@hooli.test');
  await expect(approvals.pendingRow('Hooli Hotspots')).toBeVisible({ timeout: LIVE_MS });
  await expect(tenantReason).toHaveValue('Duplicate');
  await expect(tenantReason).toBeFocused();

  // Escape closes the form and drops its text; Cancel closes it too. Nothing was sent.
  const suspend = admin.page.getByRole('button', { name: 'Suspend Initech Wireless' });
  await admin.page.keyboard.press('Escape');
  await expect(tenantReason).toBeHidden();
  await suspend.click();
  await expect(tenantReason).toHaveValue('');
  await expect(tenantReason).toBeFocused();
  await admin.page.getByRole('button', { name: 'Cancel' }).click();
  await expect(suspend).toBeVisible();
  await expect(approvals.pendingRow('Initech Wireless')).toBeVisible();
});

test("the account page edits the profile and changes the password, with the backend's field errors", async ({ browser, stack }) => {
  const { page } = await signedIn(browser, stack.baseURL, 'user@acme.test');
  const account = new AccountPage(page);
  await account.goto();

  await account.changePassword('not-my-password', 'new-password');
  await expect(account.passwordForm.getByText('The password is incorrect.')).toBeVisible();
  await account.changePassword('password', 'new-password');
  await expect(account.passwordForm.getByRole('status')).toHaveText('Password changed.');

  await account.saveName('Uma Umbrella');
  await expect(account.profileForm.getByRole('status')).toHaveText('Profile saved.');
  await expect(account.profile).toContainText('Uma Umbrella');
  await expect(page.getByRole('banner')).toContainText('Uma Umbrella');
});

test('with the backend down a page says so, and Retry (saying "Retrying…" while it runs) loads it once the backend is back', async ({ browser, stack }) => {
  const { page } = await signedIn(browser, stack.baseURL, 'owner@acme.test');
  await page.getByRole('link', { name: 'Account' }).click();
  await stack.stopDevserver();
  await page.getByRole('link', { name: 'Tenant' }).click();
  const users = page.getByRole('region', { name: 'Users' });
  await expect(users.getByRole('alert')).toContainText('Could not load users. The server cannot be reached.');
  await stack.startDevserver();
  // The retried request is held until the button has been seen saying so, then goes through
  // to the real backend.
  const release = await holdRequests(page, '**/api/tenants/*/users');
  await users.getByRole('button', { name: 'Retry' }).click();
  await expect(users.getByRole('button', { name: 'Retrying…' })).toBeDisabled();
  release();
  await expect(new TenantPage(page).userRow('Olive Owner')).toBeVisible();
  await expect(users.getByRole('alert')).toHaveCount(0);
});

test('a change made while the channels were still being authorized reaches the page once they are', async ({ browser, stack }) => {
  const context = await browser.newContext({ baseURL: stack.baseURL });
  const page = await context.newPage();
  // Slow channel authorization, held until the page has loaded its data and a registration
  // has been made: that event is published before anything listens for it.
  const release = await holdRequests(page, '**/broadcasting/auth');
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn('admin@herald.test', 'password');
  const approvals = new ApprovalsPage(page);
  await expect(approvals.pendingRow('Initech Wireless')).toBeVisible();
  await register(stack.baseURL, 'Hooli Fiber', 'owner@hooli.test');
  release();
  await expect(new Shell(page).connection).toHaveText('Connected');
  await expect(approvals.pendingRow('Hooli Fiber')).toBeVisible({ timeout: LIVE_MS });
  await context.close();
});
