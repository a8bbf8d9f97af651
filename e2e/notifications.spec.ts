import type { Page } from '@playwright/test';

import { LoginPage } from './pages/LoginPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { expect, subscription, test } from './support/fixtures';

// owner@acme.test is Acme's tenant admin; events fired with tenant_id 1 reach its tenant channel.
const TENANT_CHANNEL = 'private-tenant.1';

/** Signs in as Acme's owner and resolves once its page is subscribed to the tenant channel. */
async function signInAsAcmeOwner(page: Page) {
  const subscribed = subscription(page, TENANT_CHANNEL);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn('owner@acme.test', 'password');
  await subscribed;
}

test('a burst of 20 users created folds into one counting toast, and all 20 enter the history', async ({
  page,
  shell,
  fire,
}) => {
  const history = new NotificationsPage(page);
  // Records the most toasts ever on screen at once, however briefly.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const shown = document.querySelectorAll('.toaster .toast').length;
      (window as any).__mostToasts = Math.max((window as any).__mostToasts ?? 0, shown);
    }).observe(document, { childList: true, subtree: true });
  });
  await signInAsAcmeOwner(page);

  await fire('UserCreated', { tenant_id: 1, count: 20 });
  await expect(shell.toast('20 users created')).toBeVisible();
  expect(await page.evaluate(() => (window as any).__mostToasts)).toBeLessThanOrEqual(3);
  await expect(shell.bell).toHaveAccessibleName('Notifications, 20 unread');

  await shell.openHistory();
  await expect(history.heading).toBeVisible();
  await expect(history.entries).toHaveCount(20);
});

test('a reload keeps the history, what was read, and the unread count', async ({ page, shell, fire }) => {
  const history = new NotificationsPage(page);
  await signInAsAcmeOwner(page);

  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Rita Reload' } } });
  await fire('PaymentFailed', { tenant_id: 1 });
  await fire('UserDeleted', { tenant_id: 1, fields: { user: { name: 'Otto Old' } } });
  await expect(shell.bell).toHaveAccessibleName('Notifications, 3 unread');

  await shell.openHistory();
  await expect(history.entries).toHaveCount(3);
  // Activating an entry marks it read.
  await history.entry('Rita Reload').getByRole('button').click();
  await expect(shell.bell).toHaveAccessibleName('Notifications, 2 unread');

  await page.reload();
  await expect(history.heading).toBeVisible();
  await expect(shell.bell).toHaveAccessibleName('Notifications, 2 unread');
  await expect(history.entries).toHaveCount(3);
  await expect(history.entry('Otto Old')).toBeVisible();

  await history.markAllRead.click();
  await expect(shell.bell).toHaveAccessibleName('Notifications, none unread');
  await page.reload();
  await expect(history.heading).toBeVisible();
  await expect(history.entries).toHaveCount(3);
  await expect(shell.bell).toHaveAccessibleName('Notifications, none unread');
});

test('the history filters by channel and severity', async ({ page, shell, fire }) => {
  const history = new NotificationsPage(page);
  const userChannel = subscription(page, 'private-user.2');
  await signInAsAcmeOwner(page);
  await userChannel;

  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Tess Tenant' } } });
  await fire('PasswordChanged', { user_id: 2 });
  await expect(shell.bell).toHaveAccessibleName('Notifications, 2 unread');
  await shell.openHistory();
  await expect(history.entries).toHaveCount(2);

  await history.channelFilter.selectOption({ label: 'Personal' });
  await expect(history.entries).toHaveCount(1);
  await expect(history.entry('Password changed')).toBeVisible();
  await history.channelFilter.selectOption({ label: 'Tenant' });
  await expect(history.entries).toHaveCount(1);
  await expect(history.entry('Tess Tenant')).toBeVisible();
  await history.channelFilter.selectOption({ label: 'All channels' });
  await history.severityFilter.selectOption({ label: 'Warning' });
  await expect(history.entries).toHaveCount(1);
  await expect(history.entry('Password changed')).toBeVisible();
});

test('a muted event type enters the history without a toast, and stays muted after a reload', async ({
  page,
  shell,
  fire,
}) => {
  const history = new NotificationsPage(page);
  await signInAsAcmeOwner(page);

  await fire('UserUpdated', { tenant_id: 1, fields: { user: { name: 'First Update' } } });
  await expect(shell.toast('First Update')).toBeVisible();
  await shell.openHistory();
  await history.mute('User updated').check();

  await fire('UserUpdated', { tenant_id: 1, fields: { user: { name: 'Muted Update' } } });
  await fire('UserDeleted', { tenant_id: 1, fields: { user: { name: 'Marker Person' } } });
  // Sockudo delivers in order on one socket: once the later event has toasted, the muted one
  // has been handled too, so its absence now is final.
  await expect(shell.toast('Marker Person')).toBeVisible();
  expect(await shell.toast('Muted Update').count()).toBe(0);
  await expect(history.entry('Muted Update')).toBeVisible();

  await page.reload();
  await expect(history.mute('User updated')).toBeChecked();
  await expect(history.entry('Muted Update')).toBeVisible();
});

