import type { Locator, Page } from '@playwright/test';

/** `/tenant`: the tenant's users, the form that adds one, and the activity feed. */
export class TenantPage {
  readonly users: Locator;
  readonly addForm: Locator;
  readonly name: Locator;
  readonly email: Locator;
  readonly password: Locator;
  readonly repeatPassword: Locator;
  readonly addButton: Locator;
  readonly activity: Locator;

  constructor(readonly page: Page) {
    this.users = page.getByRole('list', { name: 'Users' });
    this.addForm = page.getByRole('form', { name: 'Add a user' });
    this.name = this.addForm.getByLabel('Name', { exact: true });
    this.email = this.addForm.getByLabel('Email', { exact: true });
    this.password = this.addForm.getByLabel('Password', { exact: true });
    this.repeatPassword = this.addForm.getByLabel('Repeat password', { exact: true });
    this.addButton = this.addForm.getByRole('button', { name: 'Add user' });
    this.activity = page.getByRole('region', { name: 'Activity' });
  }

  async goto(): Promise<void> {
    await this.page.goto('/tenant');
  }

  userRow(name: string): Locator {
    return this.users.getByRole('listitem').filter({ hasText: name });
  }

  async addUser(name: string, email: string, password: string): Promise<void> {
    await this.name.fill(name);
    await this.email.fill(email);
    await this.password.fill(password);
    await this.repeatPassword.fill(password);
    await this.addButton.click();
  }

  async suspend(name: string, reason: string): Promise<void> {
    await this.page.getByRole('button', { name: `Suspend ${name}` }).click();
    await this.page.getByLabel(`Reason for suspending ${name}`).fill(reason);
    await this.page.getByRole('button', { name: 'Confirm' }).click();
  }
}
