// `pnpm bench` / `pnpm bench --quick`: measures the chain beside its references in one run, writes JSON, markdown, SVG.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findJaeger, freePort, type Jaeger, type LocalChain, SERVICES, serviceEntry, startChain, startJaeger } from '@mesh-demo/devtools';
import { startCountingProxy } from './conn-proxy.ts';
import { cpuSeconds } from './cpu.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type Memory, readMemory } from './memory.ts';
import { measureMesh } from './mesh.ts';
import { startHello, startMinimalChain } from './references.ts';
import { renderMarkdown } from './report.ts';
import { renderMesh } from './report-mesh.ts';
import {
  isSkipped,
  type MemoryFigures,
  type Profile,
  type Results,
  type ReuseFigures,
  type Series,
  type ServiceFigures,
} from './results.ts';
import { measureHelloStart, measureStartToReady } from './start-time.ts';
import { renderScalingSvg } from './svg.ts';
import { offNodeArgs, TRACING_MODES, TRACING_OFF_ENV, type TracingMode, telemetryMissing, telemetryNodeArgs } from './telemetry.ts';

const PROFILES: Record<Profile['name'], Profile> = {
  // Many short rounds rather than a few long ones: on a shared machine the load shifts within seconds, and the median
  // of many same-round ratios is steadier than a few long averages.
  full: {
    name: 'full',
    warmupSeconds: 1,
    durationSeconds: 5,
    rounds: 4,
    connections: 64,
    scaling: [1, 8, 64, 256],
    scalingRounds: 2,
    scalingSeconds: 4,
    startRuns: 5,
    reuseRequests: 10_000,
  },
  quick: {
    name: 'quick',
    warmupSeconds: 1,
    durationSeconds: 2,
    rounds: 1,
    connections: 64,
    scaling: [1, 8, 64, 256],
    scalingRounds: 1,
    scalingSeconds: 2,
    startRuns: 1,
    reuseRequests: 1_000,
  },
};
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

// `pnpm run bench -- --quick` passes the `--` on; it means nothing here.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { quick: { type: 'boolean' }, out: { type: 'string' }, 'mesh-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(`usage: pnpm bench [--quick] [--out DIR] [--mesh-only]
  --quick       short smoke run (about a minute); writes to bench/out/ unless --out is given
  --out         where results.json, RESULTS.md and scaling.svg go (full run: bench/)
  --mesh-only   only the local mesh's figures (needs root and ./pnpmw mesh tools), to mesh.json and MESH.md`);
  process.exit(0);
}
const profile = PROFILES[values.quick ? 'quick' : 'full'];
const outDir = values.out ?? (profile.name === 'full' ? BENCH_DIR : join(BENCH_DIR, 'out'));
const log = (message: string) => console.log(`bench: ${message}`);

for (const name of SERVICES) {
  if (!existsSync(serviceEntry(name))) {
    console.error(`bench: ${serviceEntry(name)} is missing; run ./pnpmw build first (pnpm bench does)`);
    process.exit(1);
  }
}

