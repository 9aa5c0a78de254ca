// The Java section of RESULTS.md (and JAVA.md): each chain's req/s, latency, CPU per request and RSS, and our chain against
// istio-tutorial's Quarkus JVM chain by the issue's goals (≥ 3× its throughput at ≤ ½ its idle RSS).
import { table } from './report-table.ts';
import { isSkipped, type JavaChain, type JavaChainFigures, type JavaFigures, type Results } from './results.ts';
import { atLeast, atMost, median, pairedRatio, roundRatios, type Verdict } from './stats.ts';

export const THROUGHPUT_GOAL = 3;
export const IDLE_RSS_GOAL = 0.5;

const figuresOf = (java: JavaFigures, key: JavaChain['key']): JavaChainFigures | undefined => {
  const chain = java.chains.find((c) => c.key === key);
  return chain && !isSkipped(chain.figures) ? chain.figures : undefined;
};
const whyNot = (java: JavaFigures, key: JavaChain['key']): string => {
  const chain = java.chains.find((c) => c.key === key);
  return chain && isSkipped(chain.figures) ? chain.figures.skipped : 'not run';
};

/** The chain's idle RSS: its three processes' VmRSS summed (each JVM and each Node process has its own runtime). */
export const chainIdleMb = (f: JavaChainFigures): number => Object.values(f.memory).reduce((sum, m) => sum + m.idleMb, 0);
export const chainAfterMb = (f: JavaChainFigures): number => Object.values(f.memory).reduce((sum, m) => sum + m.afterLoadMb, 0);
const rpsOf = (f: JavaChainFigures) => f.runs.map((r) => r.rps);
const cpuOf = (f: JavaChainFigures) => f.runs.map((r) => r.cpuUsPerRequest ?? Number.NaN);

export interface JavaRatio {
  readonly value: number;
  /** The per-round ratios the median is taken from (empty for a ratio of single figures). */
  readonly rounds: number[];
  readonly verdict?: Verdict;
  readonly text: string;
}

/**
 * One chain against the Quarkus JVM chain: throughput (per round, then the median, like every headline ratio), Quarkus's
 * CPU per request over this chain's (what the throughput ratio would be with each chain given the same CPU), and idle RSS.
 * Undefined when either side did not run.
 */
export function vsQuarkus(
  java: JavaFigures,
  key: JavaChain['key'],
): { throughput: JavaRatio; cpu: JavaRatio; idleRss: JavaRatio } | undefined {
  const f = figuresOf(java, key);
  const q = figuresOf(java, 'quarkus-jvm');
  if (!f || !q) return undefined;
  const throughputRounds = roundRatios(rpsOf(f), rpsOf(q));
  const throughput = pairedRatio(rpsOf(f), rpsOf(q));
  const cpuRounds = roundRatios(cpuOf(q), cpuOf(f));
  const cpu = pairedRatio(cpuOf(q), cpuOf(f));
  const idle = chainIdleMb(f) / chainIdleMb(q);
  return {
    throughput: {
      value: throughput,
      rounds: throughputRounds,
      verdict: atLeast(throughput, THROUGHPUT_GOAL),
      text: `${times(throughput)}${spread(throughputRounds)}; ${Math.round(median(rpsOf(f)))} vs ${Math.round(median(rpsOf(q)))} req/s`,
    },
    cpu: {
      value: cpu,
      rounds: cpuRounds,
      text: `${times(cpu)}${spread(cpuRounds)}; ${Math.round(median(cpuOf(f)))} vs ${Math.round(median(cpuOf(q)))} µs per request`,
    },
    idleRss: {
      value: idle,
      rounds: [],
      verdict: atMost(idle, IDLE_RSS_GOAL, '×'),
      text: `${times(idle)}; ${Math.round(chainIdleMb(f))} vs ${Math.round(chainIdleMb(q))} MB`,
    },
  };
}

const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
const spread = (rounds: readonly number[]) =>
  rounds.length > 1 ? ` (rounds ${times(Math.min(...rounds))}–${times(Math.max(...rounds))})` : '';
const verdictText = (v: Verdict | undefined) => (!v ? '–' : v.met ? '✅ met' : `❌ ${v.text}`);
const range = (values: readonly number[]) =>
  values.length > 1
    ? `${Math.round(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`
    : `${Math.round(median(values))}`;
const perProcess = (f: JavaChainFigures, at: (m: JavaChainFigures['memory'][string]) => number) =>
  Object.values(f.memory)
    .map((m) => Math.round(at(m)))
    .join(' + ');

