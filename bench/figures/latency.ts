// Figure 3, event → toast latency at each rate of the plan (bench/README.md).

import type { Page } from '@playwright/test';

import { clockOffset, PLAN, untilPhaseDone, userCreated, type Client } from '../common';
import { percentile, type Figure, type RunFigures } from '../report';

/** (3) Events at `rate` per second: from the publish request to the toast in the DOM. */
export async function latency(
  page: Page,
  client: Client,
  rate: number,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  const tag = `l${rate}`;
  const count = Math.max(1, Math.round(rate * PLAN.latencySeconds));
  await page.evaluate(([tag, count]) => __benchProbe.startPhase(tag, count, true), [tag, count] as const);
  const offset = await clockOffset(page);
  const sent = await client.publisher.stream(count, rate, (seq) => userCreated(tag, seq));
  await untilPhaseDone(page, count, 'toasted');
  const seen = await page.evaluate(() => __benchProbe.endPhase());

  const toast: number[] = [];
  const transport: number[] = [];
  for (let seq = 0; seq < count; seq++) {
    if (seen.toasted[seq] > 0) toast.push(seen.toasted[seq] - offset - sent.sentAt[seq]);
    if (seen.arrived[seq] > 0) transport.push(seen.arrived[seq] - offset - sent.sentAt[seq]);
  }
  for (const p of [50, 95, 99]) figures[`latency.${rate}.p${p}`] = toast.length ? percentile(toast, p) : null;
  figures[`latency.${rate}.missed`] = count - toast.length;
  details[`latency.${rate}`] = {
    events: count,
    publish_failures: sent.failures,
    publish_error: sent.firstError,
    achieved_rate: sent.spanMs > 0 ? (count - 1) / (sent.spanMs / 1000) : null,
    arrived: transport.length,
    toasted: toast.length,
    // Publish → the page's socket handing the frame to script: the server's share, plus any
    // time the frame waited for a busy main thread.
    frame_p50_ms: percentile(transport, 50),
    frame_p99_ms: percentile(transport, 99),
    clock_offset_ms: offset,
  };
}

/** Figure 3's rows. */
export function latencyFigures(): Figure[] {
  return [
    ...PLAN.latencyRates.flatMap((rate) =>
      [50, 95, 99].map((p) => ({
        id: `latency.${rate}.p${p}`,
        label: `Event → toast, ${rate}/s for ${PLAN.latencySeconds} s: p${p}`,
        unit: 'ms',
        digits: 1,
      })),
    ),
    ...PLAN.latencyRates.map((rate) => ({
      id: `latency.${rate}.missed`,
      label: `Events never toasted at ${rate}/s`,
      unit: '',
      digits: 0,
    })),
  ];
}
