// Figure 4, a burst of events (bench/README.md).

import { setTimeout as delay } from 'node:timers/promises';

import type { Page } from '@playwright/test';

import { PLAN, untilPhaseDone, userCreated, type Client } from '../common';
import type { Figure, RunFigures } from '../report';

/** (4) A burst: what reached the socket and the history, the longest task, the toasts shown. */
export async function burst(page: Page, client: Client, figures: RunFigures, details: Record<string, unknown>): Promise<void> {
  const tag = 'burst';
  const count = PLAN.burstEvents;
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, false), [tag, count] as const);
  const startedAt = await page.evaluate(() => performance.timeOrigin + performance.now());
  const sent = await client.publisher.stream(count, count / PLAN.burstSeconds, (seq) => userCreated(tag, seq));
  await untilPhaseDone(page, count, 'arrived');
  await page.waitForFunction(() => {
    const phase = __benchProbe.phase;
    return phase.arrivedCount < phase.count || phase.screenAtEnd !== null;
  });
  const seen = await page.evaluate(() => __benchProbe.endPhase());
  const screen = seen.screenAtEnd ?? { items: NaN, waiting: NaN, leaving: NaN };
  await delay(1000);

  const stored = await page.evaluate((key) => localStorage.getItem(key), client.historyKey);
  const ids = stored ? client.historyIds(stored) : [];
  const burstIds = new Set(ids.filter((id) => id.startsWith(`bench-${tag}-`)));
  // A bounded history keeps the newest by arrival (concurrent publishes may arrive out of
  // order): the burst's events in it should be the last ones that arrived.
  const newestArrived = seen.order.slice(seen.order.length - burstIds.size);
  const newestKept = newestArrived.every((seq: number) => burstIds.has(`bench-${tag}-${seq}`));
  const longTasks = await page.evaluate(
    (since) => __benchProbe.longTasks.filter((task: { start: number }) => task.start >= since),
    startedAt,
  );
  figures['burst.received'] = seen.arrived.filter((t: number) => t > 0).length;
  figures['burst.history'] = burstIds.size;
  figures['burst.historyNewest'] = newestKept ? 1 : 0;
  figures['burst.longestTask'] = longTasks.reduce((max: number, task: { duration: number }) => Math.max(max, task.duration), 0);
  figures['burst.toasts'] = screen.items;
  details.burst = {
    events: count,
    publish_failures: sent.failures,
    achieved_rate: sent.spanMs > 0 ? (count - 1) / (sent.spanMs / 1000) : null,
    toasts_waiting: screen.waiting,
    toasts_leaving: screen.leaving,
    long_tasks: longTasks.length,
    long_task_total_ms: longTasks.reduce((sum: number, task: { duration: number }) => sum + task.duration, 0),
  };
}

/** Figure 4's rows. */
export function burstFigures(): Figure[] {
  return [
    {
      id: 'burst.received',
      label: `Burst of ${PLAN.burstEvents} in ${PLAN.burstSeconds} s: events received`,
      unit: '',
      digits: 0,
    },
    { id: 'burst.history', label: 'Burst: its events in the history (up to each app\'s bound)', unit: '', digits: 0 },
    { id: 'burst.historyNewest', label: 'Burst: those are the newest that arrived (1 = yes)', unit: '', digits: 0 },
    { id: 'burst.longestTask', label: 'Burst: longest main-thread task (0 = none ≥ 50 ms)', unit: 'ms', digits: 0 },
    { id: 'burst.toasts', label: 'Burst: toasts on screen at its end', unit: '', digits: 0 },
  ];
}
