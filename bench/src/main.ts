// `pnpm bench` / `pnpm bench --quick`: measures the chain beside its references in one run, writes JSON, markdown, SVG.
// The run goes phase by phase (src/phase-*.ts); this file reads the options, runs the phases in order, writes the files.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { commandLine, findJaeger, freePort, type Jaeger, SERVICES, serviceEntry, startJaeger } from '@mesh-demo/devtools';
import { type BenchRun, Cleanups } from './bench-run.ts';
import { measureMesh } from './mesh.ts';
import { memoryFigures, readAll } from './phase-memory.ts';
import { measureReuse } from './phase-reuse.ts';
import { measureRounds } from './phase-rounds.ts';
import { measureScaling } from './phase-scaling.ts';
import { measureStarts } from './phase-starts.ts';
import { startTargets } from './phase-targets.ts';
import { PROFILES } from './profiles.ts';
import { renderMarkdown } from './report.ts';
import { renderMesh } from './report-mesh.ts';
import { isSkipped, type Results } from './results.ts';
import { renderScalingSvg } from './svg.ts';
import { telemetryMissing } from './telemetry.ts';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

const cli = commandLine(
  'bench',
  (command) => `usage: ${command} [--quick] [--out DIR] [--mesh-only]
  --quick       short smoke run (about a minute); writes to bench/out/ unless --out is given
  --out         where results.json, RESULTS.md and scaling.svg go (full run: bench/)
  --mesh-only   only the local mesh's figures (needs root and ./pnpmw mesh tools), to mesh.json and MESH.md`,
);
// `pnpm run bench -- --quick` passes the `--` on; it means nothing here.
const { values } = cli.parse({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { quick: { type: 'boolean' }, out: { type: 'string' }, 'mesh-only': { type: 'boolean' } },
});
const profile = PROFILES[values.quick ? 'quick' : 'full'];
const outDir = values.out ?? (profile.name === 'full' ? BENCH_DIR : join(BENCH_DIR, 'out'));
const run: BenchRun = { profile, log: (message) => console.log(`bench: ${message}`), cleanups: new Cleanups() };

for (const name of SERVICES) {
  if (!existsSync(serviceEntry(name))) {
    console.error(`bench: ${serviceEntry(name)} is missing; run ./pnpmw build first (pnpm bench does)`);
    process.exit(1);
  }
}

// Everything started here is stopped on the way out, also on Ctrl-C.
process.once('SIGINT', () => void run.cleanups.stopAll().then(() => process.exit(130)));

const began = performance.now();
const loadBefore = loadavg();
const telemetrySkip = telemetryMissing();
const jaegerBinary = findJaeger();
const tracedSkip = telemetrySkip ?? (jaegerBinary ? undefined : 'no jaeger');

async function startTracing(): Promise<Jaeger | undefined> {
  if (tracedSkip || !jaegerBinary) {
    run.log(`traced modes skipped: ${tracedSkip}`);
    return undefined;
  }
  const jaeger = await startJaeger(jaegerBinary);
  run.cleanups.push(() => jaeger.stop());
  run.log(`jaeger ${jaeger.version} at ${jaeger.queryUrl}`);
  return jaeger;
}

async function main(): Promise<Results> {
  const jaeger = await startTracing();
  const starts = await measureStarts(run, telemetrySkip, jaeger?.otlpEndpoint ?? `http://127.0.0.1:${await freePort()}`);
  const measured = await startTargets(run, jaeger);
  await sleep(1000);
  const idle = readAll(measured.pids);
  const series = await measureRounds(run, measured, jaeger, tracedSkip);
  const scaling = await measureScaling(run, measured.targets);
  const memory = memoryFigures(measured.pids, idle, tracedSkip);
  const jaegerServices = jaeger ? await jaeger.services() : [];
  if (jaeger) run.log(`jaeger has spans from: ${jaegerServices.join(', ') || 'nothing'}`);
  await run.cleanups.stopAll();

  const reuse = await measureReuse(run);
  // Last, alone on the machine: the mesh's proxies would compete with everything above. A failure there is reported
  // (and fails the run) but keeps the figures above, which took minutes to measure.
  const mesh = await measureMesh(run).catch((error: Error) => {
    process.exitCode = 1;
    return { skipped: `failed: ${error.message}` };
  });
  if (isSkipped(mesh)) run.log(`local mesh not measured: ${mesh.skipped}`);
  return { meta: meta(jaeger, jaegerServices), series, scaling, ...starts, memory, reuse, mesh };
}

function meta(jaeger: Jaeger | undefined, jaegerServices: readonly string[]): Results['meta'] {
  return {
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
  };
}

async function meshOnly(): Promise<void> {
  const mesh = await measureMesh(run);
  if (isSkipped(mesh)) throw new Error(`the local mesh cannot be measured: ${mesh.skipped}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'mesh.json'), `${JSON.stringify(mesh, null, 2)}\n`);
  writeFileSync(join(outDir, 'MESH.md'), renderMesh({ mesh } as Results));
  run.log(`wrote mesh.json and MESH.md to ${outDir}`);
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
  run.log(`wrote results.json, RESULTS.md and scaling.svg to ${outDir} in ${results.meta.elapsedSeconds} s`);
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await run.cleanups.stopAll();
}
