// The local mesh's figures: up time to the first 200 (cold and warm), apply and a step switch seen at the edge, the
// control plane's memory by process, the sidecars' price in throughput and p99 against the same chain without them
// (same run, interleaved rounds), memory per sidecar, and the Envoys' CPU per request (their price in vCPU).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { command, getStatus, type MeshStatus, renderChart, resolveStepFile, toolPaths } from '@mesh-demo/mesh';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { type BenchRun, describe, load, pause } from './bench-run.ts';
import { envoyCpuOver, envoyPids } from './envoy-cpu.ts';
import type { LoadResult } from './load.ts';
import { parseStatus } from './memory.ts';
import { CHAIN_PASSES } from './mesh-price.ts';
import type { ControlPlaneMemory, EnvoyCpu, MeshFigures, Profile, ProxyMemory, Skipped } from './results.ts';
import { runCommand } from './run-command.ts';
import { offNodeArgs, TRACING_OFF_ENV } from './telemetry.ts';
import { dropPageCache, timeToFirstOk } from './time-to-ok.ts';

const CLI = join(REPO_ROOT, 'packages', 'mesh', 'src', 'main.ts');
const EDGE = 'http://127.0.0.1:8080';

const cli = (...args: string[]) => runCommand(process.execPath, [CLI, ...args]);

/** Why the mesh cannot be measured here, or undefined when it can. */
export async function meshMissing(): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'the local mesh needs root on Linux';
  const tools = await toolPaths();
  const absent = Object.entries(tools).filter(([, path]) => !existsSync(path));
  if (absent.length) return `mesh tools not built (${absent.map(([name]) => name).join(', ')}): run ./pnpmw mesh tools`;
  return undefined;
}

async function edgeAnswers(headers: Record<string, string> = {}): Promise<{ status: number; text: string } | undefined> {
  try {
    const response = await fetch(EDGE, { headers, signal: AbortSignal.timeout(2000) });
    return { status: response.status, text: await response.text() };
  } catch {
    return undefined;
  }
}

/** `mesh up` to the first 200 at the edge, as a person would see it; cold drops the page cache first (first boot). */
async function timeUp(cold: boolean): Promise<number> {
  if (cold) await dropPageCache();
  const { firstOkMs, result } = await timeToFirstOk(() => cli('up'), EDGE, {
    timeoutMs: 120_000,
    settledOk: (up) => up.code === 0,
  });
  if (result.code !== 0) throw new Error(`mesh up failed: ${result.output.trim().split('\n').slice(-3).join(' | ')}`);
  if (Number.isNaN(firstOkMs)) throw new Error('mesh up gave no 200 at the edge within 120 s');
  return firstOkMs;
}

async function apply(files: string[]): Promise<number> {
  const { helm } = await toolPaths();
  const manifest = await renderChart(helm, await Promise.all(files.map(resolveStepFile)));
  const started = performance.now();
  await command('/apply', { files, manifest }, () => {});
  return performance.now() - started;
}

/**
 * A step switch seen at the edge: from 03a (jason lands on v1 or v2) to resilience-route-header (jason always on v2,
 * both pods already running), a poller sends jason's requests; the switch is visible at the first v2 answer after
 * which no other version answers him.
 */
async function timeSwitch(): Promise<Switch> {
  await apply(['03a-blue-green-50-50']);
  const seen: { at: number; v2: boolean }[] = [];
  let polling = true;
  const started = performance.now();
  const poller = (async () => {
    while (polling) {
      const answer = await edgeAnswers({ 'end-user': 'jason' });
      if (answer?.status === 200) seen.push({ at: performance.now() - started, v2: answer.text.includes('recommendation v2') });
      await sleep(5);
    }
  })();
  const applyMs = await apply(['resilience-route-header']);
  await sleep(1000);
  polling = false;
  await poller;
  const lastOther = seen.findLastIndex((s) => !s.v2);
  const visible = seen[lastOther + 1];
  if (!visible) throw new Error('jason never landed on v2 only after the switch');
  return { visibleMs: visible.at, applyMs, afterApplyMs: Math.max(0, visible.at - applyMs) };
}

interface Switch {
  readonly visibleMs: number;
  readonly applyMs: number;
  readonly afterApplyMs: number;
}

/** RSS of each control-plane process `mesh status` lists (its pid's /proc status), the mesh at rest. */
function controlPlaneMemory(status: MeshStatus): ControlPlaneMemory[] {
  return status.processes.flatMap((process) => {
    if (!process.pid) return [];
    try {
      return [{ name: process.name, rssMb: parseStatus(readFileSync(`/proc/${process.pid}/status`, 'utf8')).rssMb }];
    } catch {
      return [];
    }
  });
}

