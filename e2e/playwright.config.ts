import { defineConfig } from '@playwright/test';

// Every test runs against a real Sockudo and the demo backend started by `support/stack.ts`;
// `cargo xtask test` builds the binaries and passes their paths. The browser is Debian's Chromium:
// Playwright's own download does not work here, so it is never installed.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: 'test-results',
  // One Chromium, one stack at a time: the machine has two cores, and timing assertions
  // ("the toast shows within 2 s") should not compete with a parallel test for them.
  workers: 1,
  fullyParallel: false,
  // A flaky test is a bug to fix, not to retry.
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  reporter: 'list',
  use: {
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium',
          // Quiet on a machine without network access, and able to run as root in CI.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
