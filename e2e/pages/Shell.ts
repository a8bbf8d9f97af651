import type { Locator, Page } from '@playwright/test';

/** The signed-in frame around every page: navigation, sign-out and the toasts. */
export class Shell {
  readonly signOutButton: Locator;
  /** The live region the toasts are announced in. */
  readonly notifications: Locator;
  /** Every toast: role status, or alert for errors and critical ones. */
  readonly toasts: Locator;
  /** The header's connection badge ("Connected", "Reconnecting in 3 s", …). */
  readonly connection: Locator;
  /** The badge's "Retry now", shown while waiting to reconnect. */
  readonly retryNow: Locator;
  /** The header's bell: a button named with the unread count that opens the dropdown. */
  readonly bell: Locator;
  /** The bell's dropdown with the newest notifications. */
  readonly bellPanel: Locator;

  constructor(readonly page: Page) {
    this.signOutButton = page.getByRole('button', { name: 'Sign out' });
    this.notifications = page.getByRole('region', { name: 'Notifications', exact: true });
    this.toasts = this.notifications.getByRole('status').or(this.notifications.getByRole('alert'));
    this.connection = page.getByRole('banner').getByRole('status');
    this.retryNow = page.getByRole('banner').getByRole('button', { name: 'Retry now' });
    this.bell = page.getByRole('banner').getByRole('button', { name: /^Notifications, / });
    this.bellPanel = page.getByRole('region', { name: 'Recent notifications' });
  }

  /** Opens the whole history through the bell's dropdown. */
  async openHistory(): Promise<void> {
    await this.bell.click();
    await this.bellPanel.getByRole('link', { name: 'See all notifications' }).click();
  }

  /** The toast whose text includes `title`. */
  toast(title: string): Locator {
    return this.toasts.filter({ hasText: title });
  }

  async signOut(): Promise<void> {
    await this.signOutButton.click();
  }
}
