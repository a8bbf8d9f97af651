// Figure 6, reconnect after Sockudo restarts (bench/README.md).

import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

import type { Page } from '@playwright/test';

import { clockOffset, untilSubscribed, type Client } from '../common';
import { wallClock } from '../publisher';
import type { Figure, RunFigures } from '../report';

/** (6) Sockudo restarted (as in a deploy): from its port accepting again to every channel subscribed. */
export async function reconnect(page: Page, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const offset = await clockOffset(page);
  const stoppedAt = wallClock();
  await client.stack.stopSockudo('graceful');
  const port = Number(new URL(client.stack.sockudoURL).port);
  const accepting = firstAccept(port, 30_000);
  await client.stack.startSockudo();
  const acceptedAt = await accepting;
  try {
    const back = await untilSubscribed(page, stoppedAt + offset, 60_000);
    figures.reconnect = back.subscribedAt - (acceptedAt + offset);
    details.reconnect = { restart_ms: acceptedAt - stoppedAt };
  } catch (error) {
    figures.reconnect = null;
    details.reconnect = { error: String(error) };
  }
}

/** When a TCP connection to 127.0.0.1:`port` first succeeds (this process's wall clock). */
async function firstAccept(port: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const acceptedAt = await new Promise<number | null>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        const at = wallClock();
        socket.destroy();
        resolve(at);
      });
      socket.once('error', () => resolve(null));
    });
    if (acceptedAt !== null) return acceptedAt;
    if (Date.now() > deadline) throw new Error(`port ${port} did not accept within ${timeoutMs} ms`);
    await delay(2);
  }
}

/** Figure 6's row. */
export function reconnectFigures(): Figure[] {
  return [{ id: 'reconnect', label: 'Reconnect: Sockudo accepting again → every channel subscribed', unit: 'ms', digits: 0 }];
}
