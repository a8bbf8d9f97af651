import { TenantPage } from './pages/TenantPage';
import { expect, test, tokenOf } from './support/fixtures';

// These tests stop the realtime server (Sockudo, or Django with the channels transport), so
// each gets a stack of its own.
test.use({ freshStack: true });

test('the badge shows Reconnecting while the realtime server is down, Connected after it returns, and events flow again', async ({
  page,
  login,
  shell,
  stack,
  fire,
  channels,
  trackSockets,
}) => {
  const sockets = trackSockets(page);
  await login.signInConnected('user@acme.test', shell);
  await expect.poll(channels).toContain('private-user.4');

  await stack.stopRealtime('crash');
  await expect(shell.connection).toHaveText(/Reconnecting in \d+ s/);
  await expect(shell.retryNow).toBeVisible();

  await stack.startRealtime();
  // Backoff is capped at 30 s; the first attempts after a short outage come within seconds.
  await expect(shell.connection).toHaveText('Connected', { timeout: 20_000 });
  await expect.poll(channels).toContain('private-user.4');
  await fire('PasswordChanged', { user_id: 4 });
  await expect(shell.toast('Password changed')).toBeVisible({ timeout: 2_000 });
  // However many attempts the outage took, one socket is left open.
  await expect.poll(() => sockets.open.length).toBe(1);
});

test('rapid sign-in and sign-out leaves exactly one socket, carrying only the last person', async ({
  page,
  login,
  shell,
  channels,
  trackSockets,
}) => {
  const sockets = trackSockets(page);
  await login.goto();
  for (const email of ['user@acme.test', 'owner@globex.test', 'user@acme.test']) {
    await login.signIn(email, 'password');
    await expect(shell.signOutButton).toBeVisible();
    await shell.signOut();
    await expect(login.signInButton).toBeVisible();
  }
  await login.signIn('owner@acme.test', 'password');
  await expect(shell.connection).toHaveText('Connected');
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.2']));
  // Closed sockets report their close a moment later; wait for that, not for a time.
  await expect.poll(() => sockets.open.length).toBe(1);
  // Nothing of the earlier people is left subscribed on the server.
  await expect.poll(async () => (await channels()).filter((c) => c === 'private-user.4' || c === 'private-tenant.2')).toEqual([]);
});

test('changes made while the realtime server was down are on the tenant page after it returns, each row showing its own user', async ({
  page,
  login,
  shell,
  stack,
}) => {
  const tenant = new TenantPage(page);
  await login.signInConnected('owner@acme.test', shell);
  await expect(tenant.users.getByRole('listitem')).toHaveCount(2);

  await stack.stopRealtime('crash');
  await expect(shell.connection).toHaveText(/Reconnecting in \d+ s/);
  // Meanwhile, through the backend: Uma is removed and Nia added. No event can reach the page.
  const headers = { authorization: `Bearer ${await tokenOf(page)}`, 'content-type': 'application/json', accept: 'application/json' };
  const removed = await fetch(`${stack.baseURL}/api/users/4`, { method: 'DELETE', headers });
  expect(removed.status, await removed.text()).toBeLessThan(300);
  const added = await fetch(`${stack.baseURL}/api/tenants/1/users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Nia Njoroge', email: 'nia@acme.test', role: 'user', password: 'password', password_confirmation: 'password' }),
  });
  expect(added.status, await added.text()).toBe(201);
  await expect(tenant.userRow('Uma User')).toBeVisible();

  await stack.startRealtime();
  await expect(shell.connection).toHaveText('Connected', { timeout: 20_000 });
  // The page loads its users again, newest first: Nia in a row of her own, Uma gone.
  await expect(tenant.users.getByRole('listitem')).toHaveText([/Nia Njoroge/, /Olive Owner/]);
  await expect(tenant.userRow('Nia Njoroge')).toContainText('nia@acme.test');
});