// Everything started here is stopped on the way out, also on Ctrl-C.
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanup(): Promise<void> {
  for (const stop of cleanups.splice(0).reverse()) await stop().catch(() => undefined);
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

const began = performance.now();
const loadBefore = loadavg();
const telemetrySkip = telemetryMissing();
const jaegerBinary = findJaeger();
const tracedSkip = telemetrySkip ?? (jaegerBinary ? undefined : 'no jaeger');
/** Between runs; after a traced run long enough for the batch exporter (5 s schedule) to drain into Jaeger. */
const pause = (key: string) => sleep(profile.name === 'quick' ? 200 : TRACING_MODES.some((m) => m.name === key) ? 4000 : 1000);

function load(url: string, connections: number, extra: { meshSampleEvery?: number; seconds?: number } = {}): Promise<LoadResult> {
  const { seconds = profile.durationSeconds, ...rest } = extra;
  return runLoad({ url, connections, durationSeconds: seconds, warmupSeconds: profile.warmupSeconds, ...rest });
}

function describe(result: LoadResult): string {
  const errors = result.non2xx + result.errors + result.timeouts;
  return `${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${errors ? `, ${errors} failed` : ''}`;
}

async function main(): Promise<Results> {
  let jaeger: Jaeger | undefined;
  if (!tracedSkip && jaegerBinary) {
    jaeger = await startJaeger(jaegerBinary);
    cleanups.push(() => jaeger!.stop());
    log(`jaeger ${jaeger.version} at ${jaeger.queryUrl}`);
  } else {
    log(`traced modes skipped: ${tracedSkip}`);
  }

  // Per service: start to ready, telemetry off and on (interleaved, so drift hits both alike).
  const services: Record<string, ServiceFigures> = {};
  const onEndpoint = jaeger?.otlpEndpoint ?? `http://127.0.0.1:${await freePort()}`;
  for (const name of SERVICES) {
    const skipped = telemetrySkip ? { skipped: telemetrySkip } : undefined;
    services[name] = { startOff: [], startOn: skipped ?? [], startOffCpu: [], startOnCpu: skipped ?? [] };
  }
  const referenceStart: number[] = [];
  const referenceStartCpu: number[] = [];
  for (let run = 0; run < profile.startRuns; run++) {
    const hello = await measureHelloStart();
    referenceStart.push(hello.ms);
    referenceStartCpu.push(hello.cpuMs);
    for (const name of SERVICES) {
      const figures = services[name]!;
      const off = await measureStartToReady(name, { env: TRACING_OFF_ENV, nodeArgs: offNodeArgs() });
      figures.startOff.push(off.ms);
      figures.startOffCpu.push(off.cpuMs);
      if (Array.isArray(figures.startOn) && Array.isArray(figures.startOnCpu)) {
        const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: onEndpoint, OTEL_TRACES_SAMPLER: 'parentbased_always_on' };
        const on = await measureStartToReady(name, { env, nodeArgs: telemetryNodeArgs() });
        figures.startOn.push(on.ms);
        figures.startOnCpu.push(on.cpuMs);
      }
    }
  }
  log(`hello reference start to ready: ${referenceStart.map(Math.round).join(', ')} ms`);
  for (const name of SERVICES) {
    const { startOff, startOn } = services[name]!;
    const on = Array.isArray(startOn) ? `, ${startOn.map(Math.round).join(', ')} ms (telemetry on)` : '';
    log(`${name} start to ready: ${startOff.map(Math.round).join(', ')} ms (telemetry off)${on}`);
  }

  // Everything that is measured runs side by side, so each round measures all of them under the same conditions.
  const hello = await startHello();
  cleanups.push(() => hello.stop());
  const minimal = await startMinimalChain();
  cleanups.push(() => Promise.all(minimal.map((p) => p.stop())));
  const chains = new Map<string, LocalChain>();
  const startMeshChain = async (key: string, env: Record<string, string>, nodeArgs: string[]) => {
    const chain = await startChain({ env, nodeArgs, stdout: 'discard' });
    cleanups.push(() => chain.stopAll());
    chains.set(key, chain);
  };
  await startMeshChain('off', TRACING_OFF_ENV, offNodeArgs());
  // Diagnostic, not a target: the same chain without its per-request log line, to show what logging costs here.
  await startMeshChain('off-quiet', { ...TRACING_OFF_ENV, LOG_LEVEL: 'warn' }, offNodeArgs());
  const modes: TracingMode[] = jaeger ? [...TRACING_MODES] : [];
  for (const mode of modes)
    await startMeshChain(mode.name, mode.env({ jaeger: jaeger!.jaegerEndpoint, otlp: jaeger!.otlpEndpoint }), telemetryNodeArgs());
  // Every process measured for memory, per configuration: the references first, then each chain.
  const pids = new Map<string, Record<string, number>>([
    ['hello', { hello: hello.child.pid! }],
    ['minimal', Object.fromEntries(minimal.map((p) => [p.name, p.child.pid!]))],
  ]);
  for (const [key, chain] of chains) pids.set(key, Object.fromEntries([...chain.processes].map(([name, p]) => [name, p.child.pid!])));
  await sleep(1000);
  const idle = new Map([...pids].map(([key, byName]) => [key, memoryOf(byName)]));

  const targets: { key: string; label: string; url: string; meshSampleEvery?: number }[] = [
    { key: 'hello', label: 'reference: Fastify hello, one hop', url: hello.url },
    { key: 'minimal', label: 'reference: minimal 3-hop chain (Fastify + undici Pool)', url: minimal[0]!.url },
    { key: 'off', label: 'chain, features on, tracing off', url: chains.get('off')!.url('customer') },
    {
      key: 'off-quiet',
      label: 'diagnostic: chain, tracing off, request logs off (LOG_LEVEL=warn)',
      url: chains.get('off-quiet')!.url('customer'),
    },
    ...modes.map((mode) => ({
      key: mode.name,
      label: `chain, ${mode.label}`,
      url: chains.get(mode.name)!.url('customer'),
      ...(mode.meshSampleEvery && { meshSampleEvery: mode.meshSampleEvery }),
    })),
  ];
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.key, []]));
  for (let round = 1; round <= profile.rounds; round++) {
    // Each round starts one configuration later, so no configuration always follows the same one (e.g. a traced run
    // whose last spans are still being exported and ingested).
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
    for (const target of order) {
      const measured = Object.values(pids.get(target.key)!);
      const traced = jaeger && modes.some((m) => m.name === target.key) ? [jaeger.pid] : [];
      const [cpuBefore, collectorBefore] = [cpuSeconds(measured), cpuSeconds(traced)];
      const loaded = await load(target.url, profile.connections, target.meshSampleEvery ? { meshSampleEvery: target.meshSampleEvery } : {});
      const requests = loaded.requests + loaded.warmupRequests;
      const perRequest = (seconds: number) => (1e6 * seconds) / Math.max(1, requests);
      const result = {
        ...loaded,
        cpuUsPerRequest: perRequest(cpuSeconds(measured) - cpuBefore),
        ...(traced.length && { collectorCpuUsPerRequest: perRequest(cpuSeconds(traced) - collectorBefore) }),
      };
      runs.get(target.key)!.push(result);
      log(`round ${round}/${profile.rounds} ${target.key} c=${profile.connections}: ${describe(result)}`);
      await pause(target.key);
    }
  }
  const series: Series[] = targets.map((t) => ({ key: t.key, label: t.label, runs: runs.get(t.key)! }));
  for (const mode of TRACING_MODES) {
    if (!modes.includes(mode)) series.push({ key: mode.name, label: `chain, ${mode.label}`, runs: { skipped: tracedSkip ?? 'not run' } });
  }

  // Scaling: the ceiling, the chain, and the chain fully traced, at each concurrency (interleaved per concurrency).
  const scaled = targets.filter((t) => ['minimal', 'off', 'jaeger-100'].includes(t.key));
  const scaling = scaled.map((t) => ({ key: t.key, label: t.label, runs: profile.scaling.map(() => [] as LoadResult[]) }));
  for (let round = 1; round <= profile.scalingRounds; round++) {
    for (const [point, connections] of profile.scaling.entries()) {
      for (const [index, target] of scaled.entries()) {
        const result = await load(target.url, connections, { seconds: profile.scalingSeconds });
        scaling[index]!.runs[point]!.push(result);
        log(`scaling round ${round}/${profile.scalingRounds} ${target.key} c=${connections}: ${describe(result)}`);
        await pause(target.key);
      }
    }
  }

  const memory: Results['memory'] = {};
  for (const [key, byName] of pids) {
    const after = memoryOf(byName);
    const figures: Record<string, MemoryFigures> = {};
    for (const name of Object.keys(byName)) {
      const before = idle.get(key)![name]!;
      figures[name] = { idleMb: before.rssMb, idleAnonMb: before.anonMb, afterLoadMb: after[name]!.rssMb, peakMb: after[name]!.peakMb };
    }
    memory[key] = figures;
  }
  for (const mode of TRACING_MODES) if (!(mode.name in memory)) memory[mode.name] = { skipped: tracedSkip ?? 'not run' };
  const jaegerServices = jaeger ? await jaeger.services() : [];
  if (jaeger) log(`jaeger has spans from: ${jaegerServices.join(', ') || 'nothing'}`);
  await cleanup();

  const reuse = await measureReuse();
  // Last, alone on the machine: the mesh's proxies would compete with everything above. A failure there is reported
  // (and fails the run) but keeps the figures above, which took minutes to measure.
  const mesh = await measureMesh(profile, log).catch((error: Error) => {
    process.exitCode = 1;
    return { skipped: `failed: ${error.message}` };
  });
  if (isSkipped(mesh)) log(`local mesh not measured: ${mesh.skipped}`);
  return {
    meta: {
      date: new Date().toISOString(),
      profile,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadBefore,
      loadAfter: loadavg(),
      telemetry: telemetrySkip ? `skipped: ${telemetrySkip}` : 'present',
      jaeger: jaeger ? `${jaeger.version} (spans seen from: ${jaegerServices.join(', ') || 'none'})` : `skipped: ${tracedSkip}`,
      elapsedSeconds: Math.round((performance.now() - began) / 1000),
    },
    series,
    scaling,
    services,
    referenceStart,
    referenceStartCpu,
    memory,
    reuse,
    mesh,
  };
}

