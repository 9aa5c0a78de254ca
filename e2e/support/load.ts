// A small closed-loop load generator over a keep-alive undici Pool, recording every request's outcome.
import { Pool } from 'undici';

export interface Outcome {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
  /** The Retry-After header of the answer, if any. */
  readonly retryAfter?: string;
  /** From sending the request to reading the whole answer (or the error). */
  readonly ms: number;
  /** When it was sent (performance.now()), to place it against an event such as a kill. */
  readonly at: number;
}

export interface Load {
  readonly outcomes: Outcome[];
  /** Stop issuing new requests; resolves when every in-flight request has finished. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface LoadOptions {
  readonly headers?: Record<string, string>;
  /**
   * A hard cap on how long the load runs even if nobody calls stop(): a test that fails half-way must not leave
   * workers looping (and the test process alive) forever. Default 60 s, far beyond any test's use of it.
   */
  readonly maxMs?: number;
  /** Wait as a 503's Retry-After says before the next request, as a polite client does (default: go on at once). */
  readonly honourRetryAfter?: boolean;
}

export function startLoad(url: string, concurrency: number, options: LoadOptions = {}): Load {
  const { headers = {}, maxMs = 60_000, honourRetryAfter = false } = options;
  const origin = new URL(url).origin;
  const pool = new Pool(origin, { connections: concurrency, keepAliveTimeout: 4000 });
  const outcomes: Outcome[] = [];
  let running = true;
  const cap = setTimeout(() => (running = false), maxMs);
  cap.unref();
  async function worker(): Promise<void> {
    while (running) {
      const started = performance.now();
      let wait = 0;
      try {
        const response = await pool.request({ path: '/', method: 'GET', headers, signal: AbortSignal.timeout(10_000) });
        const body = await response.body.text();
        const retryAfter = response.headers['retry-after'] as string | undefined;
        outcomes.push({
          status: response.statusCode,
          body,
          ms: performance.now() - started,
          at: started,
          ...(retryAfter !== undefined && { retryAfter }),
        });
        if (honourRetryAfter && response.statusCode === 503 && retryAfter) wait = Number(retryAfter) * 1000;
      } catch (error) {
        const e = error as { code?: string; cause?: { code?: string }; name?: string };
        outcomes.push({ error: e.code ?? e.cause?.code ?? e.name ?? 'error', ms: performance.now() - started, at: started });
      }
      if (wait > 0 && running) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 5000)));
    }
  }
  const workers = Array.from({ length: concurrency }, worker);
  let stopped: Promise<void> | undefined;
  return {
    outcomes,
    stop() {
      stopped ??= (async () => {
        running = false;
        clearTimeout(cap);
        await Promise.all(workers);
        await pool.close();
      })();
      return stopped;
    },
  };
}

/** Outcomes grouped for an assertion message, e.g. {"200": 950, "ECONNREFUSED": 3}. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.error ?? String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
