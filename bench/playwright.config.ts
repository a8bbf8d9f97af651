import { defineConfig } from '@playwright/test';

import { chromium } from '../e2e/support/chromium';

// The bench is one long Playwright "test" (run.ts) that measures rather than asserts. It uses
// the end-to-end tests' Chromium (e2e/support/chromium.ts).
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
    { name: 'chromium', use: chromium },
  ],
});
