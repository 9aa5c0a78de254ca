// Load generator process: one autocannon warm-up then one measured run, printing the result as one JSON line.
// It runs in its own process so the harness (and its bookkeeping) never competes with it on the same event loop.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import type { LoadSpec } from './load.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;

/** Acts as a mesh ingress: every request carries a fresh W3C trace context, sampled for 1 in `everyNth`. */
function meshTraceparent(everyNth: number): autocannon.Request['setupRequest'] {
  let n = 0;
  return (request) => {
    n += 1;
    const sampled = n % everyNth === 0 ? '01' : '00';
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${sampled}`;
    return { ...request, headers: { ...request.headers, traceparent } };
  };
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const base: autocannon.Options = {
  url: spec.url,
  connections: spec.connections,
  pipelining: 1,
  headers: spec.headers ?? {},
  timeout: 10,
  ...(spec.meshSampleEvery && { requests: [{ setupRequest: meshTraceparent(spec.meshSampleEvery) }] }),
  ...(spec.rate && { overallRate: spec.rate }),
};
const warmup = spec.warmupSeconds > 0 ? await run({ ...base, duration: spec.warmupSeconds }) : undefined;
const result = await run(spec.amount ? { ...base, amount: spec.amount } : { ...base, duration: spec.durationSeconds });
const seconds = result.duration;
process.stdout.write(
  `${JSON.stringify({
    connections: spec.connections,
    seconds,
    requests: result.requests.total,
    warmupRequests: warmup?.requests.total ?? 0,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: result['2xx'] / seconds,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    mean: result.latency.mean,
  })}\n`,
);
