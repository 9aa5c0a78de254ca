// `pnpm bench` / `pnpm bench --quick`: measures the chain beside its references in one run, writes JSON, markdown, SVG.
// The run goes phase by phase (src/phase-*.ts); this file reads the options, runs the phases in order, writes the files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { buildServices } from '@mesh-demo/builder';
import { findJaeger, type Jaeger, startJaeger } from '@mesh-demo/devtools';
import { CommandError, defineCommand, freePort, runEntry } from '@mesh-demo/workspace';
import { type BenchRun, Cleanups } from './bench-run.ts';
import { measureMesh } from './mesh.ts';
import { measureJava } from './phase-java.ts';
import { memoryFigures, readAll } from './phase-memory.ts';
import { measureMeshContainer } from './phase-mesh-container.ts';
import { measureOverload } from './phase-overload.ts';
import { measureReuse } from './phase-reuse.ts';
import { measureRounds } from './phase-rounds.ts';
import { measureScaling } from './phase-scaling.ts';
import { measureStarts } from './phase-starts.ts';
import { startTargets } from './phase-targets.ts';
import { PROFILES } from './profiles.ts';
import { renderMarkdown } from './report.ts';
import { renderJava } from './report-java.ts';
import { renderMesh } from './report-mesh.ts';
import { renderOverload } from './report-overload.ts';
import { isSkipped, type Results, type Skipped } from './results.ts';
import { renderScalingSvg } from './svg.ts';
import { telemetryMissing } from './telemetry.ts';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** What one run of the bench shares: where it writes, what it measures, and what it has started. */
interface Context {
  readonly run: BenchRun;
  readonly outDir: string;
  readonly began: number;
  readonly loadBefore: number[];
  readonly telemetrySkip: string | undefined;
  readonly jaegerBinary: string | undefined;
  readonly tracedSkip: string | undefined;
  /** --skip-mesh: the mesh phase takes a running local mesh down (`mesh down` first), so it can be left out. */
  readonly skipMesh: boolean;
}

async function startTracing({ run, tracedSkip, jaegerBinary }: Context): Promise<Jaeger | undefined> {
  if (tracedSkip || !jaegerBinary) {
    run.log(`traced modes skipped: ${tracedSkip}`);
    return undefined;
  }
  const jaeger = await startJaeger(jaegerBinary);
  run.cleanups.push(() => jaeger.stop());
  run.log(`jaeger ${jaeger.version} at ${jaeger.queryUrl}`);
  return jaeger;
}

async function measureAll(context: Context): Promise<Results> {
  const { run, telemetrySkip, tracedSkip } = context;
  const jaeger = await startTracing(context);
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
  // A failure in the last two phases is reported (and fails the run) but keeps the figures above, which took minutes.
  const overload = await measureOverload(run).catch(failedPhase);
  if (isSkipped(overload)) run.log(`overload not measured: ${overload.skipped}`);
  // Optional: only when the Java references are built (bench/references/java/build.sh); a full run does not build them.
  const java = await measureJava(run, { build: false }).catch(failedPhase);
  if (isSkipped(java)) run.log(`java references not measured: ${java.skipped}`);
  await run.cleanups.stopAll();
  // Last, alone on the machine: the mesh's proxies would compete with everything above.
  const mesh = context.skipMesh ? { skipped: 'not run (--skip-mesh)' } : await measureMesh(run).catch(failedPhase);
  if (isSkipped(mesh)) run.log(`local mesh not measured: ${mesh.skipped}`);
  const meshContainer = context.skipMesh ? { skipped: 'not run (--skip-mesh)' } : await measureMeshContainer(run).catch(failedPhase);
  if (isSkipped(meshContainer)) run.log(`mesh container not measured: ${meshContainer.skipped}`);
  return { meta: meta(context, jaeger, jaegerServices), series, scaling, ...starts, memory, reuse, overload, java, mesh, meshContainer };
}

function failedPhase(error: Error): Skipped {
  process.exitCode = 1;
  return { skipped: `failed: ${error.message}` };
}

function meta(context: Context, jaeger: Jaeger | undefined, jaegerServices: readonly string[]): Results['meta'] {
  const { run, began, loadBefore, telemetrySkip, tracedSkip } = context;
  return {
    date: new Date().toISOString(),
    profile: run.profile,
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

async function meshOnly({ run, outDir }: Context): Promise<void> {
  const mesh = await measureMesh(run);
  if (isSkipped(mesh)) throw new CommandError(`the local mesh cannot be measured: ${mesh.skipped}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'mesh.json'), `${JSON.stringify(mesh, null, 2)}\n`);
  writeFileSync(join(outDir, 'MESH.md'), renderMesh({ mesh } as Results));
  run.log(`wrote mesh.json and MESH.md to ${outDir}`);
}

async function overloadOnly({ run, outDir, began }: Context): Promise<void> {
  const overload = await measureOverload(run);
  if (isSkipped(overload)) throw new CommandError(`overload cannot be measured: ${overload.skipped}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'overload.json'), `${JSON.stringify(overload, null, 2)}\n`);
  writeFileSync(join(outDir, 'OVERLOAD.md'), renderOverload({ overload } as Results).join('\n'));
  run.log(`wrote overload.json and OVERLOAD.md to ${outDir} in ${Math.round((performance.now() - began) / 1000)} s`);
}

/**
 * The mesh container's figures added to the results already in the out directory (a full run's, bench/ by default),
 * and RESULTS.md rendered again from them: its section says when they were measured. Without results there, to
 * mesh-container.json alone.
 */
async function containerOnly({ run, outDir }: Context): Promise<void> {
  const meshContainer = await measureMeshContainer(run);
  if (isSkipped(meshContainer)) throw new CommandError(`the mesh container cannot be measured: ${meshContainer.skipped}`);
  mkdirSync(outDir, { recursive: true });
  const resultsFile = join(outDir, 'results.json');
  if (!existsSync(resultsFile)) {
    writeFileSync(join(outDir, 'mesh-container.json'), `${JSON.stringify(meshContainer, null, 2)}\n`);
    run.log(`wrote mesh-container.json to ${outDir} (no results.json there to add it to)`);
    return;
  }
  const results: Results = {
    ...(JSON.parse(readFileSync(resultsFile, 'utf8')) as Results),
    meshContainer: { ...meshContainer, apart: true },
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results));
  run.log(`added the mesh container's figures to ${resultsFile} and rendered RESULTS.md again`);
}

