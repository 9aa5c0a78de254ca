// What tracing costs: throughput of the 3-hop chain under autocannon (64 connections) untraced vs traced, and start-to-ready.
// Run: ./pnpmw build && ./pnpmw exec node bench/telemetry-cost.ts [--duration 10] [--only name,name]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { defaultInstances, launch, localEnv, waitReady, type ServiceProcess } from '../packages/devtools/src/index.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, only: { type: 'string' }, base: { type: 'string', default: '28080' } } });
const duration = Number(values.duration);
const base = Number(values.base);

// A collector that accepts and discards, so the measurement is the services' cost, not a collector sharing the 2 cores.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = (sink.address() as { port: number }).port;
const sinkUrl = `http://127.0.0.1:${sinkPort}`;

const CONFIGS: Record<string, Record<string, string>> = {
  untraced: { OTEL_TRACES_EXPORTER: 'none' },
  'otlp-100%': { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl },
  'otlp-1%-parentbased': { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
  'jaeger-100%': { OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: `${sinkUrl}/api/traces` },
};

async function autocannon(url: string, seconds: number): Promise<{ rps: number; p99: number; errors: number }> {
  const child = spawn('npx', ['--yes', 'autocannon@9.0.0', '-c', '64', '-d', String(seconds), '-j', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const result = JSON.parse(out) as { requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number };
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function rss(processes: ServiceProcess[]): Promise<number> {
  const { readFileSync } = await import('node:fs');
  return processes.reduce((sum, p) => {
    const status = readFileSync(`/proc/${p.child.pid}/status`, 'utf8');
    return sum + Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }, 0);
}

async function startToReady(env: Record<string, string>): Promise<number> {
  const instance = { name: 'recommendation' as const, version: 'v1', port: base + 50, managementPort: base + 51 };
  const started = performance.now();
  const service = launch({ name: 'recommendation', env: { ...localEnv(instance, [instance]), LOG_LEVEL: 'warn', ...env } });
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${instance.managementPort}/health/ready`);
      if (response.status === 200) break;
    } catch {
      await sleep(2);
    }
  }
  const ms = performance.now() - started;
  await service.stop();
  return ms;
}

const chosen = values.only ? values.only.split(',') : Object.keys(CONFIGS);
const rows: string[] = [];
let untraced: number | undefined;
for (const name of chosen) {
  const env = CONFIGS[name]!;
  const instances = defaultInstances(base).filter((i) => i.name !== 'partner');
  const processes = instances.map((i) => launch({ name: i.name, env: { ...localEnv(i, instances), LOG_LEVEL: 'warn', ...env } }));
  await Promise.all(processes.map((p) => waitReady(p)));
  const url = `http://127.0.0.1:${base}/`;
  await autocannon(url, 3); // warm-up: JIT, pools, first batches
  const result = await autocannon(url, duration);
  const memory = await rss(processes);
  await Promise.all(processes.map((p) => p.stop()));
  const ready: number[] = [];
  for (let i = 0; i < 5; i++) ready.push(await startToReady(env));
  ready.sort((a, b) => a - b);
  if (name === 'untraced') untraced = result.rps;
  const ratio = untraced ? (result.rps / untraced).toFixed(2) : '-';
  rows.push(`${name.padEnd(22)} ${result.rps.toFixed(0).padStart(7)} req/s  x${ratio.padEnd(5)} p99 ${String(result.p99).padStart(4)} ms  errors ${result.errors}  rss ${memory.toFixed(0)} MiB (3 procs)  start-to-ready median ${ready[2]!.toFixed(0)} ms`);
  console.log(rows.at(-1));
}
sink.close();
console.log(`\n3 hops (customer -> preference -> recommendation), autocannon -c 64 -d ${duration}, collector = discard sink\n${rows.join('\n')}`);
