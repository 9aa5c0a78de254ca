// Overload generator process: polite closed-loop callers over keep-alive connections, printing one JSON summary line.
// Its own process, started pinned to a core of its own (overload-load.ts), so its queueing is not the services'.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { parseCpusAllowed } from './cpu.ts';
import { type Outcome, type OverloadSpec, summarise } from './overload-load.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as OverloadSpec;
// One connection per caller at most, kept alive across its requests (the server keeps them 72 s; a caller waits 1 s).
const pool = new Pool(new URL(spec.url).origin, { connections: spec.clients, pipelining: 1, keepAliveTimeout: 30_000 });
const outcomes: Outcome[] = [];
const stop = new AbortController();
const began = performance.now();
setTimeout(() => stop.abort(), spec.seconds * 1000);

function errorCode(error: unknown): string {
  const e = error as { name?: string; code?: unknown; cause?: { code?: string } };
  if (e.name === 'TimeoutError') return 'timeout';
  return (typeof e.code === 'string' ? e.code : undefined) ?? e.cause?.code ?? e.name ?? 'error';
}

/**
 * One caller: a request, and after a 503 the wait its Retry-After asks for, then the next. The latency is taken when
 * the status line and headers arrive (the shed answer is complete then but for a one-line body). Callers start spread
 * over rampMs: started in the same millisecond, all of them would be shed together and, waiting the same 1 s, come
 * back together every second, which measures a synchronised burst rather than ten times the load.
 */
async function caller(index: number): Promise<void> {
  await sleep((index * spec.rampMs) / spec.clients, undefined, { signal: stop.signal }).catch(() => undefined);
  while (!stop.signal.aborted) {
    const started = performance.now();
    const at = (started - began) / 1000;
    let waitMs = 0;
    try {
      const response = await pool.request({ path: '/', method: 'GET', signal: AbortSignal.timeout(spec.timeoutMs) });
      const ms = performance.now() - started;
      await response.body.dump();
      const retryAfter = response.headers['retry-after'];
      outcomes.push({ status: response.statusCode, ms, at, retryAfter: retryAfter !== undefined });
      if (response.statusCode === 503 && retryAfter !== undefined) waitMs = Number(retryAfter) * 1000;
    } catch (error) {
      outcomes.push({ error: errorCode(error), ms: performance.now() - started, at });
    }
    if (waitMs > 0) await sleep(waitMs, undefined, { signal: stop.signal }).catch(() => undefined);
  }
}

// At the end, callers waiting on Retry-After stop at once; requests in flight (admitted ones take the leaf's 3 s) finish.
await Promise.all(Array.from({ length: spec.clients }, (_, i) => caller(i)));
const seconds = (performance.now() - began) / 1000;
await pool.close();
const cpus = parseCpusAllowed(readFileSync('/proc/self/status', 'utf8'));
const { user, system } = process.cpuUsage();
const cpuSeconds = (user + system) / 1e6;
// Settled: after the ramp and one Retry-After round, every caller has its connection and the process has seen the load.
const settledAfter = spec.rampMs / 1000 + 1;
process.stdout.write(`${JSON.stringify(summarise(outcomes, { clients: spec.clients, seconds, settledAfter, cpus, cpuSeconds }))}\n`);
