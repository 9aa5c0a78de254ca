// The overload section of RESULTS.md: the issue's overload targets with verdicts, the answers, RSS per service, and what holds customer's memory.
import type { HeapFigures } from './heap.ts';
import { errorCount } from './overload-load.ts';
import { table } from './report-table.ts';
import { isSkipped, type OverloadFigures, type OverloadMemory, type Results } from './results.ts';
import { atMost, type Verdict } from './stats.ts';

/** The issue's targets: shed answers at p99, RSS under overload and RSS a minute after, against idle. */
export const SHED_P99_MS = 50;
export const PEAK_OVER_IDLE = 1.5;
export const AFTER_OVER_IDLE = 1.25;

/** Whether a service's RSS came back within 25% of idle by the end of the time after the load. */
export const backWithin = (m: OverloadMemory): boolean => m.afterMb <= AFTER_OVER_IDLE * m.idleMb;

interface Row {
  readonly measure: string;
  readonly target: string;
  readonly value: string;
  readonly verdict: Verdict;
}

const mb = (value: number) => String(Math.round(value));
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const times = (value: number) => `${value.toFixed(2)}×`;
const exactly = (met: boolean, missed: string): Verdict => (met ? { met: true, text: 'met' } : { met: false, text: missed });

/** The service whose ratio to its own idle RSS is largest at one moment. */
function worst(memory: readonly OverloadMemory[], at: (m: OverloadMemory) => number): { m: OverloadMemory; ratio: number } {
  return memory.map((m) => ({ m, ratio: at(m) / m.idleMb })).reduce((a, b) => (b.ratio > a.ratio ? b : a));
}

/** Each target of the issue as measured, with its verdict. */
export function overloadTargets(o: OverloadFigures): Row[] {
  const { load } = o;
  const ok = load.byStatus['200'] ?? 0;
  const errors = errorCount(load);
  const peak = worst(o.memory, (m) => m.peakMb);
  const after = worst(o.memory, (m) => m.afterMb);
  const afterLabel = o.afterSeconds === 60 ? '60 s after' : `${o.afterSeconds} s after (quick run; the target is at 60 s)`;
  const others = Object.entries(load.byStatus).filter(([status]) => status !== '200' && status !== '503');
  // `other` also counts 503s that were not shed (no Retry-After: a downstream's failure passed on).
  const unshed503 = load.other - others.reduce((n, [, count]) => n + count, 0);
  const otherText = [
    ...others.map(([status, n]) => `${n} × ${status}`),
    ...(unshed503 > 0 ? [`${unshed503} × 503 without Retry-After`] : []),
  ];
  return [
    {
      measure: 'Shed answers (503 with Retry-After), p99 from sending to the answer, whole load',
      target: `≤ ${SHED_P99_MS} ms`,
      value: `${ms(load.shedMs.p99)} ms (p50 ${ms(load.shedMs.p50)}, max ${ms(load.shedMs.max)}; ${load.shed} shed)`,
      verdict: atMost(load.shedMs.p99, SHED_P99_MS, 'ms'),
    },
    {
      measure: `… the same from ${load.settledAfter} s on (after the first storm of new connections)`,
      target: `≤ ${SHED_P99_MS} ms`,
      value: `${ms(load.settledShedMs.p99)} ms (p50 ${ms(load.settledShedMs.p50)}, max ${ms(load.settledShedMs.max)})`,
      verdict: atMost(load.settledShedMs.p99, SHED_P99_MS, 'ms'),
    },
    {
      measure: 'Admitted requests',
      target: 'all 200',
      value: `${ok} × 200${load.other ? `, ${load.other} other: ${otherText.join(', ')}` : ', no other answer'}`,
      verdict: exactly(load.other === 0 && ok > 0, ok > 0 ? `${load.other} not 200` : 'none admitted'),
    },
    {
      measure: 'Socket errors (no HTTP answer)',
      target: '0',
      value: errors
        ? Object.entries(load.errors)
            .map(([code, n]) => `${n} × ${code}`)
            .join(', ')
        : '0',
      verdict: exactly(errors === 0, `${errors} errors`),
    },
    {
      measure: 'RSS under overload (peak, VmHWM), largest against its own idle',
      target: `≤ ${PEAK_OVER_IDLE}× idle`,
      value: `${times(peak.ratio)} (${peak.m.name}: ${mb(peak.m.idleMb)} → ${mb(peak.m.peakMb)} MB)`,
      verdict: atMost(peak.ratio, PEAK_OVER_IDLE, '×'),
    },
    {
      measure: `RSS ${afterLabel}, largest against its own idle`,
      target: `≤ ${AFTER_OVER_IDLE}× idle`,
      value: `${times(after.ratio)} (${after.m.name}: ${mb(after.m.idleMb)} → ${mb(after.m.afterMb)} MB)`,
      verdict: atMost(after.ratio, AFTER_OVER_IDLE, '×'),
    },
    {
      measure: 'First request after the load',
      target: '200',
      value: `${o.firstAfter.status} in ${o.firstAfter.ms} ms`,
      verdict: exactly(o.firstAfter.status === 200, `answered ${o.firstAfter.status}`),
    },
  ];
}