test('a name full of markup shows as text: no dialog, no request, no element', async ({ page, shell, fire }) => {
  const history = new NotificationsPage(page);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const requestsToX: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.endsWith('/x')) requestsToX.push(request.url());
  });
  await signInAsAcmeOwner(page);

  const name = '<img src=x onerror=alert(1)><script>alert(2)</script><svg onload=alert(3)>';
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name } } });
  await expect(shell.toast(name)).toBeVisible();
  await shell.openHistory();
  await expect(history.entry(name)).toBeVisible();

  expect(await page.locator('.toaster img, .toaster script, main img, main script').count()).toBe(0);
  expect(dialogs).toEqual([]);
  expect(requestsToX).toEqual([]);
});

test('desktop notifications are asked for only on request, raised while the tab is hidden, and a click opens the history', async ({
  page,
  shell,
  context,
  fire,
}) => {
  const history = new NotificationsPage(page);
  await context.grantPermissions(['notifications']);
  // The desktop is outside the page, so a spy around the browser's real Notification API
  // records what the app raises (each call still makes a real notification) and whether it
  // asked for permission; and the tab can be made to say it is hidden.
  await page.addInitScript(() => {
    const w = window as any;
    const Native = window.Notification;
    w.__permissionRequests = 0;
    w.__desktop = [];
    function Recording(title: string, options?: NotificationOptions) {
      const shown = new Native(title, options);
      w.__desktop.push(shown);
      return shown;
    }
    Object.defineProperty(Recording, 'permission', { get: () => Native.permission });
    (Recording as any).requestPermission = () => {
      w.__permissionRequests += 1;
      return Native.requestPermission();
    };
    w.Notification = Recording;
    w.__setHidden = (hidden: boolean) => {
      if (hidden) Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      else delete (document as any).hidden;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
  const permissionRequests = () => page.evaluate(() => (window as any).__permissionRequests);
  const desktop = () => page.evaluate(() => (window as any).__desktop.map((n: { body: string }) => n.body));

  await signInAsAcmeOwner(page);
  await shell.openHistory();
  expect(await permissionRequests()).toBe(0);
  await history.enableDesktop.click();
  await expect(page.getByRole('button', { name: 'Turn off desktop notifications' })).toBeVisible();
  expect(await permissionRequests()).toBe(1);

  // While the tab is visible, a toast is enough.
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Seen Here' } } });
  await expect(shell.toast('Seen Here')).toBeVisible();
  expect(await desktop()).toEqual([]);

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await page.evaluate(() => (window as any).__setHidden(true));
  await fire('UserDeleted', { tenant_id: 1, fields: { user: { name: 'While Away' } } });
  await expect.poll(desktop).toEqual([expect.stringContaining('While Away')]);

  await page.evaluate(() => {
    const w = window as any;
    w.__setHidden(false);
    w.__desktop[0].onclick();
  });
  await expect(page).toHaveURL(/\/notifications$/);
  await expect(history.entry('While Away')).toBeVisible();
});

test("each person gets their own history back, and never another's", async ({ page, shell, login, fire }) => {
  const history = new NotificationsPage(page);
  await signInAsAcmeOwner(page);
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Owner Only' } } });
  await expect(shell.bell).toHaveAccessibleName('Notifications, 1 unread');

  await shell.signOut();
  // Uma is in the same tenant, but the owner's history is not hers.
  const umaSubscribed = subscription(page, 'private-user.4');
  await login.signIn('user@acme.test', 'password');
  await umaSubscribed;
  await expect(shell.bell).toHaveAccessibleName('Notifications, none unread');
  await shell.openHistory();
  await expect(history.entries).toHaveCount(0);

  await shell.signOut();
  await login.signIn('owner@acme.test', 'password');
  await expect(shell.bell).toHaveAccessibleName('Notifications, 1 unread');
  await shell.openHistory();
  await expect(history.entry('Owner Only')).toBeVisible();
});

test('the bell opens a dropdown of the newest notifications that can mark them all read', async ({ page, shell, fire }) => {
  await signInAsAcmeOwner(page);
  await fire('PaymentCompleted', { tenant_id: 1, fields: { payment: { payer: 'Dropdown Payer' } } });
  await expect(shell.bell).toHaveAccessibleName('Notifications, 1 unread');
  await shell.bell.click();
  await expect(shell.bell).toHaveAttribute('aria-expanded', 'true');
  await expect(shell.bellPanel.getByText('Dropdown Payer')).toBeVisible();
  await shell.bellPanel.getByRole('button', { name: 'Mark all as read' }).click();
  await expect(shell.bell).toHaveAccessibleName('Notifications, none unread');
  await page.keyboard.press('Escape');
  await expect(shell.bellPanel).toBeHidden();
});
