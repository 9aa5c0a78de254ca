// `./pnpmw soak`: a steady rate through the local chain for N minutes, sampling RSS and open files; fails on any error or growth.
import { readdirSync, readFileSync } from 'node:fs';
import { buildServices } from '@mesh-demo/builder';
import { CommandError, defineCommand, paceOptions, SERVICES, type ServiceName, startPacedLoad, stopOnCtrlC } from '@mesh-demo/workspace';
import { startLocalServices } from '../local-services.ts';

interface Sample {
  readonly at: number;
  readonly rssMb: Record<ServiceName, number>;
  readonly fds: Record<ServiceName, number>;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

export const soak = defineCommand({
  name: 'soak',
  summary: 'a steady rate through the local chain for N minutes; fails on any error or growth',
  synopsis: '[--minutes N] [--rate R]',
  details: () => `  --minutes   how long (default 10)
  --rate      requests per second through customer and partner (default 100)`,
  options: { minutes: { type: 'string' }, rate: { type: 'string' } },
  async run({ values, fail }) {
    const { minutes, rate } = paceOptions(values, { rate: 100, maxRate: 5000 }, fail);
    await buildServices();
    // Their own process groups: a Ctrl-C in the terminal ends the soak (below), not the services under it.
    const chain = await startLocalServices({ detached: true });
    const pids = Object.fromEntries(SERVICES.map((name) => [name, chain.processes.get(name)!.child.pid!])) as Record<ServiceName, number>;
    const samples: Sample[] = [];
    const started = Date.now();
    const load = startPacedLoad([chain.url('customer'), chain.url('partner')], rate, minutes * 60_000);
    // Ctrl-C ends the run early, as `loop` does: no new requests, the ones in flight finish, then the same summary and
    // verdict.
    const interrupted = stopOnCtrlC(load);

    function sample(): void {
      const rss = {} as Record<ServiceName, number>;
      const fds = {} as Record<ServiceName, number>;
      for (const name of SERVICES) {
        rss[name] = rssMb(pids[name]);
        fds[name] = readdirSync(`/proc/${pids[name]}/fd`).length;
      }
      samples.push({ at: (Date.now() - started) / 1000, rssMb: rss, fds });
      const last = samples.at(-1)!;
      console.log(
        `${last.at.toFixed(0).padStart(5)}s  sent ${load.sent()}  errors ${load.errorCount()}  ` +
          SERVICES.map((n) => `${n} ${last.rssMb[n].toFixed(1)}MB/${last.fds[n]}fd`).join('  '),
      );
    }

    const sampler = setInterval(sample, 10_000);
    sample();
    await load.finished;
    clearInterval(sampler);
    sample();
    await chain.stopAll();

    /** Growth between the second quarter and the last quarter of the run, by median: the warm-up is left out. */
    function growth(pick: (s: Sample) => number): number {
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
      const q = Math.max(1, Math.floor(samples.length / 4));
      return median(samples.slice(-q).map(pick)) - median(samples.slice(q, 2 * q).map(pick));
    }

    const problems: string[] = [];
    if (load.errors.size) problems.push(`errors: ${JSON.stringify(Object.fromEntries(load.errors))}`);
    for (const name of SERVICES) {
      const rss = growth((s) => s.rssMb[name]);
      const fds = growth((s) => s.fds[name]);
      console.log(`${name.padEnd(15)} RSS growth ${rss.toFixed(1)} MB, open files growth ${fds}`);
      if (samples.length >= 8 && rss > 20) problems.push(`${name} RSS grew ${rss.toFixed(1)} MB`);
      if (samples.length >= 8 && fds > 20) problems.push(`${name} open files grew by ${fds}`);
    }
    const ran = (Date.now() - started) / 60_000;
    console.log(
      interrupted()
        ? `\n${load.sent()} requests in ${ran.toFixed(1)} of ${minutes} min at ${rate}/s (stopped by Ctrl-C)`
        : `\n${load.sent()} requests in ${minutes} min at ${rate}/s`,
    );
    if (samples.length < 8) console.log('(too short to judge growth: run at least 2 minutes)');
    if (problems.length) {
      throw new CommandError(`failed: ${problems.join('; ')}`);
    }
    console.log('soak passed');
    // Exit with the SIGINT handler still in place (see loop.ts: pnpm's echo of a Ctrl-C would otherwise kill us).
    if (interrupted()) process.exit(0);
    return 0;
  },
});
