// `mesh soak`: a steady rate through the local mesh's edge for N minutes, with the RSS of every process of every pod at start and end; fails on any error.
import { CommandError, defineCommand, paceOptions, startPacedLoad, stopOnCtrlC } from '@mesh-demo/workspace';
import { getStatus, type MeshStatus } from '../control.ts';
import { describeProcess, podProcesses } from '../pod-processes.ts';
import { requireRootOnLinux } from './root.ts';

/**
 * RSS in kB of every process of the mesh, keyed "where kind pid": each pod's (apps, pilot-agents, Envoys) and the
 * control plane's (istiod, CoreDNS, the API server, ...), as `mesh status` lists them.
 */
async function weigh(status: MeshStatus): Promise<Map<string, number>> {
  const rss = new Map<string, number>();
  for (const pod of status.pods.filter((p) => p.phase === 'Running')) {
    for (const proc of await podProcesses(pod)) rss.set(`${pod.namespace}/${pod.name} ${proc.kind} ${proc.pid}`, proc.rssKb);
  }
  for (const row of status.processes) {
    const proc = row.pid === undefined ? undefined : await describeProcess(row.pid);
    if (proc) rss.set(`control-plane ${row.name.replace(/ \(pod\)$/, '').replaceAll(' ', '-')} ${proc.pid}`, proc.rssKb);
  }
  return rss;
}

/** One line per process: its RSS at start and end, and the change; a process that restarted shows twice, half empty. */
function rssTable(start: Map<string, number>, end: Map<string, number>): string[] {
  const mb = (kb: number | undefined) => (kb === undefined ? '-' : (kb / 1024).toFixed(1));
  const keys = [...new Set([...start.keys(), ...end.keys()])].sort();
  const rows = keys.map((key) => {
    const [pod, kind, pid] = key.split(' ');
    const a = start.get(key);
    const b = end.get(key);
    const change = a !== undefined && b !== undefined ? `${b >= a ? '+' : ''}${((b - a) / 1024).toFixed(1)}` : '-';
    return [pod!, kind!, pid!, mb(a), mb(b), change];
  });
  const header = ['POD', 'PROCESS', 'PID', 'START MB', 'END MB', 'CHANGE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export const soakCommand = defineCommand({
  name: 'soak',
  summary: 'a steady rate through the edge for N minutes; RSS of every process at start and end; fails on any error',
  synopsis: '[--minutes N] [--rate R]',
  details: () => `  --minutes   how long (default 10)
  --rate      requests per second through customer's and partner's edge (default 50)`,
  options: { minutes: { type: 'string' }, rate: { type: 'string' } },
  async run({ values, fail }) {
    const { minutes, rate } = paceOptions(values, { rate: 50, maxRate: 2000 }, fail);
    requireRootOnLinux();
    const status = await getStatus();
    console.log(
      `soak: ${rate}/s for ${minutes} min through ${status.edge.map((e) => e.url).join(' and ')} (step ${status.files.join(' + ')})`,
    );
    const before = await weigh(status);
    const started = Date.now();
    const load = startPacedLoad(
      status.edge.map((e) => e.url),
      rate,
      minutes * 60_000,
    );
    // Ctrl-C ends the run early, as `./pnpmw soak` does: the requests in flight finish, then the same summary.
    const interrupted = stopOnCtrlC(load);
    const progress = setInterval(() => {
      console.log(`${String(Math.round((Date.now() - started) / 1000)).padStart(5)}s  sent ${load.sent()}  errors ${load.errorCount()}`);
    }, 30_000);
    await load.finished;
    clearInterval(progress);
    const after = await weigh(await getStatus());
    console.log(['', ...rssTable(before, after)].join('\n'));
    const ran = (Date.now() - started) / 60_000;
    console.log(`\n${load.sent()} requests in ${ran.toFixed(1)} min at ${rate}/s${interrupted() ? ' (stopped by Ctrl-C)' : ''}`);
    if (load.errors.size) throw new CommandError(`failed: errors: ${JSON.stringify(Object.fromEntries(load.errors))}`);
    console.log('soak passed: every request answered 200');
    // With the SIGINT handler still in place: pnpm's echo of the Ctrl-C would kill a process left to wind down.
    if (interrupted()) process.exit(0);
    return 0;
  },
});
