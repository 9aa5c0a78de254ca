// What tracing costs: req/s of the 3-hop chain under autocannon (64 connections), untraced vs traced, and start-to-ready.
// The chains of all configurations run side by side and are loaded in turn, round after round, so a busy machine
// shifts every configuration alike; each round's ratio to the untraced run of the same round is reported.
// Run: ./pnpmw build && ./pnpmw exec node bench/telemetry-cost.ts [--duration 5] [--rounds 3] [--only name,name]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { defaultInstances, launch, localEnv, waitReady, type ServiceProcess } from '../packages/devtools/src/index.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    base: { type: 'string', default: '28080' },
    'start-only': { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const base = Number(values.base);

// A collector that accepts and discards, so the measurement is the services' cost, not a collector sharing the 2 cores.
const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200).end());
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

const OTLP = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl };
const ONE_PERCENT = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' };
const CLIENT_SPANS = { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fastify,undici' };
const CONFIGS: Record<string, Record<string, string>> = {
  untraced: { OTEL_TRACES_EXPORTER: 'none' },
  'otlp 100%': OTLP,
  'otlp 1% parentbased': { ...OTLP, ...ONE_PERCENT },
  'jaeger 100%': { OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: `${sinkUrl}/api/traces` },
  'otlp 100% +client spans': { ...OTLP, ...CLIENT_SPANS },
  'otlp 1% +client spans': { ...OTLP, ...ONE_PERCENT, ...CLIENT_SPANS },
};

async function autocannon(url: string, seconds: number): Promise<number> {
  const child = spawn('npx', ['--yes', 'autocannon@9.0.0', '-c', '64', '-d', String(seconds), '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const result = JSON.parse(out) as { requests: { average: number }; errors: number; non2xx: number };
  if (result.errors + result.non2xx > 0) console.error(`  ${url}: ${result.errors} errors, ${result.non2xx} non-2xx`);
  return result.requests.average;
}

function rssMiB(processes: ServiceProcess[]): number {
  return processes.reduce((sum, p) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024, 0);
}

function cpuMs(process: ServiceProcess): number {
  const fields = readFileSync(`/proc/${process.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Wall time from spawn to a 200 on /health/ready, and the CPU the process used for it (wall time mostly measures the neighbours). */
async function startToReady(env: Record<string, string>, port: number): Promise<{ ms: number; cpu: number }> {
  const instance = { name: 'recommendation' as const, version: 'v1', port, managementPort: port + 1 };
  const started = performance.now();
  const service = launch({ name: 'recommendation', env: { ...localEnv(instance, [instance]), LOG_LEVEL: 'warn', ...env } });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${instance.managementPort}/health/ready`)).status === 200) break;
    } catch {
      await sleep(2);
    }
  }
  const ms = performance.now() - started;
  const cpu = cpuMs(service);
  await service.stop();
  return { ms, cpu };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const starts = new Map<string, Array<{ ms: number; cpu: number }>>();
const names = values.only ? ['untraced', ...values.only.split(',').filter((n) => n !== 'untraced')] : Object.keys(CONFIGS);

if (values['start-only']) {
  for (let i = 0; i < 7; i++) for (const name of names) starts.set(name, [...(starts.get(name) ?? []), await startToReady(CONFIGS[name]!, base + 90)]);
  for (const name of names) {
    const s = starts.get(name)!;
    console.log(`${name.padEnd(24)} start-to-ready median ${median(s.map((x) => x.ms)).toFixed(0)} ms (cpu ${median(s.map((x) => x.cpu)).toFixed(0)} ms), runs ${s.map((x) => x.ms.toFixed(0)).join(' ')}`);
  }
  sink.close();
  process.exit(0);
}

// Started one chain at a time: a dozen processes starting at once on 2 cores would hit the readiness timeout.
const chains: Array<{ name: string; processes: ServiceProcess[]; url: string }> = [];
const stopAll = () => Promise.all(chains.flatMap((c) => c.processes.map((p) => p.stop())));
try {
  for (const [index, name] of names.entries()) {
    const instances = defaultInstances(base + index * 10).filter((i) => i.name !== 'partner');
    const processes = instances.map((i) => launch({ name: i.name, env: { ...localEnv(i, instances), LOG_LEVEL: 'warn', ...CONFIGS[name]! } }));
    chains.push({ name, processes, url: `http://127.0.0.1:${base + index * 10}/` });
    await Promise.all(processes.map((p) => waitReady(p, 60_000)));
  }
} catch (error) {
  await stopAll();
  throw error;
}
for (const chain of chains) await autocannon(chain.url, 2); // warm-up: JIT, pools, the lazily loaded exporter

const rps = new Map<string, number[]>(names.map((n) => [n, []]));
const ratios = new Map<string, number[]>(names.map((n) => [n, []]));
for (let round = 1; round <= rounds; round++) {
  const line: string[] = [];
  let untraced = 0;
  for (const chain of chains) {
    const value = await autocannon(chain.url, duration);
    if (chain.name === 'untraced') untraced = value;
    rps.get(chain.name)!.push(value);
    ratios.get(chain.name)!.push(value / untraced);
    line.push(`${chain.name} ${value.toFixed(0)}`);
  }
  console.log(`round ${round}: ${line.join(', ')} req/s`);
}
const memory = new Map(chains.map((c) => [c.name, rssMiB(c.processes)]));
await stopAll();

for (let i = 0; i < 5; i++) for (const name of names) starts.set(name, [...(starts.get(name) ?? []), await startToReady(CONFIGS[name]!, base + 90)]);
sink.close();

console.log(`\n3 hops (customer -> preference -> recommendation), autocannon -c 64, ${rounds} rounds x ${duration} s, collector = discard sink`);
for (const name of names) {
  const s = starts.get(name)!;
  console.log(
    `${name.padEnd(24)} median ${median(rps.get(name)!).toFixed(0).padStart(6)} req/s  x${median(ratios.get(name)!).toFixed(2)} of untraced (rounds: ${ratios
      .get(name)!
      .map((r) => r.toFixed(2))
      .join(' ')})  rss ${memory.get(name)!.toFixed(0)} MiB/3 procs  start-to-ready ${median(s.map((x) => x.ms)).toFixed(0)} ms (cpu ${median(s.map((x) => x.cpu)).toFixed(0)} ms)`,
  );
}
