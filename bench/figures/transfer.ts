// Figure 1, transfer: what a first visit makes a person wait for (bench/README.md).

import type { Page } from '@playwright/test';

import { compress } from '../host';
import { percentile, type Figure, type RunFigures } from '../report';
import type { Traffic } from '../traffic';

/**
 * The split build's target: what the first visit to /login transfers before its form is
 * usable (the sign-in chunk), gzipped, in KB. It replaced issue 9's first budget, 200 KB for
 * everything the sign-in page loaded.
 */
export const FIRST_LOAD_TARGET_KB = 130;

/**
 * (1) The first visit's responses, split by when each request started (the page's clock):
 * before the form was usable (the first load, which for a split build is the sign-in chunk),
 * and up to the badge saying Connected (the total through sign-in). A response the browser
 * took from its cache (a split build may ask again for a chunk it prefetched) transferred
 * nothing and is not counted. The wasm among them is told apart by what was fetched, not by
 * file names: the first load's wasm is the main wasm; any fetched later, through Connected,
 * are chunks.
 */
export async function transfer(
  page: Page,
  traffic: Traffic,
  formUsableAt: number,
  connectedAt: number,
  figures: RunFigures,
  details: Record<string, unknown>,
): Promise<void> {
  const wallToPage = await pageClockMinusWall(page);
  const origin = await page.evaluate(() => performance.timeOrigin);
  const files = await transferSizes(traffic, (wall) => wall + wallToPage - origin);
  const formAt = formUsableAt - origin;
  const connected = connectedAt - origin;
  for (const file of files) {
    file.phase = file.started_ms < formAt ? 'first load' : file.started_ms <= connected ? 'until Connected' : 'after Connected';
  }
  const transferred = files.filter((file) => !file.from_cache);
  const first = transferred.filter((file) => file.phase === 'first load');
  const total = transferred.filter((file) => file.phase !== 'after Connected');
  const mainWasm = first.filter((file) => file.wasm);
  const chunks = total.filter((file) => file.wasm && file.phase === 'until Connected');
  const kb = (of: TransferredFile[], key: 'gzip' | 'brotli' | 'raw') => of.reduce((sum, file) => sum + file[key], 0) / 1024;
  for (const key of ['gzip', 'brotli', 'raw'] as const) {
    figures[`transfer.first.${key}`] = kb(first, key);
    figures[`transfer.total.${key}`] = kb(total, key);
    // An app with no wasm has neither; one with a single wasm has chunks of 0 KB.
    figures[`transfer.wasm.main.${key}`] = mainWasm.length ? kb(mainWasm, key) : null;
    figures[`transfer.wasm.chunks.${key}`] = mainWasm.length ? kb(chunks, key) : null;
  }
  details.transfer = { form_usable_ms: formAt, connected_ms: connected, files };
}

interface TransferredFile {
  path: string;
  /** When its request started, in ms from navigation start (the page's `timeOrigin`). */
  started_ms: number;
  /** Whether it was fetched as WebAssembly (by its MIME type). */
  wasm: boolean;
  /** Whether the browser took it from its cache: then it transferred nothing (sizes 0). */
  from_cache: boolean;
  /** Which of figure 1's totals it is in: the first load, only the total, or neither. */
  phase?: 'first load' | 'until Connected' | 'after Connected';
  raw: number;
  gzip: number;
  brotli: number;
}

/**
 * Each successful response's body compressed as a static host would serve it: gzip -9 and
 * brotli -11. `started` turns a request's start (wall-clock ms) into ms from navigation start.
 */
async function transferSizes(traffic: Traffic, started: (wallMs: number) => number): Promise<TransferredFile[]> {
  const files: TransferredFile[] = [];
  for (const fetched of traffic.fetches()) {
    if (fetched.status !== 200 || !fetched.finished) continue;
    const file = {
      path: new URL(fetched.url).pathname,
      started_ms: started(fetched.startedAt),
      wasm: fetched.mimeType === 'application/wasm',
      from_cache: fetched.fromCache,
    };
    // What came from the cache is listed, not compressed (brotli 11 takes a while).
    if (fetched.fromCache) {
      files.push({ ...file, raw: 0, gzip: 0, brotli: 0 });
      continue;
    }
    const body = await traffic.body(fetched);
    if (!body) continue;
    files.push({
      ...file,
      raw: body.length,
      gzip: compress(body, 'gzip').length,
      brotli: compress(body, 'br').length,
    });
  }
  return files;
}

/**
 * The page's clock (`timeOrigin + now()`, the probe's) minus the wall clock (`Date.now()`, the
 * clock Chromium stamps requests with, CDP's `wallTime`). Both follow the system clock, so this
 * is near zero; the median of a few readings.
 */
async function pageClockMinusWall(page: Page): Promise<number> {
  const readings = await page.evaluate(() =>
    Array.from({ length: 9 }, () => performance.timeOrigin + performance.now() - Date.now()),
  );
  return percentile(readings, 50);
}

/** Figure 1's rows. */
export function transferFigures(): Figure[] {
  return [
    {
      id: 'transfer.first.gzip',
      label: 'First load (sign-in chunk): /login until its form is usable, gzip -9',
      unit: 'KB',
      digits: 1,
      target: { max: FIRST_LOAD_TARGET_KB, name: "the split build's target" },
    },
    { id: 'transfer.first.brotli', label: 'First load (sign-in chunk), brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.total.gzip', label: 'Through sign-in: first visit → home page Connected, gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.total.brotli', label: 'Through sign-in, brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.main.gzip', label: 'wasm alone: main wasm (in the first load), gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.main.brotli', label: 'wasm alone: main wasm, brotli -11', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.chunks.gzip', label: 'wasm alone: chunks (after the first load, through Connected), gzip -9', unit: 'KB', digits: 1 },
    { id: 'transfer.wasm.chunks.brotli', label: 'wasm alone: chunks, brotli -11', unit: 'KB', digits: 1 },
  ];
}
