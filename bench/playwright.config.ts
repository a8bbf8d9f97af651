import { defineConfig } from '@playwright/test';

// The bench is one long Playwright "test" (run.ts) that measures rather than asserts. It uses
// Debian's Chromium with the same flags as the end-to-end tests (e2e/playwright.config.ts):
// Playwright's own browser download does not work here, so it is never installed.
export default defineConfig({
  testDir: '.',
  testMatch: 'run.ts',
  outputDir: 'test-results',
  workers: 1,
  retries: 0,
  timeout: 0,
  reporter: 'list',
  use: {
    trace: 'off',
    screenshot: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium',
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
