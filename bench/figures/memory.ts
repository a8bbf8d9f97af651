// Figure 5, memory after a fresh load and the plan's counts of events (bench/README.md).

import { setTimeout as delay } from 'node:timers/promises';

import type { CDPSession, Page } from '@playwright/test';

import { PLAN, untilPhaseDone, untilSubscribed, userCreated, type Client } from '../common';
import type { Figure, RunFigures } from '../report';

/** (5) JS heap (after a forced garbage collection) and wasm memory, after a fresh load and N events. */
export async function memory(
  page: Page,
  cdp: CDPSession,
  client: Client,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  await page.reload();
  await untilSubscribed(page, 0, 30_000);
  let published = 0;
  for (const [index, total] of PLAN.memoryAfter.entries()) {
    const tag = `m${index}`;
    const count = total - published;
    await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, false), [tag, count] as const);
    await client.publisher.stream(count, PLAN.memoryRate, (seq) => userCreated(tag, seq));
    await untilPhaseDone(page, count, 'arrived');
    const arrived = (await page.evaluate(() => __benchProbe.endPhase())).arrived.filter((t: number) => t > 0).length;
    published = total;
    await delay(1000);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasm = await page.evaluate(() => __benchProbe.wasmBytes());
    const key = index === 0 ? 'first' : 'second';
    figures[`memory.${key}.js`] = heap.usedSize / 2 ** 20;
    figures[`memory.${key}.wasm`] = wasm / 2 ** 20;
    figures[`memory.${key}.total`] = (heap.usedSize + wasm) / 2 ** 20;
    details[`memory.${total}`] = { arrived, js_heap_bytes: heap.usedSize, wasm_bytes: wasm };
  }
}

/** Figure 5's rows. */
export function memoryFigures(): Figure[] {
  const [first, second] = PLAN.memoryAfter;
  return [
    { id: 'memory.first.total', label: `Memory after ${first} events: JS heap + wasm`, unit: 'MB', digits: 2 },
    { id: 'memory.first.js', label: `… of which JS heap`, unit: 'MB', digits: 2 },
    { id: 'memory.first.wasm', label: `… of which wasm memory`, unit: 'MB', digits: 2 },
    { id: 'memory.second.total', label: `Memory after ${second} events: JS heap + wasm`, unit: 'MB', digits: 2 },
    { id: 'memory.second.js', label: `… of which JS heap`, unit: 'MB', digits: 2 },
    { id: 'memory.second.wasm', label: `… of which wasm memory`, unit: 'MB', digits: 2 },
  ];
}
