// The Playwright fixtures every spec uses: a running stack, and helpers that act on it from
// the server side (publish an event, list occupied channels) or watch the page's sockets.

import { rm, writeFile } from 'node:fs/promises';

import { expect, test as base, type Page, type WebSocket } from '@playwright/test';

import { LoginPage } from '../pages/LoginPage';
import { Shell } from '../pages/Shell';
import { Stack, defaultTransport, type Transport } from './stack';

export { expect } from '@playwright/test';

/** Whom `fire` publishes to: a user's channel, a tenant's, or (neither) the system admins'. */
export interface FireOptions {
  user_id?: number;
  tenant_id?: number;
  /** How many events to publish. Default 1. */
  count?: number;
  /** Payload fields to set instead of the devserver's sample values. */
  fields?: Record<string, unknown>;
}

export interface StackFixtures {
  /**
   * Extra herald-devserver flags, e.g. `test.use({ devserverArgs: ['--token-ttl', '5'] })`.
   * A test that sets any gets a stack of its own. Default: none.
   */
  devserverArgs: string[];
  /**
   * Give each test a stack of its own instead of the worker's shared one: for tests that stop
   * Sockudo or otherwise leave the stack changed. Default: false.
   */
  freshStack: boolean;
  /**
   * The app's transport, e.g. `test.use({ transport: 'channels' })` for a spec about the Django
   * Channels server. A test whose transport is not the run's default (`HERALD_E2E_TRANSPORT`,
   * else `pusher`) gets a stack of its own. Default: the run's default.
   */
  transport: Transport;
  stack: Stack;
  /** Publishes `event` through the devserver's `POST /api/dev/events`, as a backend would. */
  fire: (event: string, options?: FireOptions) => Promise<unknown>;
  /**
   * The channels with subscribers right now (`GET /api/dev/channels`): Sockudo's, or the Django
   * Channels server's with the `channels` transport.
   */
  channels: () => Promise<string[]>;
  /** Starts recording every WebSocket `page` opens; call it before the page navigates. */
  trackSockets: (page: Page) => SocketTracker;
  /** The sign-in form of the test's page. */
  login: LoginPage;
  /** The signed-in header and toaster of the test's page. */
  shell: Shell;
}

interface WorkerFixtures {
  sharedStack: SharedStack;
}

export const test = base.extend<StackFixtures, WorkerFixtures>({
  devserverArgs: [[], { option: true }],
  freshStack: [false, { option: true }],
  transport: [defaultTransport(), { option: true }],

  sharedStack: [
    async ({}, use) => {
      const shared = new SharedStack();
      await use(shared);
      await shared.stop();
    },
    { scope: 'worker' },
  ],

  stack: async ({ sharedStack, devserverArgs, freshStack, transport }, use, testInfo) => {
    const own = freshStack || devserverArgs.length > 0 || transport !== defaultTransport();
    const stack = own ? await Stack.start({ devserverArgs, transport }) : await sharedStack.get();
    try {
      await use(stack);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        // Attached as a file (Playwright copies it into test-results/) so it is kept whole.
        const file = testInfo.outputPath('stack-output.txt');
        await writeFile(file, stack.recentOutput());
        await testInfo.attach('stack output', { path: file, contentType: 'text/plain' });
        await rm(file);
      }
      if (own) await stack.stop();
    }
  },

  // Pages load from the devserver, which serves the app with a /config.json naming this
  // stack's Sockudo.
  baseURL: async ({ stack }, use) => {
    await use(stack.baseURL);
  },

  fire: async ({ stack }, use) => {
    await use(async (event, options = {}) => {
      const { user_id, tenant_id, count, fields } = options;
      const response = await fetch(`${stack.baseURL}/api/dev/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ event, user_id, tenant_id, count, fields }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST /api/dev/events ${event}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    });
  },

  channels: async ({ stack }, use) => {
    await use(async () => {
      const response = await fetch(`${stack.baseURL}/api/dev/channels`, { headers: { accept: 'application/json' } });
      const text = await response.text();
      if (!response.ok) throw new Error(`GET /api/dev/channels: ${response.status} ${text}`);
      return channelNames(JSON.parse(text));
    });
  },

  trackSockets: async ({}, use) => {
    await use((page) => new SocketTracker(page));
  },

  login: async ({ page }, use) => {
    await use(new LoginPage(page));
  },

  shell: async ({ page }, use) => {
    await use(new Shell(page));
  },
});

/**
 * Resolves once a socket of `page` is subscribed to `channel`; call it before the page
 * connects. Sockudo's channel list is not enough for this: on the worker's shared stack, the
 * previous test's page may still be listed as a subscriber while it disconnects.
 */
export function subscription(page: Page, channel: string): Promise<void> {
  return new Promise((resolve) => {
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        const text = String(payload);
        if (text.includes('pusher_internal:subscription_succeeded') && text.includes(`"${channel}"`)) resolve();
      });
    });
  });
}

/**
 * Holds every request of `page` to `url` (a glob) until the returned function is called, then
 * lets each through to the real server: to see what the page does while an answer is slow.
 */
export async function holdRequests(page: Page, url: string): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(url, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** The tokens the app saved for the signed-in person (`herald_client::SavedTokens`). */
export interface SavedTokens {
  token: string;
  refresh_token?: string | null;
}

export async function savedTokens(page: Page): Promise<SavedTokens> {
  const saved = await page.evaluate(() => sessionStorage.getItem('herald.token') ?? localStorage.getItem('herald.token'));
  expect(saved).toBeTruthy();
  return JSON.parse(saved as string) as SavedTokens;
}

/** The signed-in person's bearer token, as the app saved it (for calling the backend as them). */
export async function tokenOf(page: Page): Promise<string> {
  return (await savedTokens(page)).token;
}

/** Every WebSocket a page opened since the tracker was made, and whether each has closed. */
export class SocketTracker {
  readonly sockets: WebSocket[] = [];

  constructor(page: Page) {
    page.on('websocket', (socket) => this.sockets.push(socket));
  }

  get opened(): number {
    return this.sockets.length;
  }

  get open(): WebSocket[] {
    return this.sockets.filter((socket) => !socket.isClosed());
  }

  /** Resolves once every socket opened so far has closed. */
  async allClosed(): Promise<void> {
    await Promise.all(this.open.map((socket) => socket.waitForEvent('close')));
  }
}

/** Starts the worker's stack on first use, so a worker whose tests all bring their own starts none. */
class SharedStack {
  private stack: Promise<Stack> | undefined;

  get(): Promise<Stack> {
    this.stack ??= Stack.start();
    return this.stack;
  }

  async stop(): Promise<void> {
    const stack = await this.stack?.catch(() => undefined);
    await stack?.stop();
  }
}

/**
 * Channel names from Sockudo's channel list, as the devserver passes it on: Pusher's
 * `{"channels": {"name": {...}}}`, or a plain list of names.
 */
function channelNames(body: unknown): string[] {
  const channels = (body as { channels?: unknown })?.channels ?? body;
  if (Array.isArray(channels)) return channels.map(String);
  if (channels && typeof channels === 'object') return Object.keys(channels);
  throw new Error(`GET /api/dev/channels: unexpected body ${JSON.stringify(body)}`);
}
