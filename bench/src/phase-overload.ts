// Phase 6: overload at ten times capacity, leaf slowed to 3 s, load generated off the services' core; RSS for a minute after.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startLocalServices } from '@mesh-demo/devtools';
import { REPO_ROOT } from '@mesh-demo/workspace';
import type { BenchRun } from './bench-run.ts';
import { canPin, canRealtime, cpuSeconds, cpusAllowed, pinProcess } from './cpu.ts';
import { readHeapMetrics, summariseSnapshot } from './heap.ts';
import { readMemory } from './memory.ts';
import { listenOverflows } from './netstat.ts';
import { errorCount, runOverloadLoad } from './overload-load.ts';
import { backWithin } from './report-overload.ts';
import type { OverloadFigures, OverloadMemory, Skipped } from './results.ts';
import { offNodeArgs, TRACING_OFF_ENV } from './telemetry.ts';

const CHAIN = ['customer', 'preference', 'recommendation'] as const;
/** The kit's default admission bound (MAX_IN_FLIGHT = DOWNSTREAM_CONNECTIONS): the phase measures the defaults. */
const MAX_IN_FLIGHT = 256;
const LEAF_DELAY_MS = 3000;
/**
 * Ten times capacity. With the leaf at 3 s the chain holds at most MAX_IN_FLIGHT requests at once and serves that many
 * per 3 s; 2,560 callers are ten callers for every request it can hold, each one back a second after each refusal.
 */
const CLIENTS = 10 * MAX_IN_FLIGHT;
/**
 * customer, the service whose shedding is measured, has a core of its own, as a pod has its CPU. Its downstreams and
 * the load generator share the other: they only serve the admitted requests (a few hundred every 3 s), and the
 * generator runs at real-time priority there, so its clock reads an answer when it arrives, not when preference and
 * recommendation yield. (All three services on one core put their bursts in customer's answers: the 3 s leaf releases
 * 256 admitted requests at once, about 40 ms of the three services' CPU, and shed answers queued behind it.)
 */
const CUSTOMER_CPU = 0;
const OTHER_CPU = 1;
const cpuOf = (name: (typeof CHAIN)[number]) => (name === 'customer' ? CUSTOMER_CPU : OTHER_CPU);
/** Not SIGUSR2, Node's usual choice: the services shut down on it (close-with-grace's signals), as on SIGTERM. */
const SNAPSHOT_SIGNAL = 'SIGWINCH';
/** Heap snapshots go here (gitignored), whatever the run's out directory: they are evidence to open, not results. */
const HEAP_DIR = fileURLToPath(new URL('../out/overload-heap/', import.meta.url));

/** Why the phase cannot run here, or undefined. */
function overloadMissing(): string | undefined {
  if (cpus().length < 2) return 'needs two cores (the services on one, the load generator on the other)';
  return canPin() ? undefined : 'no taskset to pin processes to a core';
}

const round1 = (mb: number) => Math.round(mb * 10) / 10;

