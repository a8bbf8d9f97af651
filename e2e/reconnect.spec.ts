import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { expect, test } from './support/fixtures';

// These tests stop the realtime server (Sockudo, or Django with the channels transport), so
// each gets a stack of its own.
test.use({ freshStack: true });

test('the badge shows Reconnecting while the realtime server is down, Connected after it returns, and events flow again', async ({
  page,
  stack,
  fire,
  channels,
  trackSockets,
}) => {
  const sockets = trackSockets(page);
  const login = new LoginPage(page);
  const shell = new Shell(page);
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
  channels,
  trackSockets,
}) => {
  const sockets = trackSockets(page);
  const login = new LoginPage(page);
  const shell = new Shell(page);
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