/** RSS of each pod's proxy (pilot-agent + Envoy), idle or after load, read from the processes in its namespace. */
async function proxyMemory(status: MeshStatus): Promise<ProxyMemory[]> {
  const out: ProxyMemory[] = [];
  for (const pod of status.pods.filter((p) => p.proxy && p.phase === 'Running')) {
    const pids = (await promisify(execFile)('ip', ['netns', 'pids', pod.netns])).stdout.split('\n').filter(Boolean);
    let agentMb = 0;
    let envoyMb = 0;
    let peakMb = 0;
    for (const pid of pids) {
      let comm: string;
      let memory: ReturnType<typeof parseStatus>;
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        memory = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        continue;
      }
      if (comm === 'envoy') envoyMb += memory.rssMb;
      else if (comm === 'pilot-agent') agentMb += memory.rssMb;
      else continue;
      peakMb += memory.peakMb;
    }
    out.push({ pod: pod.name, proxy: pod.proxy!, agentMb, envoyMb, peakMb });
  }
  return out;
}

/** `mesh up` to the first 200 at the edge: once cold (nothing built or cached), then warm (3 runs in full). */
async function timeUps(profile: Profile, log: (line: string) => void): Promise<{ upColdMs: number[]; upWarmMs: number[] }> {
  const upColdMs = [await timeUp(true)];
  const upWarmMs: number[] = [];
  for (let run = 0; run < (profile.name === 'full' ? 3 : 1); run++) {
    await cli('down');
    upWarmMs.push(await timeUp(false));
  }
  log(`mesh up to the first 200: cold ${upColdMs.map(Math.round).join(', ')} ms, warm ${upWarmMs.map(Math.round).join(', ')} ms`);
  return { upColdMs, upWarmMs };
}

/** How soon a `mesh apply` shows at the edge, and when apply itself returns (5 runs in full). */
async function timeSwitches(profile: Profile, log: (line: string) => void): Promise<Switch[]> {
  const switches: Switch[] = [];
  for (let run = 0; run < (profile.name === 'full' ? 5 : 1); run++) switches.push(await timeSwitch());
  const ms = (pick: (s: Switch) => number) => switches.map((s) => Math.round(pick(s))).join(', ');
  log(
    `step switch visible at the edge after ${ms((s) => s.visibleMs)} ms, ${ms((s) => s.afterApplyMs)} ms after apply returned (${ms((s) => s.applyMs)} ms)`,
  );
  return switches;
}

/**
 * The same load through the mesh's edge and straight to the plain chain, round by round in alternating order; around
 * each meshed round, the CPU time of every Envoy (the sidecars' price in vCPU).
 */
async function loadBothWays(
  run: BenchRun,
  plain: LocalServices,
): Promise<{ meshed: LoadResult[]; unmeshed: LoadResult[]; envoyCpu: EnvoyCpu[] }> {
  const meshed: LoadResult[] = [];
  const unmeshed: LoadResult[] = [];
  const envoyCpu: EnvoyCpu[] = [];
  for (let round = 1; round <= run.profile.rounds; round++) {
    const order = round % 2 ? ['plain', 'mesh'] : ['mesh', 'plain'];
    for (const which of order) {
      let result: LoadResult;
      if (which === 'mesh') {
        // Found again each round: a proxy that restarted has a new pid.
        const pids = await envoyPids(await getStatus());
        const measured = await envoyCpuOver(pids, () => load(run, EDGE, run.profile.connections), sentRequests);
        result = measured.result;
        meshed.push(result);
        envoyCpu.push(measured.cpu);
      } else {
        result = await load(run, plain.url('customer'), run.profile.connections);
        unmeshed.push(result);
      }
      run.log(`mesh round ${round}/${run.profile.rounds} ${which}: ${describe(result)}`);
      await pause(run, which);
    }
  }
  return { meshed, unmeshed, envoyCpu };
}

/**
 * The rate for the latency the proxies add: a fifth of what the mesh carries here at saturation (about 550 req/s), so
 * neither side queues; Istio's figures are taken at 1000 req/s on machines far larger than these 2 cores.
 */
export const FIXED_RATE = 100;
const FIXED_RATE_CONNECTIONS = 16;

/** The same chain through the mesh and without it at FIXED_RATE, round by round in alternating order. */
async function loadAtRate(run: BenchRun, plain: LocalServices): Promise<NonNullable<MeshFigures['atRate']>> {
  const meshed: LoadResult[] = [];
  const unmeshed: LoadResult[] = [];
  // Twice the profile's duration: at 100 req/s a 5 s run holds only 500 answers to take a p90 from.
  const seconds = run.profile.durationSeconds * 2;
  for (let round = 1; round <= run.profile.rounds; round++) {
    for (const which of round % 2 ? ['plain', 'mesh'] : ['mesh', 'plain']) {
      const result = await load(run, which === 'mesh' ? EDGE : plain.url('customer'), FIXED_RATE_CONNECTIONS, {
        rate: FIXED_RATE,
        seconds,
      });
      (which === 'mesh' ? meshed : unmeshed).push(result);
      run.log(`mesh round ${round}/${run.profile.rounds} ${which} at ${FIXED_RATE} req/s: ${describe(result)}`);
      await pause(run, which);
    }
  }
  return { rps: FIXED_RATE, meshed, unmeshed };
}

