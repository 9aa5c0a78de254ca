// Gives memory back once a burst is over: one memory-reducing GC when the process has gone idle well above its usual RSS.
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Why this exists (measured in the overload bench, docs/reliability.md): after a burst V8 keeps what it grew. Its own
 * memory reducer judges the allocation rate from samples taken at GCs, and an idle process runs no GC, so it keeps
 * seeing the burst's rate ("high alloc") and never starts. A plain full GC does not help either: it frees the pages into
 * V8's pool, still resident. Only a memory-reducing GC (V8's "last resort" flavour, what the reducer itself would run)
 * releases them: customer went from 237 to 114 MB 60 s after the overload, and stayed at 237 without it.
 */

/** Below this event-loop utilisation (0..1, since the last reading) the process counts as idle: probes and scrapes, no traffic. */
export const IDLE_UTILISATION = 0.01;
/** RSS this far above the baseline (and at least this many bytes) is worth one GC pause on an idle process. */
const GROWTH_RATIO = 1.1;
const GROWTH_MIN_BYTES = 8 * 1024 * 1024;

/**
 * How long the process has been idle, fed one reading at a time: the quiet stretch counts from the last busy reading,
 * so a busy reading (the latest included) puts it back to 0, below any `idleMs` (never 0: 0 turns reclaim off). This
 * alone keeps a busy process from being collected: shouldReclaim is asked only once the clock has reached `idleMs`.
 */
export function idleClock(startMs: number): (utilisation: number, nowMs: number) => number {
  let idleSince = startMs;
  return (utilisation, nowMs) => {
    if (utilisation >= IDLE_UTILISATION) idleSince = nowMs;
    return nowMs - idleSince;
  };
}

/**
 * Whether an idle process should reclaim: RSS well above the baseline (the RSS when the service started listening, or
 * after the last reclaim, whichever is higher). What a reclaim cannot give back (the malloc heap's fragments) raises
 * the baseline, so an idle process is never collected twice for the same growth.
 */
export function shouldReclaim(rssBytes: number, baselineBytes: number): boolean {
  return rssBytes > Math.max(baselineBytes * GROWTH_RATIO, baselineBytes + GROWTH_MIN_BYTES);
}

export interface Reclaimed {
  readonly beforeBytes: number;
  readonly afterBytes: number;
  readonly heapBeforeBytes: number;
  readonly heapAfterBytes: number;
  readonly pauseMs: number;
}

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * V8's gc() without starting node with --expose-gc (which every launcher, the image and the chart's command would have
 * to carry): the flag is set for one new context, whose global gc is taken, then cleared again, so no app code sees a
 * global gc. The same function --expose-gc installs.
 */
function exposeGc(): Gc {
  const global = (globalThis as { gc?: Gc }).gc;
  if (global) return global;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as Gc;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface MemoryReclaim {
  stop(): void;
}

/** Idleness is read this often (or every `idleMs`, if shorter): a quiet stretch is counted from the last busy reading. */
const CHECK_MS = 5000;

/**
 * Reclaims once the process has been idle for `idleMs` (every reading since then under 1% busy) and RSS is well above
 * the baseline. The timer is unref'd: it never keeps a process alive. `onReclaim` is told each time (log line, metric).
 *
 * The price (measured, docs/reliability.md): the memory-reducing GC leaves the process to warm up again, and the
 * chain's throughput in the first seconds of traffic after a reclaim was about a fifth lower. Hence a quiet stretch of
 * 30 s by default, not a few seconds: a pause between two curl loops should not cost that, a burst's aftermath should.
 */
export function startMemoryReclaim(idleMs: number, onReclaim: (reclaimed: Reclaimed) => void): MemoryReclaim {
  const gc = exposeGc();
  let last = performance.eventLoopUtilization();
  const idleFor = idleClock(performance.now());
  // RSS once listening: about what the idle service holds. A growth that no reclaim gives back raises it (below).
  let baseline = process.memoryUsage.rss();
  const timer = setInterval(
    () => {
      const now = performance.eventLoopUtilization();
      const utilisation = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      if (idleFor(utilisation, performance.now()) < idleMs) return;
      const rssBytes = process.memoryUsage.rss();
      if (!shouldReclaim(rssBytes, baseline)) return;
      const heapBeforeBytes = getHeapStatistics().total_heap_size;
      const started = performance.now();
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const pauseMs = performance.now() - started;
      const afterBytes = process.memoryUsage.rss();
      baseline = Math.max(baseline, afterBytes);
      // The ELU window restarts after the pause, so the GC's own busy time is not read as traffic at the next check.
      last = performance.eventLoopUtilization();
      onReclaim({ beforeBytes: rssBytes, afterBytes, heapBeforeBytes, heapAfterBytes: getHeapStatistics().total_heap_size, pauseMs });
    },
    Math.min(idleMs, CHECK_MS),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
