// Publishes events through Sockudo's HTTP API, signed as a Pusher server library signs them
// (TOOLCHAIN.md: HMAC-SHA256 over method, path and sorted query, with the body's MD5), at a
// steady rate, remembering when each was sent; and asks the same API how many subscriptions a
// channel has. The signer is held to the same vectors as the
// Rust one (crates/contract/tests/signing_vectors.json) by e2e/signing.spec.ts.

import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** A Pusher app's credentials. */
export interface App {
  id: string;
  key: string;
  secret: string;
}

/** Sockudo's app in the stack (CONTRACT.md's development values). */
const APP: App = { id: 'herald', key: 'herald-key', secret: 'herald-secret' };

export interface OutgoingEvent {
  name: string;
  channel: string;
  /** The payload, an object; encoded as the JSON string the protocol carries. */
  data: unknown;
}

export interface Sent {
  /** When each event was handed to the HTTP client, in wall-clock ms (see `wallClock`). */
  sentAt: Float64Array;
  /** Events Sockudo did not accept. */
  failures: number;
  /** First failure's message, if any. */
  firstError?: string;
  /** From the first send to the last, in ms. */
  spanMs: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution, on the same scale as the page's. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export class Publisher {
  private readonly url: URL;
  // Enough sockets that requests never queue behind each other at 1,000 events per second.
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(sockudoURL: string) {
    this.url = new URL(sockudoURL);
  }

  /** Publishes `count` events made by `make(seq)`, `rate` per second, each at its own moment. */
  async stream(count: number, rate: number, make: (seq: number) => OutgoingEvent): Promise<Sent> {
    const sentAt = new Float64Array(count);
    const requests: Promise<void>[] = [];
    let failures = 0;
    let firstError: string | undefined;
    const start = wallClock();
    for (let seq = 0; seq < count; seq++) {
      const due = start + (seq * 1000) / rate;
      const wait = due - wallClock();
      if (wait >= 1) await delay(wait);
      sentAt[seq] = wallClock();
      requests.push(
        this.trigger(make(seq)).catch((error: Error) => {
          failures += 1;
          firstError ??= error.message;
        }),
      );
    }
    await Promise.all(requests);
    return { sentAt, failures, firstError, spanMs: count > 0 ? sentAt[count - 1] - sentAt[0] : 0 };
  }

  /** `POST /apps/{id}/events` with one event. */
  trigger(event: OutgoingEvent): Promise<void> {
    const path = `/apps/${APP.id}/events`;
    const body = JSON.stringify({ name: event.name, channel: event.channel, data: JSON.stringify(event.data) });
    const query = signedQuery(APP, 'POST', path, body, Math.floor(Date.now() / 1000));
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method: 'POST',
          path: `${path}?${query}`,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            if (response.statusCode === 200) resolve();
            else reject(new Error(`Sockudo answered ${response.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 200)}`));
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  /**
   * How many subscriptions Sockudo holds on `channel` (summed over its connections):
   * `GET /apps/{id}/channels/{channel}?info=subscription_count`.
   */
  async subscriptionCount(channel: string): Promise<number> {
    const path = `/apps/${APP.id}/channels/${encodeURIComponent(channel)}`;
    const query = signedQuery(APP, 'GET', path, '', Math.floor(Date.now() / 1000), { info: 'subscription_count' });
    const response = await fetch(`${this.url.origin}${path}?${query}`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    if (!response.ok) throw new Error(`Sockudo answered ${response.status} to GET ${path}: ${text.slice(0, 200)}`);
    const count = JSON.parse(text).subscription_count;
    if (typeof count !== 'number') throw new Error(`Sockudo's answer to GET ${path} has no subscription_count: ${text.slice(0, 200)}`);
    return count;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The query string of a signed HTTP API request at `timestamp` (Unix seconds) with the
 * request's own `params` (`info`, `filter_by_prefix`): keys sorted, the signature last.
 * `herald_contract::signing::signed_query` is the Rust twin.
 */
export function signedQuery(
  app: App,
  method: string,
  path: string,
  body: string,
  timestamp: number,
  params: Record<string, string> = {},
): string {
  const query: Record<string, string> = {
    ...Object.fromEntries(Object.entries(params).map(([key, value]) => [key.toLowerCase(), value])),
    auth_key: app.key,
    auth_timestamp: String(timestamp),
    auth_version: '1.0',
  };
  if (body !== '') query.body_md5 = createHash('md5').update(body).digest('hex');
  const sorted = Object.keys(query)
    .sort()
    .map((key) => `${key}=${query[key]}`)
    .join('&');
  const signature = createHmac('sha256', app.secret).update(`${method}\n${path}\n${sorted}`).digest('hex');
  return `${sorted}&auth_signature=${signature}`;
}
