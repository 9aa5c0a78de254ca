// The overload phase's load generator: its spec and result, the summary of its answers, and running it pinned to a core.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedCommand } from './cpu.ts';
import { percentile } from './stats.ts';

export interface OverloadSpec {
  readonly url: string;
  /** Closed-loop callers, each one request at a time over keep-alive connections of one pool. */
  readonly clients: number;
  readonly seconds: number;
  /** The callers start evenly spread over this long, as callers arriving within a second would (see the worker). */
  readonly rampMs: number;
  /** A request still unanswered after this long is given up (and counted as an error, `timeout`). */
  readonly timeoutMs: number;
}

/** One request as the caller saw it. */
export interface Outcome {
  readonly status?: number;
  /** Why no answer came: the error's code (ECONNRESET, UND_ERR_SOCKET, ..., or `timeout` for our own deadline). */
  readonly error?: string;
  /** Whether the answer carried Retry-After (what makes a 503 a shed answer rather than a failure). */
  readonly retryAfter?: boolean;
  /** From sending the request to its status line and headers, ms. */
  readonly ms: number;
  /** When it was sent, s since the load began. */
  readonly at: number;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface OverloadLoadResult {
  readonly clients: number;
  /** How long the callers ran, s, until the last in-flight request was answered. */
  readonly seconds: number;
  readonly requests: number;
  /** Answers by HTTP status, e.g. {"200": 2300, "503": 61000}. */
  readonly byStatus: Record<string, number>;
  /** 503s with Retry-After: refused by admission. */
  readonly shed: number;
  /** Every answer that was neither 200 nor a shed 503 (a 504, a 503 without Retry-After, ...). */
  readonly other: number;
  /** Requests that got no HTTP answer, by error code. */
  readonly errors: Record<string, number>;
  readonly shedMs: Latency;
  /** The same for requests sent from `settledAfter` s on: without the first storm of new connections to a cold process. */
  readonly settledShedMs: Latency;
  readonly settledAfter: number;
  readonly okMs: Latency;
  /** Per second of load (by when each request was sent): how many were shed and admitted, and the shed answers' p99. */
  readonly bySecond: readonly { readonly shed: number; readonly ok: number; readonly shedP99: number }[];
  /** Where the generator could run (its own Cpus_allowed_list, read back), and the CPU time it used, s. */
  readonly cpus: string;
  readonly cpuSeconds: number;
}

/** Counts and latencies of every outcome: a 503 with Retry-After is shed, a 200 admitted, any other answer `other`. */
export function summarise(
  outcomes: readonly Outcome[],
  run: { clients: number; seconds: number; settledAfter: number; cpus: string; cpuSeconds: number },
): OverloadLoadResult {
  const byStatus: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const shedMs: number[] = [];
  const settledShedMs: number[] = [];
  const okMs: number[] = [];
  const perSecond: { shed: number[]; ok: number }[] = [];
  let other = 0;
  for (const o of outcomes) {
    if (o.status === undefined) {
      const code = o.error ?? 'error';
      errors[code] = (errors[code] ?? 0) + 1;
      continue;
    }
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    perSecond[Math.floor(o.at)] ??= { shed: [], ok: 0 };
    const second = perSecond[Math.floor(o.at)]!;
    if (o.status === 503 && o.retryAfter) {
      shedMs.push(o.ms);
      second.shed.push(o.ms);
      if (o.at >= run.settledAfter) settledShedMs.push(o.ms);
    } else if (o.status === 200) {
      okMs.push(o.ms);
      second.ok++;
    } else other++;
  }
  return {
    ...run,
    requests: outcomes.length,
    byStatus,
    shed: shedMs.length,
    other,
    errors,
    shedMs: latencyOf(shedMs),
    settledShedMs: latencyOf(settledShedMs),
    okMs: latencyOf(okMs),
    bySecond: Array.from(perSecond, (s = { shed: [], ok: 0 }) => ({ shed: s.shed.length, ok: s.ok, shedP99: percentile(s.shed, 99) })),
  };
}

/** The max by a loop, not Math.max(...values), whose arguments tens of thousands of values would overflow. */
function latencyOf(values: readonly number[]): Latency {
  let max = Number.NaN;
  for (const v of values) if (!(v <= max)) max = v;
  return { p50: percentile(values, 50), p99: percentile(values, 99), max };
}

export const errorCount = (r: OverloadLoadResult): number => Object.values(r.errors).reduce((a, b) => a + b, 0);

const WORKER = fileURLToPath(new URL('./overload-worker.ts', import.meta.url));

/** Runs the generator in its own process, started pinned to `cpu` (every thread of it), and returns its summary. */
export function runOverloadLoad(spec: OverloadSpec, cpu: number, realtime: boolean): Promise<OverloadLoadResult> {
  const [file, args] = pinnedCommand(cpu, [process.execPath, WORKER, JSON.stringify(spec)], realtime);
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`overload generator failed against ${spec.url}: ${stderr.trim() || error.message}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as OverloadLoadResult);
      } catch {
        reject(new Error(`overload generator printed no result: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
