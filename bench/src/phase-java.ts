// Phase 7 (optional): our chain and the minimal Node chain beside istio-tutorial's Spring Boot and Quarkus JVM chains,
// all started side by side, each warmed until its throughput settles, then measured in interleaved rounds.
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalServices } from '@mesh-demo/devtools';
import { type BenchRun, describe } from './bench-run.ts';
import { cpuSeconds, cpuUsPerRequest } from './cpu.ts';
import { buildJavaRefs, type JavaVariant, javaMissing, javaVersion, startJavaChain, UPSTREAM } from './java-refs.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type Memory, readMemory } from './memory.ts';
import { startMinimalChain } from './references.ts';
import type { JavaChain, JavaChainFigures, JavaFigures, JavaPhaseMemory, Profile, Skipped } from './results.ts';
import { offNodeArgs, TRACING_OFF_ENV } from './telemetry.ts';
import { warmState } from './warmup.ts';

/**
 * Warm-up in rounds until three in a row agree within 5%, at least a minute for a JVM (30 s was not enough in a trial: its
 * throughput still climbed), and at most 3 minutes a chain. Then 10 s rounds, each chain once a round, so a slow moment of
 * the shared machine falls on every chain of a round, not on one.
 */
export const JAVA_SETTINGS: Record<
  Profile['name'],
  JavaFigures['warmup'] & { readonly rounds: number; readonly durationSeconds: number; readonly connections: number }
> = {
  full: {
    roundSeconds: 10,
    minJvmSeconds: 60,
    minNodeSeconds: 20,
    maxSeconds: 180,
    tolerance: 0.05,
    rounds: 5,
    durationSeconds: 10,
    connections: 64,
  },
  quick: {
    roundSeconds: 5,
    minJvmSeconds: 20,
    minNodeSeconds: 5,
    maxSeconds: 40,
    tolerance: 0.05,
    rounds: 1,
    durationSeconds: 5,
    connections: 64,
  },
};

/** Upstream's Spring Boot customer refuses a request without User-Agent (400); every chain gets the same header. */
const HEADERS = { 'user-agent': 'mesh-demo-bench' };
/**
 * Every hop answered, in order: the Java chains and ours answer the text chain ("customer => preference => recommendation
 * v1 from ..."; ours names each hop's version, upstream's Spring Boot spells "recommmendation"), the minimal chain its JSON.
 */
const ANSWER = /customer[\s\S]*preference[\s\S]*recomm+endation/;

interface Running {
  readonly key: JavaChain['key'];
  readonly label: string;
  readonly jvm: boolean;
  readonly url: string;
  readonly pids: Record<string, number>;
}

const LABELS: Record<JavaChain['key'], string> = {
  off: 'ours: chain, features on, tracing off',
  minimal: 'reference: minimal 3-hop Node chain (Fastify + undici Pool)',
  springboot: `istio-tutorial: Spring Boot 2.7 (Tomcat, RestTemplate), JVM`,
  'quarkus-jvm': `istio-tutorial: Quarkus 2.16 (RESTEasy classic, MicroProfile REST client), JVM`,
};

