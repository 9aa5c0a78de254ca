// Phase 2: every configuration measured under load, started side by side (the references, the chain with tracing off,
// and one chain per tracing mode), so each round measures all of them under the same conditions.
import { type Jaeger, type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import type { BenchRun } from './bench-run.ts';
import { startHello, startMinimalChain } from './references.ts';
import { offNodeArgs, TRACING_MODES, TRACING_OFF_ENV, type TracingMode, telemetryNodeArgs } from './telemetry.ts';

export interface Target {
  readonly key: string;
  readonly label: string;
  readonly url: string;
  readonly meshSampleEvery?: number;
}

export interface Targets {
  readonly targets: Target[];
  /** The tracing modes that run (none without Jaeger). */
  readonly modes: TracingMode[];
  /** Every process measured for memory and CPU, per configuration: name → pid. */
  readonly pids: Map<string, Record<string, number>>;
}

export async function startTargets(run: BenchRun, jaeger: Jaeger | undefined): Promise<Targets> {
  const hello = await startHello();
  run.cleanups.push(() => hello.stop());
  const minimal = await startMinimalChain();
  run.cleanups.push(() => Promise.all(minimal.map((p) => p.stop())));
  const chains = new Map<string, LocalServices>();
  const startMeasuredChain = async (key: string, env: Record<string, string>, nodeArgs: string[]) => {
    // Memory reclaim off: the rounds interleave the configurations, so each chain sits idle for about 40 s between two
    // of its rounds, and a reclaim there would measure warming up again after idle (about a fifth lower for the first
    // seconds, docs/reliability.md), not the steady throughput these rounds compare. The overload phase measures it on.
    const chain = await startLocalServices({ env: { ...env, MEMORY_RECLAIM_IDLE_MS: '0' }, nodeArgs, stdout: 'discard' });
    run.cleanups.push(() => chain.stopAll());
    chains.set(key, chain);
  };
  await startMeasuredChain('off', TRACING_OFF_ENV, offNodeArgs());
  // Diagnostic, not a target: the same chain without its per-request log line, to show what logging costs here.
  await startMeasuredChain('off-quiet', { ...TRACING_OFF_ENV, LOG_LEVEL: 'warn' }, offNodeArgs());
  const modes: TracingMode[] = jaeger ? [...TRACING_MODES] : [];
  for (const mode of modes)
    await startMeasuredChain(mode.name, mode.env({ jaeger: jaeger!.jaegerEndpoint, otlp: jaeger!.otlpEndpoint }), telemetryNodeArgs());
  // The references first, then each chain.
  const pids = new Map<string, Record<string, number>>([
    ['hello', { hello: hello.child.pid! }],
    ['minimal', Object.fromEntries(minimal.map((p) => [p.name, p.child.pid!]))],
  ]);
  for (const [key, chain] of chains) pids.set(key, Object.fromEntries([...chain.processes].map(([name, p]) => [name, p.child.pid!])));
  const url = (key: string) => chains.get(key)!.url('customer');
  const targets: Target[] = [
    { key: 'hello', label: 'reference: Fastify hello, one hop', url: hello.url },
    { key: 'minimal', label: 'reference: minimal 3-hop chain (Fastify + undici Pool)', url: minimal[0]!.url },
    { key: 'off', label: 'chain, features on, tracing off', url: url('off') },
    { key: 'off-quiet', label: 'diagnostic: chain, tracing off, request logs off (LOG_LEVEL=warn)', url: url('off-quiet') },
    ...modes.map((mode) => ({
      key: mode.name,
      label: `chain, ${mode.label}`,
      url: url(mode.name),
      ...(mode.meshSampleEvery && { meshSampleEvery: mode.meshSampleEvery }),
    })),
  ];
  return { targets, modes, pids };
}
