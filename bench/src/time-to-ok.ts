// A start timed as a person sees it: from the command's start to the first 200 at a URL, and to the command's end.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

/** A first boot's conditions: nothing of the binaries or images in the page cache (needs root). */
export async function dropPageCache(): Promise<void> {
  await promisify(execFile)('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Runs `start` and polls `url` every 20 ms until it answers 200: ms to that answer (NaN if it never did, within
 * `timeoutMs` or before `start` ended in a result `settledOk` refuses), ms to `start`'s end, and its result.
 */
export async function timeToFirstOk<T>(
  start: () => Promise<T>,
  url: string,
  options: { timeoutMs: number; settledOk: (result: T) => boolean },
): Promise<{ firstOkMs: number; doneMs: number; result: T }> {
  const started = performance.now();
  let settled: { result: T; ms: number } | undefined;
  const running = start().then((result) => {
    settled = { result, ms: performance.now() - started };
    return result;
  });
  let firstOkMs = Number.NaN;
  while (Number.isNaN(firstOkMs)) {
    if (await answersOk(url)) firstOkMs = performance.now() - started;
    else if ((settled && !options.settledOk(settled.result)) || performance.now() - started > options.timeoutMs) break;
    else await sleep(20);
  }
  const result = await running;
  return { firstOkMs, doneMs: settled!.ms, result };
}