/** Every request the load generator sent, its warm-up's included: the Envoys' CPU went on all of them. */
const sentRequests = (result: LoadResult) => result.requests + result.warmupRequests;

/** The Envoys at rest for a few seconds: what they use with no traffic (stats flushes, xDS), beside their price under load. */
async function envoyIdleCpu(): Promise<EnvoyCpu> {
  const pids = await envoyPids(await getStatus());
  return (
    await envoyCpuOver(
      pids,
      () => sleep(IDLE_CPU_MS),
      () => 0,
    )
  ).cpu;
}

const IDLE_CPU_MS = 5000;

/** The proxies' sampling, by the Telemetry the local cluster starts with (manifests/tracing.yaml), once istiod pushed it. */
async function proxySampling(percent: number): Promise<void> {
  const patch = JSON.stringify({ spec: { tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: percent }] } });
  const patched = await cli('kubectl', '-n', 'istio-system', 'patch', 'telemetry', 'mesh-default', '--type=merge', '-p', patch);
  if (patched.code !== 0) throw new Error(`setting the proxies' sampling to ${percent}%: ${patched.output.trim()}`);
  // istiod debounces a change for 100 ms before it pushes; then every proxy must hold the push.
  await sleep(500);
  for (const deadline = Date.now() + 20_000; ; ) {
    const status = await getStatus();
    if (status.unsynced.length === 0 && !status.configError) return;
    if (Date.now() > deadline) throw new Error(`the proxies did not take ${percent}% sampling within 20 s: ${status.unsynced.join(', ')}`);
    await sleep(200);
  }
}

/** What tracing every request costs the proxies: rounds with it and without it, alternating which goes first. */
async function proxyTracingCost(run: BenchRun): Promise<{ tracing: LoadResult[]; notTracing: LoadResult[] }> {
  const tracing: LoadResult[] = [];
  const notTracing: LoadResult[] = [];
  try {
    for (let round = 1; round <= run.profile.rounds; round++) {
      for (const percent of round % 2 ? [100, 0] : [0, 100]) {
        await proxySampling(percent);
        const result = await load(run, EDGE, run.profile.connections);
        (percent ? tracing : notTracing).push(result);
        run.log(`mesh round ${round}/${run.profile.rounds} proxies tracing ${percent}%: ${describe(result)}`);
        await pause(run, `tracing-${percent}`);
      }
    }
  } finally {
    await proxySampling(100);
  }
  return { tracing, notTracing };
}

export async function measureMesh(run: BenchRun): Promise<MeshFigures | Skipped> {
  const { profile, log } = run;
  const missing = await meshMissing();
  if (missing) return { skipped: missing };
  await cli('down');
  let plain: LocalServices | undefined;
  try {
    const { upColdMs, upWarmMs } = await timeUps(profile, log);
    const switches = await timeSwitches(profile, log);
    // The sidecars' price: the mesh as the chart deploys it, tracing off (services and proxies) as in the plain chain.
    const dir = mkdtempSync(join(tmpdir(), 'bench-mesh-'));
    const tracingOff = join(dir, 'tracing-off.yaml');
    writeFileSync(tracingOff, 'tracing: {exporter: none}\n');
    await apply(['02-mesh', tracingOff]);
    // At rest: the step live, no traffic for a while (the HPA's and the controllers' periodic work goes on, as idle does).
    await sleep(10_000);
    const controlPlane = controlPlaneMemory(await getStatus());
    log(`control plane RSS: ${controlPlane.map((p) => `${p.name} ${Math.round(p.rssMb)} MB`).join(', ')}`);
    // The proxies not tracing either (the cluster starts at 100%): their tracing has a row of its own below.
    await proxySampling(0);
    plain = await startLocalServices({ env: TRACING_OFF_ENV, nodeArgs: offNodeArgs(), stdout: 'discard' });
    await sleep(1000);
    const idle = await proxyMemory(await getStatus());
    const idleCpu = await envoyIdleCpu();
    const { meshed, unmeshed, envoyCpu } = await loadBothWays(run, plain);
    const afterLoad = await proxyMemory(await getStatus());
    const atRate = await loadAtRate(run, plain);
    const proxyTracing = await proxyTracingCost(run);
    return {
      upColdMs,
      upWarmMs,
      switchVisibleMs: switches.map((s) => s.visibleMs),
      switchApplyMs: switches.map((s) => s.applyMs),
      switchAfterApplyMs: switches.map((s) => s.afterApplyMs),
      controlPlane,
      meshed,
      unmeshed,
      atRate,
      idle,
      afterLoad,
      proxyTracing,
      envoyCpu,
      envoyIdleCpu: idleCpu,
      envoyPasses: CHAIN_PASSES,
    };
  } finally {
    await plain?.stopAll();
    await cli('down');
  }
}