const verdictText = (v: Verdict) => (v.met ? '✅ met' : `❌ ${v.text}`);

function heapRow(moment: string, h: HeapFigures): string[] {
  const space = (name: string) => {
    const figures = h.spaces[name];
    return figures ? `${mb(figures.totalMb)} (${mb(figures.usedMb)} used)` : '–';
  };
  return [
    moment,
    mb(h.rssMb),
    mb(h.heapTotalMb),
    mb(h.heapUsedMb),
    space('new'),
    space('old'),
    mb(h.externalMb),
    mb(h.rssMb - h.heapTotalMb),
  ];
}

function renderHeap(o: OverloadFigures): string[] {
  const { idle, after, snapshot } = o.heap;
  const rows = [
    heapRow('idle', idle),
    heapRow('end of load', o.heap.endOfLoad),
    heapRow(`${o.afterSeconds} s after`, after),
    ...(snapshot ? [heapRow('right after the heap snapshot (its full GC)', snapshot.afterIt)] : []),
  ];
  const lines = [
    "### What holds customer's memory",
    '',
    table(
      [
        'Moment',
        'RSS MB',
        'V8 heap committed MB',
        'heap used MB',
        'young generation MB',
        'old space MB',
        'external MB',
        'RSS outside the V8 heap MB',
      ],
      rows,
    ),
    '',
    "From customer's own metrics on its management port (`process_resident_memory_bytes`, `nodejs_heap_size_*`, " +
      '`nodejs_heap_space_size_*`, `nodejs_external_memory_bytes`). Committed is what V8 holds from the system for its heap, ' +
      'used or not; "used" counts garbage not yet collected. The last column is the rest of RSS: the node binary and compiled ' +
      'code, malloc arenas (socket and HTTP parser buffers), thread stacks.',
    '',
  ];
  const growth =
    `${o.afterSeconds} s after the load customer's RSS was ${mb(after.rssMb)} MB, ${mb(after.rssMb - idle.rssMb)} MB above idle: ` +
    `V8's committed heap ${mb(idle.heapTotalMb)} → ${mb(after.heapTotalMb)} MB (${mb(after.heapUsedMb)} MB of it used), ` +
    `and ${mb(after.rssMb - after.heapTotalMb - (idle.rssMb - idle.heapTotalMb))} MB more outside it than at idle.`;
  if (!snapshot) return [...lines, `${growth} RSS was back within 25% of idle, so no heap snapshot was taken.`, ''];
  const { summary, afterIt } = snapshot;
  const largest = summary.largest.map((k) => `${k.kind} ${k.mb.toFixed(1)} MB`).join(', ');
  return [
    ...lines,
    `${growth} It was not back within 25% of idle, so customer wrote a heap snapshot (\`${snapshot.file}\`, not committed): ` +
      `${summary.liveMb.toFixed(1)} MB live in ${summary.objects} objects (largest: ${largest}). The snapshot's full GC took the ` +
      `committed heap to ${mb(afterIt.heapTotalMb)} MB (${mb(afterIt.heapUsedMb)} MB used; ${mb(idle.heapUsedMb)} at idle). ` +
      "RSS right after it includes the snapshot's own serialisation buffers, so it is not a reading of the service.",
    '',
  ];
}

