// What is particular to the Django Channels transport (run by the `channels` project): the
// server's close codes reach the person as the issue says. The scenarios shared with Pusher
// (sign-in → toast, role → channels, reconnect) run on both transports from their own specs.

import { LoginPage } from './pages/LoginPage';
import { Shell } from './pages/Shell';
import { refusedTenantChannel, servedWithConfig } from './support/dist';
import { expect, test, tokenOf } from './support/fixtures';

test.use({ freshStack: true });

test('a token the server no longer accepts is closed with 4001, and the person is signed out', async ({ page, shell, stack, channels, trackSockets }) => {
  const sockets = trackSockets(page);
  await new LoginPage(page).signInConnected('user@acme.test', shell);
  await expect.poll(channels).toContain('private-user.4');

  // The token is revoked on the server (as a sign-out elsewhere would), behind the app's back.
  const token = await tokenOf(page);
  const logout = await fetch(`${stack.baseURL}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(logout.status).toBe(204);
  // The next connection presents it: Django restarts, the app reconnects, the server says 4001.
  await stack.stopRealtime('crash');
  await stack.startRealtime();

  await expect(page).toHaveURL(/\/login$/, { timeout: 20_000 });
  // The 4001 asks for new tokens; the sign-out revoked them too, so the refresh is refused.
  await expect(page.getByRole('main').getByRole('status')).toHaveText(
    'Your session was ended (signed out elsewhere, or it could not be renewed). Please sign in again.',
  );
  await sockets.allClosed();
  await expect.poll(channels).not.toContain('private-user.4');
  expect(sockets.open, 'no socket is left or opened again after the 4001').toHaveLength(0);
});

test.describe('a channel outside the person scope', () => {
  // The built app with a config whose tenant channel template names another tenant, served by
  // this test's backend: the Channels server refuses the subscription with 4003.
  test.use({ devserverArgs: servedWithConfig(refusedTenantChannel) });

  test('gets 4003, shown once, and no reconnection loop', async ({ page, trackSockets }) => {
    const sockets = trackSockets(page);
    // Counts the sockets the page constructs, at the moment it constructs them.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      (window as any).socketsMade = 0;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          (window as any).socketsMade += 1;
        }
      };
    });
    const shell = new Shell(page);
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn('user@acme.test', 'password');
    await expect(shell.toast('Live updates unavailable')).toContainText('permission denied (4003)');
    await sockets.allClosed();
    // Everything that reconnects a dropped socket at once: the network coming back, the tab
    // becoming visible. The driver acts on them synchronously, so a retry would have made
    // its socket by the time this returns. (Timed retries after a refusal are pinned by the
    // core's native tests.)
    const made = await page.evaluate(() => {
      window.dispatchEvent(new Event('online'));
      document.dispatchEvent(new Event('visibilitychange'));
      return (window as any).socketsMade;
    });
    expect(made, 'one socket, closed by the server, not opened again').toBe(1);
    expect(sockets.opened).toBe(1);
    await expect(shell.toast('Live updates unavailable')).toHaveCount(1);
    await expect(page).toHaveURL(/\/account$/);
  });
});