/** One row per chain: the figures, or why it did not run and no number. */
export function javaChainRows(java: JavaFigures): string[][] {
  return java.chains.map((chain) => {
    if (isSkipped(chain.figures)) return [chain.label, `skipped: ${chain.figures.skipped}`, '–', '–', '–', '–', '–', '–'];
    const f = chain.figures;
    const ratio = chain.key === 'quarkus-jvm' ? '1×' : (vsQuarkus(java, chain.key)?.throughput.value ?? Number.NaN);
    const failedCount = f.runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    return [
      chain.label,
      `${range(rpsOf(f))}${failedCount ? ` (${failedCount} failed)` : ''}`,
      typeof ratio === 'string' ? ratio : times(ratio),
      `${Math.round(median(f.runs.map((r) => r.p50)))} / ${Math.round(median(f.runs.map((r) => r.p99)))}`,
      range(cpuOf(f)),
      `${Math.round(chainIdleMb(f))} (${perProcess(f, (m) => m.idleMb)})`,
      `${Math.round(chainAfterMb(f))} (peak ${perProcess(f, (m) => m.peakMb)})`,
      `${f.warmupSeconds} s, ${f.settled ? 'settled' : 'capped'}`,
    ];
  });
}

/** The issue's two goals for our chain against Quarkus JVM, and the CPU ratio beside them; skipped sides say why. */
export function javaGoalRows(java: JavaFigures): string[][] {
  const r = vsQuarkus(java, 'off');
  const missing = !figuresOf(java, 'off') ? `skipped: ${whyNot(java, 'off')}` : `skipped: Quarkus JVM ${whyNot(java, 'quarkus-jvm')}`;
  return [
    [
      'Throughput, ours ÷ Quarkus JVM (median of per-round ratios)',
      `≥ ${THROUGHPUT_GOAL}×`,
      r ? r.throughput.text : missing,
      r ? verdictText(r.throughput.verdict) : '–',
    ],
    [
      'Idle RSS of the whole chain (3 processes), ours ÷ Quarkus JVM',
      `≤ ${IDLE_RSS_GOAL}×`,
      r ? r.idleRss.text : missing,
      r ? verdictText(r.idleRss.verdict) : '–',
    ],
    ["Beside them: Quarkus JVM's CPU per request ÷ ours (the throughput ratio at equal CPU)", '–', r ? r.cpu.text : missing, '–'],
  ];
}

export function renderJava(results: Pick<Results, 'java'>): string[] {
  const java = results.java;
  if (!java) return [];
  const head = ['## The Java originals (istio-tutorial)', ''];
  if (isSkipped(java)) return [...head, `Not measured: ${java.skipped}.`, ''];
  const w = java.warmup;
  return [
    ...head,
    `istio-tutorial's customer → preference → recommendation in Java (${java.upstream}, ported to build on JDK 17: bench/README.md), ` +
      `${java.jvm}, beside our chain and the minimal Node chain, all started side by side. Each chain is warmed in ${w.roundSeconds} s rounds at ` +
      `${java.connections} connections until three rounds in a row agree within ${Math.round(w.tolerance * 100)}% (at least ${w.minJvmSeconds} s for a JVM, ` +
      `${w.minNodeSeconds} s for Node; at most ${w.maxSeconds} s), then measured in ${java.rounds} interleaved round(s) of 1 s + ${java.durationSeconds} s. ` +
      "CPU per request is the user + system time of the chain's three processes (every thread: JIT, GC, I/O) over the run, warm-up second included, " +
      'divided by its requests; on a shared machine it moves less with the other work than req/s does. Idle RSS is read after every chain started, before any load. ' +
      `Load average ${java.loadAverage.before.map((l) => l.toFixed(1)).join(' ')} when the phase began, ${java.loadAverage.after.map((l) => l.toFixed(1)).join(' ')} when it ended.`,
    '',
    table(['Goal (ours against Quarkus JVM)', 'Goal', 'Measured', 'Verdict'], javaGoalRows(java)),
    '',
    table(
      [
        'Chain',
        'req/s, median (rounds)',
        '÷ Quarkus JVM',
        'p50 / p99 ms',
        'CPU µs per request, whole chain',
        'Idle RSS MB (c + p + r)',
        'After load MB',
        'Warm-up',
      ],
      javaChainRows(java),
    ),
    '',
  ];
}
