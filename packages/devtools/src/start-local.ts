// `pnpm start`: runs the whole chain as local processes with prefixed, readable logs; Ctrl-C stops them all cleanly.
import { parseArgs } from 'node:util';
import { launch, waitReady, type ServiceProcess } from './launch.ts';
import { formatLogLine } from './log-format.ts';
import { defaultInstances, isServiceName, localEnv, type Instance } from './topology.ts';

const USAGE = `usage: pnpm start [--with SERVICE:VERSION ...] [--raw]
  --with recommendation:v2   also start that version on the next free ports (8084/9084, 8085/9085, ...)
  --raw                      print the services' JSON logs unchanged`;

const COLORS = [36, 35, 33, 32, 34, 31];

function parse(): { extras: Instance[]; raw: boolean } {
  const { values } = parseArgs({ options: { with: { type: 'string', multiple: true }, raw: { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const extras = (values.with ?? []).map((spec, index) => {
    const [name, version] = spec.split(':');
    if (!name || !isServiceName(name) || !version || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(version)) {
      console.error(`start: --with wants SERVICE:VERSION with SERVICE one of customer, partner, preference, recommendation (got "${spec}")`);
      process.exit(2);
    }
    return { name, version, port: 8084 + index, managementPort: 9084 + index };
  });
  return { extras, raw: values.raw ?? false };
}

const { extras, raw } = parse();
const instances = [...defaultInstances(), ...extras];
const width = Math.max(...instances.map((i) => `${i.name} ${i.version}`.length));
const color = process.stdout.isTTY ? (index: number, text: string) => `\x1b[${COLORS[index % COLORS.length]}m${text}\x1b[0m` : (_: number, text: string) => text;

// Start leaves first so the edges' first requests find their downstream.
const order = [...instances].reverse();
const processes: ServiceProcess[] = order.map((instance) => {
  const index = instances.indexOf(instance);
  const prefix = color(index, `${`${instance.name} ${instance.version}`.padEnd(width)} |`);
  return launch({
    name: instance.name,
    env: localEnv(instance, instances),
    detached: true,
    onLine: (line) => console.log(`${prefix} ${raw ? line : formatLogLine(line)}`),
  });
});

let stopping = false;
let stoppingSince = 0;
async function stopAll(signal: NodeJS.Signals): Promise<never> {
  // A second Ctrl-C forces the exit, but not the echo of the first: pnpm forwards the terminal's SIGINT to us as well,
  // so one Ctrl-C arrives twice within milliseconds.
  if (stopping) {
    if (performance.now() - stoppingSince > 1000) process.exit(130);
    return new Promise<never>(() => {});
  }
  stopping = true;
  stoppingSince = performance.now();
  const codes = await Promise.all(processes.map((p) => p.stop(signal)));
  const failed = codes.filter((code) => code !== 0);
  process.exit(failed.length ? 1 : 0);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));
// A closed terminal or a closed pipe (`pnpm start | head`) must not leave the detached services running.
process.on('SIGHUP', () => void stopAll('SIGTERM'));
process.stdout.on('error', () => void stopAll('SIGTERM'));
for (const p of processes) {
  void p.exited.then((code) => {
    if (!stopping) {
      console.error(`start: ${p.name} exited (${code}); stopping the others`);
      void stopAll('SIGTERM');
    }
  });
}

try {
  await Promise.all(processes.map((p) => waitReady(p)));
} catch (error) {
  console.error(`start: ${(error as Error).message}`);
  await stopAll('SIGTERM');
}
const table = instances.map((i) => `  ${`${i.name} ${i.version}`.padEnd(width)}  http://127.0.0.1:${i.port}  (management ${i.managementPort})`);
console.log(`\nmesh-demo is up:\n${table.join('\n')}\n\n  curl localhost:8080     # customer chain\n  pnpm loop               # a numbered curl loop with a version summary\n  Ctrl-C                  # stop everything\n`);
