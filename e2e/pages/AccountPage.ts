import type { Locator, Page } from '@playwright/test';

/** `/account`: the profile, its edit form, and the password form. */
export class AccountPage {
  readonly profile: Locator;
  readonly profileForm: Locator;
  readonly passwordForm: Locator;

  constructor(readonly page: Page) {
    this.profile = page.getByRole('region', { name: 'Profile', exact: true });
    this.profileForm = page.getByRole('region', { name: 'Edit profile' });
    this.passwordForm = page.getByRole('region', { name: 'Change password' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/account');
  }

  async saveName(name: string): Promise<void> {
    await this.profileForm.getByLabel('Name', { exact: true }).fill(name);
    await this.profileForm.getByRole('button', { name: 'Save profile' }).click();
  }

  async changePassword(current: string, next: string): Promise<void> {
    await this.passwordForm.getByLabel('Current password').fill(current);
    await this.passwordForm.getByLabel('New password (at least 8 characters)').fill(next);
    await this.passwordForm.getByLabel('Repeat new password').fill(next);
    await this.passwordForm.getByRole('button', { name: 'Change password' }).click();
  }
}
