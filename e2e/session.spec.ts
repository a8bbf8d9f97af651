import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { expect, holdRequests, test, tokenOf } from './support/fixtures';

test('a reload keeps the session and reconnects without showing the sign-in page', async ({ page, login, shell, channels }) => {
  await login.signInConnected('owner@acme.test', shell);

  // Records whether the sign-in form (the only one with "Keep me signed in") ever appears
  // while the page restores the session.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.querySelector('input[name=remember]')) (window as any).__sawSignIn = true;
    }).observe(document, { childList: true, subtree: true });
  });
  await page.reload();
  await expect(shell.connection).toHaveText('Connected');
  await expect(page).toHaveURL(/\/tenant$/);
  expect(await page.evaluate(() => (window as any).__sawSignIn ?? false)).toBe(false);
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.2']));
});

test('a reload opens the socket while the stored session is still being checked, and subscribes once it is', async ({ page, login, shell, channels }) => {
  await login.signInConnected('owner@acme.test', shell);

  // GET /api/me is held until the new socket has been welcomed by the server.
  const release = await holdRequests(page, '**/api/me');
  const sent: string[] = [];
  const welcomed = page.waitForEvent('websocket').then(
    (socket) =>
      new Promise<void>((resolve) => {
        socket.on('framesent', ({ payload }) => sent.push(String(payload)));
        socket.on('framereceived', ({ payload }) => {
          if (String(payload).includes('pusher:connection_established')) resolve();
        });
      }),
  );
  await page.reload();
  await welcomed;
  await expect(page.getByText('Restoring your session…')).toBeVisible();
  expect(sent.filter((frame) => frame.includes('pusher:subscribe')), 'no channel before the session is confirmed').toEqual([]);

  release();
  await expect(shell.connection).toHaveText('Connected');
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.2']));
});

test.describe('with 5-second tokens and a backend that offers no refresh', () => {
  // `--refresh-ttl 0`: no refresh token in the login answer, as a backend without
  // `/api/refresh`; the session ends with the access token (e2e/refresh.spec.ts has the rest).
  test.use({ devserverArgs: ['--token-ttl', '5', '--refresh-ttl', '0'] });

  test('an expiring token signs out on time, says so, and closes the socket', async ({ page, trackSockets }) => {
    const sockets = trackSockets(page);
    const login = new LoginPage(page);
    const shell = new Shell(page);
    await login.signInConnected('user@acme.test', shell);
    const signedInAt = Date.now();
    // The app signs out when the token's life (from the login answer) ends, without waiting
    // for a 401.
    await expect(login.signInButton).toBeVisible({ timeout: 8_000 });
    const after = Date.now() - signedInAt;
    expect(after).toBeLessThan(7_000);
    await expect(page.getByText('Your session expired. Please sign in again.').first()).toBeVisible();
    await sockets.allClosed();
  });
});

test('a token revoked on the server signs out at the next 401', async ({ page, login, shell, stack, trackSockets }) => {
  await login.signInConnected('user@acme.test', shell);
  // Revoke the token behind the page's back, as an admin or another device would.
  const token = await tokenOf(page);
  expect(token).toBeTruthy();
  const logout = await fetch(`${stack.baseURL}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(logout.status).toBe(204);
  // The next request with the token (a reload restores the session with GET /api/me) gets a 401.
  const sockets = trackSockets(page);
  await page.reload();
  await expect(login.signInButton).toBeVisible();
  await expect(page.getByText('Your session expired. Please sign in again.')).toBeVisible();
  // The socket opened while the token was being checked closes when it is refused.
  await sockets.allClosed();
});

test('signing out locally works even when the sign-out request fails', async ({ page, login, shell }) => {
  await login.signInConnected('user@acme.test', shell);
  // The network drops exactly this request.
  await page.route('**/api/logout', (route) => route.abort('internetdisconnected'));
  await shell.signOut();
  await expect(login.signInButton).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('herald.token') ?? localStorage.getItem('herald.token'))).toBeNull();
});

test("Acme's admin never sees Globex's events, and switching tenants in one tab leaves nothing of Acme", async ({
  page,
  login,
  shell,
  fire,
  channels,
}) => {
  await login.goto();
  await login.signIn('owner@acme.test', 'password');
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.1', 'private-user.2']));

  await fire('UserCreated', { tenant_id: 2, fields: { user: { name: 'Globex Person' } } });
  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Acme Person' } } });
  // Sockudo delivers in order on one socket: once Acme's event shows, Globex's would have too.
  await expect(shell.toast('Acme Person')).toBeVisible();
  await expect(page.getByText('Globex Person')).toHaveCount(0);

  await shell.signOut();
  await login.signIn('owner@globex.test', 'password');
  await expect.poll(channels).toEqual(expect.arrayContaining(['private-tenant.2', 'private-user.3']));
  const left = (await channels()).filter((c) => c === 'private-tenant.1' || c === 'private-user.2');
  expect(left).toEqual([]);
  await expect(page.getByText('Acme Person')).toHaveCount(0);

  await fire('UserCreated', { tenant_id: 1, fields: { user: { name: 'Acme Later' } } });
  await fire('UserCreated', { tenant_id: 2, fields: { user: { name: 'Globex Later' } } });
  await expect(shell.toast('Globex Later')).toBeVisible();
  await expect(page.getByText('Acme Later')).toHaveCount(0);
});