export function renderOverload(results: Results): string[] {
  const o = results.overload;
  if (o === undefined) return [];
  if (isSkipped(o)) return ['## Overload', '', `Not measured: ${o.skipped}.`, ''];
  const { load } = o;
  const loadCpus = load.cpus;
  const cpuOf = (name: string) => o.memory.find((m) => m.name === name)?.cpus ?? '?';
  const layout =
    o.generatorRealtime === undefined
      ? `The three services ran on CPU ${[...new Set(o.memory.map((m) => m.cpus))].join(', ')}, the load generator (one process, an undici \`Pool\`) on CPU ${loadCpus}. `
      : `customer ran on CPU ${cpuOf('customer')} alone, as a pod has its own CPU; preference and recommendation on CPU ${cpuOf('preference')} ` +
        `with the load generator (one process, an undici \`Pool\`, on CPU ${loadCpus}${o.generatorRealtime ? ', at real-time priority so its clock is not theirs' : ', at normal priority: real-time was not permitted here'}). `;
  return [
    '## Overload',
    '',
    `customer → preference → recommendation with recommendation slowed to ${o.leafDelayMs} ms (\`FAULT_DELAY_MS\`), admission at its ` +
      `default (${o.maxInFlight} in flight): ${o.clients} callers (ten for every request the chain can hold) for ${o.loadSeconds} s, each one ` +
      'request at a time over keep-alive connections, waiting as `Retry-After` says after a 503, started spread over 1 s. ' +
      layout +
      `Latency is from sending a request to its status line. RSS (\`VmRSS\`) of each service every second, for ${o.afterSeconds} s after the load.`,
    '',
    table(
      ['Measure', 'Target', 'Measured', 'Result'],
      overloadTargets(o).map((r) => [r.measure, r.target, r.value, verdictText(r.verdict)]),
    ),
    '',
    table(
      ['Answers', 'count'],
      [
        ...Object.entries(load.byStatus).map(([status, n]) => [status, String(n)]),
        ...Object.entries(load.errors).map(([code, n]) => [`no answer: ${code}`, String(n)]),
        ['all requests', String(load.requests)],
      ],
    ),
    '',
    `Admitted (200) latency p50 ${ms(load.okMs.p50)} ms, p99 ${ms(load.okMs.p99)} ms, max ${ms(load.okMs.max)} ms. ` +
      `The load ran ${load.seconds.toFixed(1)} s (to the last admitted answer); the first request after it took the leaf's delay too.`,
    '',
    `Shed answers' p99 by the second they were sent in, ms: ${load.bySecond.map((s) => ms(s.shedP99)).join(', ')}. ` +
      `Connection attempts the kernel dropped on a full listen queue during the load (machine-wide): ${o.listenOverflows}; ` +
      'the client sends a dropped SYN again after 1 s, so such a request waits a second before customer sees it.',
    '',
    `CPU time used during the load: ${Object.entries(o.cpuSeconds)
      .map(([name, s]) => `${name} ${s.toFixed(1)} s (CPU ${cpuOf(name)})`)
      .join(', ')}; the load generator ${load.cpuSeconds.toFixed(1)} s (CPU ${loadCpus}); ` +
      `in ${load.seconds.toFixed(1)} s. Load average ${o.loadAverage.before.map((l) => l.toFixed(1)).join(' ')} when it began and ` +
      `${o.loadAverage.after.map((l) => l.toFixed(1)).join(' ')} when it ended: other work on the machine runs on both cores too.`,
    '',
    table(
      ['Service', 'CPU', 'idle RSS MB', 'peak (VmHWM) MB', 'end of load MB', `${o.afterSeconds} s after MB`],
      o.memory.map((m) => [
        m.name,
        m.cpus,
        mb(m.idleMb),
        `${mb(m.peakMb)} (${times(m.peakMb / m.idleMb)})`,
        mb(m.endOfLoadMb),
        `${mb(m.afterMb)} (${times(m.afterMb / m.idleMb)})`,
      ]),
    ),
    '',
    ...renderHeap(o),
  ];
}
