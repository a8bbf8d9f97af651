// A screenshot of every page, light and dark, at 360 px and 1280 px wide, saved under
// e2e/artifacts/ (not committed) for people to look at. The test checks that each page
// rendered its heading and that nothing is wider than the screen.

import path from 'node:path';

import type { Page } from '@playwright/test';

import { expect, test } from './support/fixtures';

test.use({ freshStack: true });

const WIDTHS = [360, 1280];
const SCHEMES = ['light', 'dark'] as const;

async function shoot(page: Page, name: string, heading: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 800 : 900 });
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} at ${width} px is wider than the screen`).toBeLessThanOrEqual(0);
      const file = path.join(test.info().project.testDir, 'artifacts', `${name}-${colorScheme}-${width}.png`);
      await page.screenshot({ path: file, fullPage: true });
    }
  }
}

test('every page, light and dark, narrow and wide', async ({ page, login, shell, fire, channels }) => {
  await login.goto();
  await shoot(page, 'login', 'Sign in to Herald');

  await login.signInConnected('admin@herald.test', shell);
  // Pusher does not replay: fire only once the channel is subscribed.
  await expect.poll(channels).toContain('private-system.admin');
  await fire('SystemAlert', { fields: { level: 'warning' } });
  await expect(page.getByRole('region', { name: 'Registrations and alerts' }).getByRole('listitem')).toHaveCount(1);
  await shoot(page, 'approvals', 'Approvals');
  await shell.signOut();

  await login.signInConnected('owner@acme.test', shell);
  await fire('PaymentCompleted', { tenant_id: 1 });
  await fire('HotspotUserCreated', { tenant_id: 1 });
  await fire('PaymentFailed', { tenant_id: 1 });
  await expect(page.getByRole('region', { name: 'Activity' }).getByRole('listitem')).toHaveCount(3);
  await shoot(page, 'tenant', 'Your tenant');
  await shell.signOut();

  await login.signInConnected('user@acme.test', shell);
  await expect.poll(channels).toContain('private-user.4');
  await fire('PasswordChanged', { user_id: 4 });
  await page.goto('/account');
  await shoot(page, 'account', 'Your account');
  await shell.openHistory();
  await shoot(page, 'notifications', 'Notifications');
});
