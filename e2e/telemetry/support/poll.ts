// Polling with a described deadline: the e2e way to wait for something that happens asynchronously (never a bare sleep).
import { setTimeout as sleep } from 'node:timers/promises';

/** Calls `probe` until it returns a value other than undefined; fails naming `what` and the last error after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  const reason = last instanceof Error ? ` (last error: ${last.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}
