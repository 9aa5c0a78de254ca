// A micro A/B (not the bench): CPU per unsampled request through Fastify in-process, tracing off against on at 1%.
// Run by hand, one mode per process (the SDK is global): `node --conditions=development <this file> off|on [rounds]`.
// Each request carries an unsampled traceparent and B3 multi headers, as from a mesh ingress; the handler does what the
// kit's does with the trace context (reads it for the log line, injects it into a downstream call's headers).
import { context, propagation, trace } from '@opentelemetry/api';
import Fastify from 'fastify';
import { settingsFromEnv } from '../src/settings.ts';

const mode = process.argv[2] === 'off' ? 'off' : 'on';
const rounds = Number(process.argv[3] ?? 5);
const REQUESTS = 20_000;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const headers = {
  traceparent: `00-${TRACE_ID}-${PARENT_ID}-00`,
  'x-b3-traceid': TRACE_ID,
  'x-b3-spanid': PARENT_ID,
  'x-b3-sampled': '0',
  'x-request-id': 'micro',
};

if (mode === 'on') {
  const env = {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.01',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
  };
  const { startTracing } = await import('../src/sdk.ts');
  await startTracing(settingsFromEnv(env), env, undefined, () => {});
}

const app = Fastify();
app.get('/', async (request) => {
  const outgoing: Record<string, string> = { 'x-request-id': request.id };
  trace.getActiveSpan()?.spanContext();
  propagation.inject(context.active(), outgoing);
  return outgoing;
});
await app.ready();

async function run(count: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await app.inject({ method: 'GET', url: '/', headers });
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}

await run(REQUESTS);
const perRequest: number[] = [];
for (let round = 0; round < rounds; round++) perRequest.push(await run(REQUESTS));
perRequest.sort((a, b) => a - b);
console.log(
  `${mode}: median ${perRequest[Math.floor(rounds / 2)]!.toFixed(1)} µs CPU per request (${perRequest.map((v) => v.toFixed(1)).join(', ')})`,
);
await app.close();
process.exit(0);
