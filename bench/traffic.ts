// A page's HTTP requests as Chromium's DevTools protocol reports them, for the figures that
// count what a page transfers (figures 1 and 2).

import { setTimeout as delay } from 'node:timers/promises';

import type { CDPSession } from '@playwright/test';

/** One HTTP request of a page, as CDP's Network domain reported it. */
export interface Fetched {
  requestId: string;
  url: string;
  /** When it started, wall-clock ms. */
  startedAt: number;
  status?: number;
  mimeType?: string;
  /** Served from the HTTP (disk) cache or the renderer's memory cache: nothing transferred. */
  fromCache: boolean;
  finished: boolean;
}

/**
 * A page's HTTP requests through its CDP session's Network domain (WebSockets are not among
 * them). CDP rather than Playwright's request events, because CDP says which responses came
 * from a cache (`fromDiskCache`, `requestServedFromCache`).
 */
export class Traffic {
  private readonly byId = new Map<string, Fetched>();
  private inFlight = 0;
  private lastChange = Date.now();
  private readonly handlers: [string, (event: any) => void][] = [
    [
      'Network.requestWillBeSent',
      (event) => {
        // A redirect reuses the request's id: the request is the same one, still in flight.
        if (this.byId.has(event.requestId)) return;
        this.byId.set(event.requestId, {
          requestId: event.requestId,
          url: event.request.url,
          startedAt: event.wallTime * 1000,
          fromCache: false,
          finished: false,
        });
        this.change(+1);
      },
    ],
    [
      'Network.responseReceived',
      (event) => {
        const fetched = this.byId.get(event.requestId);
        if (!fetched) return;
        fetched.status = event.response.status;
        fetched.mimeType = event.response.mimeType;
        if (event.response.fromDiskCache || event.response.fromPrefetchCache) fetched.fromCache = true;
      },
    ],
    [
      'Network.requestServedFromCache',
      (event) => {
        const fetched = this.byId.get(event.requestId);
        if (fetched) fetched.fromCache = true;
      },
    ],
    ['Network.loadingFinished', (event) => this.end(event.requestId, true)],
    ['Network.loadingFailed', (event) => this.end(event.requestId, false)],
  ];

  private constructor(private readonly cdp: CDPSession) {
    for (const [event, handler] of this.handlers) cdp.on(event as 'Network.requestWillBeSent', handler);
  }

  static async watch(cdp: CDPSession): Promise<Traffic> {
    const traffic = new Traffic(cdp);
    await cdp.send('Network.enable');
    return traffic;
  }

  /** Every request seen, in the order they started. */
  fetches(): Fetched[] {
    return [...this.byId.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  /** A finished response's body, or null when the browser no longer has it. */
  async body(fetched: Fetched): Promise<Buffer | null> {
    try {
      const { body, base64Encoded } = await this.cdp.send('Network.getResponseBody', { requestId: fetched.requestId });
      return Buffer.from(body, base64Encoded ? 'base64' : 'utf8');
    } catch {
      return null;
    }
  }

  /**
   * Waits until no request has been in flight for `quietMs` (Playwright's own "network idle"
   * is 500 ms, but it happens once per navigation); gives up after `timeoutMs` without failing.
   */
  async quiet(quietMs = 500, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight === 0 && Date.now() - this.lastChange >= quietMs) return;
      await delay(50);
    }
  }

  /** Stops following the page's requests; bodies already received can still be read. */
  stop(): void {
    for (const [event, handler] of this.handlers) this.cdp.off(event as 'Network.requestWillBeSent', handler);
  }

  private end(requestId: string, finished: boolean): void {
    const fetched = this.byId.get(requestId);
    if (!fetched || fetched.finished) return;
    fetched.finished = finished;
    this.change(-1);
  }

  private change(delta: number): void {
    this.inFlight += delta;
    this.lastChange = Date.now();
  }
}