async function javaOnly({ run, outDir, began }: Context): Promise<void> {
  const java = await measureJava(run, { build: true });
  if (isSkipped(java)) throw new CommandError(`the Java references cannot be measured: ${java.skipped}`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'java.json'), `${JSON.stringify(java, null, 2)}\n`);
  writeFileSync(join(outDir, 'JAVA.md'), renderJava({ java }).join('\n'));
  run.log(`wrote java.json and JAVA.md to ${outDir} in ${Math.round((performance.now() - began) / 1000)} s`);
}

/** The whole run, or one phase's figures alone: results, markdown and the scaling chart written to the out directory. */
async function measure(context: Context, only: 'mesh' | 'overload' | 'java' | 'container' | undefined): Promise<void> {
  const { run, outDir } = context;
  if (only === 'mesh') return meshOnly(context);
  if (only === 'overload') return overloadOnly(context);
  if (only === 'java') return javaOnly(context);
  if (only === 'container') return containerOnly(context);
  const results = await measureAll(context);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results));
  writeFileSync(join(outDir, 'scaling.svg'), renderScalingSvg(results));
  run.log(`wrote results.json, RESULTS.md and scaling.svg to ${outDir} in ${results.meta.elapsedSeconds} s`);
}

export const bench = defineCommand({
  name: 'bench',
  summary: 'the chain beside its references, in one run',
  synopsis: '[--quick] [--out DIR] [--mesh-only | --overload-only | --java-only | --container-only | --skip-mesh]',
  details: () => `  --quick          short smoke run (about two minutes); writes to bench/out/ unless --out is given
  --out            where results.json, RESULTS.md and scaling.svg go (full run: bench/)
  --mesh-only      only the local mesh's figures (needs root and ./pnpmw mesh tools), to mesh.json and MESH.md
  --overload-only  only the overload phase's figures, to overload.json and OVERLOAD.md (default dir: bench/out/)
  --java-only      builds istio-tutorial's Java chains (Maven), then only their phase beside ours, to java.json and JAVA.md
                   (default dir: bench/out/); a full run measures them only when already built
  --container-only the mesh container's figures (needs an engine and mesh-demo/mesh:dev), added to results.json and
                   RESULTS.md in the out dir (full run: bench/), or to mesh-container.json where there are none
  --skip-mesh      everything but the local mesh and its container (the mesh would take down one already running)`,
  options: {
    quick: { type: 'boolean' },
    out: { type: 'string' },
    'mesh-only': { type: 'boolean' },
    'overload-only': { type: 'boolean' },
    'java-only': { type: 'boolean' },
    'container-only': { type: 'boolean' },
    'skip-mesh': { type: 'boolean' },
  },
  async run({ values, fail }) {
    const alone = [values['mesh-only'], values['overload-only'], values['java-only'], values['container-only'], values['skip-mesh']];
    if (alone.filter(Boolean).length > 1) fail('--mesh-only, --overload-only, --java-only, --container-only and --skip-mesh go alone');
    const overloadOnlyRun = values['overload-only'] === true;
    const javaOnlyRun = values['java-only'] === true;
    const profile = PROFILES[values.quick ? 'quick' : 'full'];
    const run: BenchRun = { profile, log: (message) => console.log(`bench: ${message}`), cleanups: new Cleanups() };
    // What the pods, the image and `pnpm start` run: built from the current source, as they build it.
    await buildServices();
    // Everything started here is stopped on the way out, also on Ctrl-C.
    process.once('SIGINT', () => void run.cleanups.stopAll().then(() => process.exit(130)));
    const telemetrySkip = telemetryMissing();
    const jaegerBinary = findJaeger();
    const context: Context = {
      run,
      // One phase alone never overwrites the committed results' directory unless asked to.
      outDir: values.out ?? (profile.name === 'full' && !overloadOnlyRun && !javaOnlyRun ? BENCH_DIR : join(BENCH_DIR, 'out')),
      began: performance.now(),
      loadBefore: loadavg(),
      telemetrySkip,
      jaegerBinary,
      tracedSkip: telemetrySkip ?? (jaegerBinary ? undefined : 'no jaeger'),
      skipMesh: values['skip-mesh'] === true,
    };
    try {
      const only = values['mesh-only']
        ? 'mesh'
        : overloadOnlyRun
          ? 'overload'
          : javaOnlyRun
            ? 'java'
            : values['container-only']
              ? 'container'
              : undefined;
      await measure(context, only);
    } finally {
      await run.cleanups.stopAll();
    }
    // A failed overload or mesh phase keeps the figures above it but fails the run (measureAll sets it).
    return process.exitCode === 1 ? 1 : 0;
  },
});

// `pnpm run bench -- --quick` passes the `--` on; it means nothing here.
if (import.meta.main)
  process.exitCode = await runEntry(
    bench,
    process.argv.slice(2).filter((arg) => arg !== '--'),
  );
