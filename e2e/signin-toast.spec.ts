import { expect, test } from './support/fixtures';

// user@acme.test is user 4 in the devserver's seed; PasswordChanged goes to private-user.{id}.
const USER_CHANNEL = 'private-user.4';

test('an event on the user channel toasts while signed in, and nothing reaches the page after sign-out', async ({
  page,
  login,
  shell,
  fire,
  channels,
  trackSockets,
}) => {
  const sockets = trackSockets(page);

  await login.goto();
  await login.signIn('user@acme.test', 'password');
  await expect(shell.signOutButton).toBeVisible();
  // Subscribed as far as Sockudo is concerned, so the event below has someone to go to.
  await expect.poll(channels).toContain(USER_CHANNEL);

  await fire('PasswordChanged', { user_id: 4 });
  await expect(shell.toast('Password changed')).toBeVisible({ timeout: 2_000 });

  await shell.signOut();
  await expect(page).toHaveURL(/\/login(\?.*)?$/);
  await expect(login.signInButton).toBeVisible();
  // Sign-out closes the connection rather than leaving it, or its subscriptions, behind.
  expect(sockets.opened).toBeGreaterThan(0);
  await sockets.allClosed();
  await expect.poll(channels).not.toContain(USER_CHANNEL);
  // What was shown to the signed-out user does not stay on screen for whoever comes next.
  await expect(shell.toasts).toHaveCount(0);

  const openedBeforeFire = sockets.opened;
  await fire('PasswordChanged', { user_id: 4 });
  // Not a race: the page has no open socket and Sockudo has no subscriber on the channel, so
  // the trigger that `fire` awaited was delivered to no one, and there is no path left by which
  // a toast could appear later. A check made now is therefore final, and it is made once
  // rather than retried.
  expect(sockets.opened).toBe(openedBeforeFire);
  expect(await shell.toasts.count()).toBe(0);
});
