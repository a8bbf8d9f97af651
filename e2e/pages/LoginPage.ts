import { expect, type Locator, type Page } from '@playwright/test';

import type { Shell } from './Shell';

/** The sign-in form at `/login`. */
export class LoginPage {
  readonly email: Locator;
  readonly password: Locator;
  readonly signInButton: Locator;
  /** The message shown when signing in fails. */
  readonly error: Locator;

  constructor(readonly page: Page) {
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.signInButton = page.getByRole('button', { name: 'Sign in' });
    this.error = page.getByRole('alert');
  }

  async goto(): Promise<void> {
    await this.page.goto('/login');
  }

  /**
   * Opens the sign-in page and signs in as a seeded account (password `password`), then waits
   * until `shell`'s badge says the socket is Connected.
   */
  async signInConnected(email: string, shell: Shell): Promise<void> {
    await this.goto();
    await this.signIn(email, 'password');
    await expect(shell.connection).toHaveText('Connected');
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.signInButton.click();
  }
}
