// A steady request rate that does not wait for answers (open loop), for the soaks: what went wrong, tallied, and a clean stop.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface PacedLoad {
  /** Requests sent so far, and answered (or failed) so far. */
  readonly sent: () => number;
  readonly done: () => number;
  /** Every answer that was not 200 and every failure, by status or error code: {"503": 2, "ECONNRESET": 1}. */
  readonly errors: Map<string, number>;
  /** How many of those there are in all. */
  readonly errorCount: () => number;
  /** Ends the sending now (Ctrl-C); `finished` then waits only for the requests in flight. */
  stop(): void;
  /** Settles once the run is over and every request sent has its outcome; the pools are closed. */
  readonly finished: Promise<void>;
}

/** A soak's `--minutes` and `--rate`, checked: `fail` (the command's usage error) names the bad one. */
export function paceOptions(
  values: { minutes?: string | boolean; rate?: string | boolean },
  defaults: { rate: number; maxRate: number },
  fail: (message: string) => never,
): { minutes: number; rate: number } {
  const minutes = Number(values.minutes ?? 10);
  const rate = Number(values.rate ?? defaults.rate);
  if (!(minutes > 0)) fail(`--minutes wants a number > 0 (got ${values.minutes})`);
  if (!(rate > 0 && rate <= defaults.maxRate)) fail(`--rate wants requests per second in (0, ${defaults.maxRate}] (got ${values.rate})`);
  return { minutes, rate };
}

/**
 * GET / on each origin in turn at `rate` per second for `ms`. Requests leave on schedule whether or not earlier ones
 * finished, so a slow service shows as latency and timeouts rather than as a lower rate.
 */
export function startPacedLoad(origins: readonly string[], rate: number, ms: number): PacedLoad {
  const pools = origins.map((origin) => new Pool(origin, { connections: 16 }));
  const errors = new Map<string, number>();
  const count = (key: string) => errors.set(key, (errors.get(key) ?? 0) + 1);
  let sent = 0;
  let done = 0;
  const started = Date.now();
  let end = started + ms;

  async function one(pool: Pool): Promise<void> {
    try {
      const response = await pool.request({ path: '/', method: 'GET', signal: AbortSignal.timeout(10_000) });
      await response.body.text();
      if (response.statusCode !== 200) count(String(response.statusCode));
    } catch (error) {
      count((error as { code?: string }).code ?? (error as Error).name);
    } finally {
      done += 1;
    }
  }

  const finished = (async () => {
    const tick = 1000 / rate;
    while (Date.now() < end) {
      void one(pools[sent % pools.length]!);
      sent += 1;
      const wait = Math.min(started + sent * tick, end) - Date.now();
      if (wait > 0) await sleep(wait);
    }
    while (done < sent) await sleep(50);
    await Promise.all(pools.map((p) => p.close()));
  })();

  return {
    sent: () => sent,
    done: () => done,
    errors,
    errorCount: () => [...errors.values()].reduce((a, b) => a + b, 0),
    stop() {
      end = Math.min(end, Date.now());
    },
    finished,
  };
}

/**
 * Ctrl-C ends the sending: the requests in flight finish, then the caller prints its summary. A second Ctrl-C a second
 * or more later exits at once; one sooner is pnpm forwarding the terminal's first (it does, a moment after the
 * terminal), not a person asking twice. Returns whether the run was interrupted. The caller must then exit itself
 * with this handler still in place (`process.exit`), or the echo arriving after it wound down would kill it.
 */
export function stopOnCtrlC(load: PacedLoad, say: (line: string) => void = console.log): () => boolean {
  let interrupted = 0;
  process.on('SIGINT', () => {
    if (interrupted && Date.now() - interrupted > 1000) process.exit(130);
    if (!interrupted) say('\nsoak: Ctrl-C: finishing the requests in flight for the summary (again to stop at once)');
    interrupted ||= Date.now();
    load.stop();
  });
  return () => interrupted !== 0;
}
