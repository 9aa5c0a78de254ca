// Runs one load measurement in a separate process (load-worker.ts) and returns its figures.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  /** A fixed number of requests instead of a duration (used to count connections per 1,000 requests). */
  readonly amount?: number;
  readonly headers?: Record<string, string>;
  /** Send a W3C traceparent on every request, sampled on every Nth, as a mesh ingress at 1/N sampling would. */
  readonly meshSampleEvery?: number;
  /**
   * Requests per second across all connections, held when the target keeps up: latency below saturation, where a
   * closed loop's would be mostly queueing (Istio's latency figures are taken at a fixed rate too).
   */
  readonly rate?: number;
}

export interface LoadResult {
  readonly connections: number;
  readonly seconds: number;
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** 2xx answers per second over the measured run. */
  readonly rps: number;
  /** Latency percentiles in ms. */
  readonly p50: number;
  /** Absent in results from before the mesh's price was measured (issue 24's third pass). */
  readonly p90?: number;
  readonly p99: number;
  readonly mean: number;
  /** Requests sent during the warm-up (which the CPU figures include). */
  readonly warmupRequests: number;
  /** CPU time (user + system) the configuration's processes used per request, warm-up included, in µs. */
  readonly cpuUsPerRequest?: number;
  /** The same for the Jaeger collecting the spans, when traced. */
  readonly collectorCpuUsPerRequest?: number;
}

/** Answers that were not 2xx, connection errors and timeouts: what every table and log line counts as failed. */
export const failed = (r: LoadResult): number => r.non2xx + r.errors + r.timeouts;

const WORKER = fileURLToPath(new URL('./load-worker.ts', import.meta.url));

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WORKER, JSON.stringify(spec)], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`load generator failed against ${spec.url}: ${stderr.trim() || error.message}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
