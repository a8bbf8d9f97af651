import { expect, test } from './support/fixtures';

test('a wrong password shows the error and never opens a WebSocket', async ({ page, login, trackSockets }) => {
  const sockets = trackSockets(page);

  await login.goto();
  await login.signIn('user@acme.test', 'wrong');

  await expect(login.error).toHaveText('These credentials do not match our records.');
  await expect(page).toHaveURL(/\/login(\?.*)?$/);
  // The app connects only after a successful sign-in, and it has already handled the failure
  // it rendered above, so no socket can be on its way.
  expect(sockets.opened).toBe(0);
});
