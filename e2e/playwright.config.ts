import { defineConfig } from '@playwright/test';

import { chromium } from './support/chromium';
import type { Transport } from './support/stack';

// Every test runs against a real Sockudo and the demo backend started by `support/stack.ts`;
// `cargo xtask test` builds the binaries and passes their paths. The browser is Debian's
// Chromium (`support/chromium.ts`).

export default defineConfig<{ transport: Transport }>({
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
    // Every spec on the run's transport (`HERALD_E2E_TRANSPORT`, default pusher: Sockudo).
    { name: 'chromium', use: chromium, testIgnore: 'channels.spec.ts' },
    // The transport-independent scenarios again on the Django Channels server, and what is
    // particular to it (issue 11).
    {
      name: 'channels',
      use: { ...chromium, transport: 'channels' },
      testMatch: ['signin-toast.spec.ts', 'roles.spec.ts', 'reconnect.spec.ts', 'tabs.spec.ts', 'refresh.spec.ts', 'channels.spec.ts'],
    },
  ],
});