function memoryOf(pids: Record<string, number>): Record<string, Memory> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, readMemory(pid)]));
}

/**
 * Connections opened per 1,000 chained requests: a counting TCP proxy sits in front of preference and of
 * recommendation, so every connection their callers open is one accept. Warm-up first (the pools fill), then
 * a fixed number of requests at the headline concurrency; only the accepts during those requests count.
 */
async function measureReuse(): Promise<ReuseFigures[]> {
  let chain: LocalChain | undefined;
  const toPreference = await startCountingProxy(await freePort(), () => chain!.instances.find((i) => i.name === 'preference')!.port);
  const toRecommendation = await startCountingProxy(
    await freePort(),
    () => chain!.instances.find((i) => i.name === 'recommendation')!.port,
  );
  cleanups.push(
    () => toPreference.close(),
    () => toRecommendation.close(),
  );
  chain = await startChain({
    env: TRACING_OFF_ENV,
    nodeArgs: offNodeArgs(),
    stdout: 'discard',
    envFor: {
      customer: { PREFERENCE_URL: `http://127.0.0.1:${toPreference.port}` },
      preference: { RECOMMENDATION_URL: `http://127.0.0.1:${toRecommendation.port}` },
    },
  });
  cleanups.push(() => chain!.stopAll());
  const url = chain.url('customer');
  // Warm-up lasts until the pools stop growing: one whole second at full concurrency without a new connection (at
  // most 10 s). A pool that keeps churning never settles, and then shows up in the measured figure below.
  const opened = () => toPreference.accepted() + toRecommendation.accepted();
  for (let second = 0, before = -1; second < 10 && opened() !== before; second++) {
    before = opened();
    await runLoad({ url, connections: profile.connections, durationSeconds: 1, warmupSeconds: 0 });
  }
  const hops = [
    { hop: 'customer → preference', proxy: toPreference },
    { hop: 'preference → recommendation', proxy: toRecommendation },
  ].map(({ hop, proxy }) => ({ hop, proxy, warmupOpened: proxy.accepted() }));
  const result = await runLoad({
    url,
    connections: profile.connections,
    durationSeconds: 0,
    warmupSeconds: 0,
    amount: profile.reuseRequests,
  });
  const figures = hops.map(({ hop, proxy, warmupOpened }) => {
    const opened = proxy.accepted() - warmupOpened;
    return { hop, warmupOpened, requests: result.ok, opened, per1000: (1000 * opened) / Math.max(1, result.ok) };
  });
  for (const f of figures) log(`reuse ${f.hop}: ${f.warmupOpened} opened in warm-up, then ${f.opened} over ${f.requests} requests`);
  await cleanup();
  return figures;
}

async function meshOnly(): Promise<void> {
  const mesh = await measureMesh(profile, log);
  if (isSkipped(mesh)) throw new Error(`the local mesh cannot be measured: ${mesh.skipped}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'mesh.json'), `${JSON.stringify(mesh, null, 2)}\n`);
  writeFileSync(join(outDir, 'MESH.md'), renderMesh({ mesh } as Results));
  log(`wrote mesh.json and MESH.md to ${outDir}`);
}

try {
  if (values['mesh-only']) {
    await meshOnly();
    process.exit(0);
  }
  const results = await main();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results));
  writeFileSync(join(outDir, 'scaling.svg'), renderScalingSvg(results));
  log(`wrote results.json, RESULTS.md and scaling.svg to ${outDir} in ${results.meta.elapsedSeconds} s`);
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
