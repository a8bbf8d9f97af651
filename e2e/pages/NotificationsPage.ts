import type { Locator, Page } from '@playwright/test';

/** `/notifications`: the history, its filters and the person's notification preferences. */
export class NotificationsPage {
  readonly heading: Locator;
  /** The history's region. */
  readonly history: Locator;
  /** Every entry of the history, newest first. */
  readonly entries: Locator;
  readonly markAllRead: Locator;
  readonly channelFilter: Locator;
  readonly severityFilter: Locator;
  readonly enableDesktop: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Notifications' });
    this.history = page.getByRole('region', { name: 'History' });
    this.entries = this.history.getByRole('listitem');
    this.markAllRead = page.getByRole('button', { name: 'Mark all as read' });
    this.channelFilter = page.getByLabel('Channel');
    this.severityFilter = page.getByLabel('Severity');
    this.enableDesktop = page.getByRole('button', { name: 'Enable desktop notifications' });
  }

  /** The checkbox muting events of `humanKind` ("User created"). */
  mute(humanKind: string): Locator {
    return this.page.getByRole('checkbox', { name: `Mute ${humanKind}`, exact: true });
  }

  /** The history's entry whose text includes `text`. */
  entry(text: string): Locator {
    return this.entries.filter({ hasText: text });
  }
}