export async function measureOverload(run: BenchRun): Promise<OverloadFigures | Skipped> {
  const { profile, log } = run;
  const missing = overloadMissing();
  if (missing) return { skipped: missing };
  rmSync(HEAP_DIR, { recursive: true, force: true });
  mkdirSync(HEAP_DIR, { recursive: true });
  const chain = await startLocalServices({
    only: CHAIN,
    env: TRACING_OFF_ENV,
    nodeArgs: offNodeArgs(),
    stdout: 'discard',
    envFor: {
      recommendation: { FAULT_DELAY_MS: String(LEAF_DELAY_MS) },
      // Only so a snapshot can be asked for later, by signal; the handler costs nothing until then.
      customer: { NODE_OPTIONS: `--heapsnapshot-signal=${SNAPSHOT_SIGNAL} --diagnostic-dir=${HEAP_DIR}` },
    },
  });
  run.cleanups.push(() => chain.stopAll());
  const pids = Object.fromEntries(CHAIN.map((name) => [name, chain.processes.get(name)!.child.pid!])) as Record<
    (typeof CHAIN)[number],
    number
  >;
  for (const name of CHAIN) pinProcess(pids[name], cpuOf(name));
  const realtime = canRealtime();
  const management = chain.managementUrl('customer');
  await sleep(1000);
  const idle = Object.fromEntries(CHAIN.map((name) => [name, readMemory(pids[name]).rssMb]));
  const idleHeap = await readHeapMetrics(management);

  const began = performance.now();
  const elapsed = () => (performance.now() - began) / 1000;
  const samples: OverloadFigures['samples'] = [];
  const sample = () =>
    samples.push({
      t: round1(elapsed()),
      rssMb: Object.fromEntries(CHAIN.map((name) => [name, round1(readMemory(pids[name]).rssMb)])),
    });
  const ticker = setInterval(sample, 1000);
  run.cleanups.push(async () => clearInterval(ticker));
  const spec = { url: chain.url('customer'), clients: CLIENTS, seconds: profile.overloadSeconds, rampMs: 1000, timeoutMs: 10_000 };
  log(
    `overload: ${CLIENTS} callers for ${spec.seconds} s, recommendation ${LEAF_DELAY_MS} ms slow, customer on CPU ${CUSTOMER_CPU}, ` +
      `preference, recommendation and the load${realtime ? ' (real-time priority)' : ''} on CPU ${OTHER_CPU}`,
  );
  const loadBefore = loadavg();
  const cpuBefore = Object.fromEntries(CHAIN.map((name) => [name, cpuSeconds([pids[name]])]));
  const overflowsBefore = listenOverflows();
  const load = await runOverloadLoad(spec, OTHER_CPU, realtime);
  const overflows = listenOverflows() - overflowsBefore;
  const loadEndedAt = elapsed();
  const cpuUsed = Object.fromEntries(CHAIN.map((name) => [name, round1(cpuSeconds([pids[name]]) - cpuBefore[name]!)]));
  const loadAfter = loadavg();
  const atEnd = Object.fromEntries(CHAIN.map((name) => [name, readMemory(pids[name])]));
  const endHeap = await readHeapMetrics(management);
  const firstAfter = await firstRequest(chain.url('customer'));
  log(
    `overload: ${JSON.stringify(load.byStatus)}, ${errorCount(load)} errors ${JSON.stringify(load.errors)}; shed p50/p99/max ` +
      `${load.shedMs.p50.toFixed(1)}/${load.shedMs.p99.toFixed(1)}/${load.shedMs.max.toFixed(1)} ms; first after: ${firstAfter.status}`,
  );

  // The minute after: nothing runs; RSS is read every second, the last reading is the one the target speaks of.
  await sleep(Math.max(0, (loadEndedAt + profile.overloadAfterSeconds - elapsed()) * 1000));
  clearInterval(ticker);
  const memory: OverloadMemory[] = CHAIN.map((name) => ({
    name,
    cpus: cpusAllowed(pids[name]),
    idleMb: idle[name]!,
    peakMb: atEnd[name]!.peakMb,
    endOfLoadMb: atEnd[name]!.rssMb,
    afterMb: readMemory(pids[name]).rssMb,
  }));
  const afterHeap = await readHeapMetrics(management);
  for (const m of memory)
    log(
      `overload: ${m.name} RSS idle ${Math.round(m.idleMb)}, peak ${Math.round(m.peakMb)}, end of load ${Math.round(m.endOfLoadMb)}, ` +
        `+${profile.overloadAfterSeconds} s ${Math.round(m.afterMb)} MB (CPU ${m.cpus})`,
    );
  const customer = memory.find((m) => m.name === 'customer')!;
  const snapshot = backWithin(customer) ? undefined : await heapSnapshot(pids.customer, management, log);
  await chain.stopAll();
  return {
    clients: CLIENTS,
    generatorRealtime: realtime,
    maxInFlight: MAX_IN_FLIGHT,
    leafDelayMs: LEAF_DELAY_MS,
    loadSeconds: profile.overloadSeconds,
    afterSeconds: profile.overloadAfterSeconds,
    load,
    memory,
    samples,
    loadEndedAt: round1(loadEndedAt),
    cpuSeconds: cpuUsed,
    listenOverflows: overflows,
    loadAverage: { before: loadBefore, after: loadAfter },
    firstAfter,
    heap: { idle: idleHeap, endOfLoad: endHeap, after: afterHeap, ...(snapshot && { snapshot }) },
  };
}

/** The first request once the load is over: its status (or why there was none) and how long it took. */
async function firstRequest(url: string): Promise<OverloadFigures['firstAfter']> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    return { status: response.status, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string } };
    return { status: e.cause?.code ?? e.name ?? 'error', ms: Math.round(performance.now() - started) };
  }
}

/** Polls until the URL answers 200 (a pooled connection may be reset while the process is busy), at most 60 s. */
async function untilLive(url: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`${url} gave no answer within 60 s: ${(error as Error).message}`);
    }
    await sleep(200);
  }
}

/**
 * What holds customer's memory: a heap snapshot by signal (written by the process itself, on its main thread, after a
 * full GC), summed by kind; then its heap figures again, now that the snapshot's GC has run.
 */
async function heapSnapshot(pid: number, management: string, log: (message: string) => void) {
  process.kill(pid, SNAPSHOT_SIGNAL);
  // The snapshot is written on customer's main thread: once its management port answers again, the file is complete.
  await sleep(200);
  await untilLive(`${management}/health/live`);
  const name = readdirSync(HEAP_DIR).find((file) => file.endsWith('.heapsnapshot'));
  if (!name) throw new Error(`customer wrote no heap snapshot to ${HEAP_DIR}`);
  const file = join(HEAP_DIR, name);
  const summary = summariseSnapshot(JSON.parse(readFileSync(file, 'utf8')));
  const afterIt = await readHeapMetrics(management);
  log(
    `overload: heap snapshot ${relative(REPO_ROOT, file)} (${Math.round(statSync(file).size / 1024 / 1024)} MB): ${summary.liveMb.toFixed(1)} MB live; ` +
      `after its GC heap used ${afterIt.heapUsedMb.toFixed(1)} of ${afterIt.heapTotalMb.toFixed(1)} MB, RSS ${afterIt.rssMb.toFixed(1)} MB`,
  );
  return { file: relative(REPO_ROOT, file), summary, afterIt };
}
