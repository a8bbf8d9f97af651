import type { Locator, Page } from '@playwright/test';

/** `/approvals`: registrations waiting for a decision, and the tenants already decided. */
export class ApprovalsPage {
  readonly pending: Locator;
  readonly tenants: Locator;
  /** The page's message when a decision failed. */
  readonly failure: Locator;

  constructor(readonly page: Page) {
    this.pending = page.getByRole('list', { name: 'Registrations waiting for approval' });
    this.tenants = page.getByRole('list', { name: 'Tenants' });
    this.failure = page.getByRole('main').getByRole('alert');
  }

  async goto(): Promise<void> {
    await this.page.goto('/approvals');
  }

  pendingRow(name: string): Locator {
    return this.pending.getByRole('listitem').filter({ hasText: name });
  }

  tenantRow(name: string): Locator {
    return this.tenants.getByRole('listitem').filter({ hasText: name });
  }

  async approve(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Approve ${name}` }).click();
  }

  async suspend(name: string, reason: string): Promise<void> {
    await this.page.getByRole('button', { name: `Suspend ${name}` }).click();
    await this.page.getByLabel(`Reason for suspending ${name}`).fill(reason);
    await this.page.getByRole('button', { name: 'Confirm' }).click();
  }
}