export async function measureJava(run: BenchRun, options: { build: boolean }): Promise<JavaFigures | Skipped> {
  const settings = JAVA_SETTINGS[run.profile.name];
  if (options.build) buildJavaRefs(run.log);
  const jvm = javaVersion() ?? 'no java';
  // Without a Java chain to compare with, the phase would only repeat what the headline rounds measure.
  const reasons = [...new Set((['springboot', 'quarkus-jvm'] as const).map(javaMissing))];
  if (reasons.every(Boolean)) return { skipped: reasons.join('; ') };
  const before = loadavg();
  const running: Running[] = [];
  const skipped = new Map<JavaChain['key'], string>();

  const ours = await startLocalServices({
    only: ['customer', 'preference', 'recommendation'],
    // Memory reclaim off, as in the headline rounds: each chain idles between its rounds.
    env: { ...TRACING_OFF_ENV, MEMORY_RECLAIM_IDLE_MS: '0' },
    nodeArgs: offNodeArgs(),
    stdout: 'discard',
  });
  run.cleanups.push(() => ours.stopAll());
  const oursPids = Object.fromEntries([...ours.processes].map(([name, p]) => [name, p.child.pid!]));
  running.push({ key: 'off', label: LABELS.off, jvm: false, url: ours.url('customer'), pids: oursPids });
  const minimal = await startMinimalChain();
  run.cleanups.push(() => Promise.all(minimal.map((p) => p.stop())));
  running.push({
    key: 'minimal',
    label: LABELS.minimal,
    jvm: false,
    url: minimal[0]!.url,
    pids: Object.fromEntries(minimal.map((p) => [p.name, p.child.pid!])),
  });
  for (const variant of ['springboot', 'quarkus-jvm'] as const satisfies JavaVariant[]) {
    const missing = javaMissing(variant);
    if (missing) {
      skipped.set(variant, missing);
      run.log(`${variant} skipped: ${missing}`);
      continue;
    }
    const began = performance.now();
    const chain = await startJavaChain(variant).catch((error: Error) => {
      // Left out with the reason, as a reference that cannot be built is: the other chains are still worth measuring.
      skipped.set(variant, `did not start: ${error.message.slice(0, 300)}`);
      run.log(`${variant} skipped: did not start: ${error.message}`);
      return undefined;
    });
    if (!chain) continue;
    run.cleanups.push(() => chain.stop());
    run.log(`${variant} chain ready in ${Math.round((performance.now() - began) / 1000)} s`);
    running.push({ key: variant, label: LABELS[variant], jvm: true, url: chain.url, pids: chain.pids });
  }

  // Idle: every chain started, none loaded yet, and a few seconds for the JVMs' compiler threads to finish their start.
  await sleep(5000);
  const idle = new Map(running.map((c) => [c.key, memoryOf(c.pids)]));
  const answers = new Map<string, string>();
  for (const chain of running) answers.set(chain.key, await checkAnswer(chain));

  const warm = new Map<string, { rps: number[]; settled: boolean; seconds: number }>();
  for (const chain of running) warm.set(chain.key, await warmUp(run, chain, settings));

  const runs = new Map<string, LoadResult[]>(running.map((c) => [c.key, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    const order = running.map((_, i) => running[(i + round - 1) % running.length]!);
    for (const chain of order) {
      const result = await measureOnce(chain, settings);
      runs.get(chain.key)!.push(result);
      run.log(
        `java round ${round}/${settings.rounds} ${chain.key}: ${describe(result)}, ${Math.round(result.cpuUsPerRequest!)} µs CPU/request`,
      );
      await sleep(1000);
    }
  }
  const after = new Map(running.map((c) => [c.key, memoryOf(c.pids)]));

  const chains: JavaChain[] = (['off', 'minimal', 'springboot', 'quarkus-jvm'] as const).map((key) => {
    const chain = running.find((c) => c.key === key);
    if (!chain) return { key, label: LABELS[key], figures: { skipped: skipped.get(key) ?? 'not run' } };
    const w = warm.get(key)!;
    const figures: JavaChainFigures = {
      answer: answers.get(key)!,
      warmupRps: w.rps,
      settled: w.settled,
      warmupSeconds: w.seconds,
      runs: runs.get(key)!,
      memory: phaseMemory(idle.get(key)!, after.get(key)!),
    };
    return { key, label: chain.label, figures };
  });
  const { rounds, durationSeconds, connections, ...warmup } = settings;
  return { jvm, upstream: UPSTREAM, connections, warmup, rounds, durationSeconds, loadAverage: { before, after: loadavg() }, chains };
}

async function checkAnswer(chain: Running): Promise<string> {
  const response = await fetch(chain.url, { headers: HEADERS, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200 || !ANSWER.test(text))
    throw new Error(`${chain.key} answered ${response.status} ${JSON.stringify(text.slice(0, 200))}`);
  return text.trim().slice(0, 300);
}

async function warmUp(
  run: BenchRun,
  chain: Running,
  settings: (typeof JAVA_SETTINGS)['full'],
): Promise<{ rps: number[]; settled: boolean; seconds: number }> {
  const minSeconds = chain.jvm ? settings.minJvmSeconds : settings.minNodeSeconds;
  const rule = {
    tolerance: settings.tolerance,
    minRounds: Math.ceil(minSeconds / settings.roundSeconds),
    maxRounds: Math.ceil(settings.maxSeconds / settings.roundSeconds),
  };
  const rps: number[] = [];
  for (;;) {
    const result = await runLoad({
      url: chain.url,
      connections: settings.connections,
      durationSeconds: settings.roundSeconds,
      warmupSeconds: 0,
      headers: HEADERS,
    });
    rps.push(Math.round(result.rps));
    const state = warmState(rps, rule);
    if (state !== 'warming') {
      run.log(`java warm-up ${chain.key}: ${state} after ${rps.length * settings.roundSeconds} s (${rps.join(', ')} req/s)`);
      return { rps, settled: state === 'settled', seconds: rps.length * settings.roundSeconds };
    }
  }
}

/** One measured run (1 s warm-up after the chain's idle, then the round): the whole chain's CPU per request beside it. */
async function measureOnce(chain: Running, settings: (typeof JAVA_SETTINGS)['full']): Promise<LoadResult> {
  const pids = Object.values(chain.pids);
  const cpuBefore = cpuSeconds(pids);
  const loaded = await runLoad({
    url: chain.url,
    connections: settings.connections,
    durationSeconds: settings.durationSeconds,
    warmupSeconds: 1,
    headers: HEADERS,
  });
  return { ...loaded, cpuUsPerRequest: cpuUsPerRequest(cpuSeconds(pids) - cpuBefore, loaded.requests + loaded.warmupRequests) };
}

function memoryOf(pids: Record<string, number>): Record<string, Memory> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, readMemory(pid)]));
}

function phaseMemory(idle: Record<string, Memory>, after: Record<string, Memory>): Record<string, JavaPhaseMemory> {
  return Object.fromEntries(
    Object.entries(idle).map(([name, m]) => [
      name,
      { idleMb: m.rssMb, idleAnonMb: m.anonMb, afterLoadMb: after[name]!.rssMb, peakMb: after[name]!.peakMb },
    ]),
  );
}
