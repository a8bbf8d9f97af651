// The browser every Playwright run here uses, the end-to-end tests' and the bench's: Debian's
// Chromium, since Playwright's own download does not work here and so is never installed.

/** A Playwright project's `use` for Debian's Chromium (`HERALD_CHROMIUM` names another). */
export const chromium = {
  browserName: 'chromium' as const,
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
};
