// `./pnpmw start`: runs the chain (or some of it) as local processes with prefixed, readable logs; Ctrl-C stops them all cleanly.
import { buildServices } from '@mesh-demo/builder';
import { VERSION_PATTERN } from '@mesh-demo/kit';
import {
  CommandError,
  commandName,
  defaultInstances,
  defineCommand,
  formatLogLine,
  type Instance,
  isServiceName,
  launch,
  localEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  waitReady,
} from '@mesh-demo/workspace';
import { type LocalTracing, localTracing } from '../local-tracing.ts';
import { freePairs, type PortsState, portsState } from '../start-plan.ts';

const COLORS = [36, 35, 33, 32, 34, 31];

interface Wanted {
  readonly only: ServiceName[];
  readonly withs: ReadonlyArray<{ name: ServiceName; version: string }>;
  readonly raw: boolean;
}

/** Starting is refused when ports are taken by others, or when all asked for already runs and nothing is added. */
function refusal(state: PortsState, usual: readonly Instance[], wanted: Wanted): string | undefined {
  if (state.kind === 'taken') {
    const [first, ...rest] = state.ports;
    const named = rest.length ? `ports ${[first, ...rest].join(', ')} are` : `port ${first} is`;
    return `${named} in use by another program (another ${commandName('start')}, ${commandName('mesh')} up, docker compose?); stop it first`;
  }
  if (state.kind === 'running' && wanted.withs.length === 0) {
    const which = wanted.only.length
      ? `${usual.map((i) => `${i.name} (${i.port})`).join(', ')} ${usual.length > 1 ? 'are' : 'is'}`
      : 'the chain (8080-8083) is';
    return `${which} already running; to start another version beside it: ${commandName('start')} --with recommendation:v2`;
  }
  return undefined;
}

/** Leaves first, so the edges' first requests find their downstream; each line prefixed with its instance, in colour. */
function launchAll(instances: readonly Instance[], wiring: readonly Instance[], tracing: LocalTracing, raw: boolean): ServiceProcess[] {
  const width = Math.max(...instances.map((i) => `${i.name} ${i.version}`.length));
  const color = process.stdout.isTTY
    ? (index: number, text: string) => `\x1b[${COLORS[index % COLORS.length]}m${text}\x1b[0m`
    : (_: number, text: string) => text;
  return [...instances].reverse().map((instance) => {
    const prefix = color(instances.indexOf(instance), `${`${instance.name} ${instance.version}`.padEnd(width)} |`);
    return launch({
      name: instance.name,
      env: { ...localEnv(instance, wiring), ...tracing.env },
      detached: true,
      onLine: (line) => console.log(`${prefix} ${raw ? line : formatLogLine(line)}`),
    });
  });
}

/**
 * Ctrl-C, SIGTERM, a closed terminal or pipe, or one service dying: every service is stopped, then `after` (the trace
 * stack, which the services' last spans go to), then we exit.
 */
function stopTogether(processes: readonly ServiceProcess[], after: () => Promise<void>): (signal: NodeJS.Signals) => Promise<never> {
  let stopping = false;
  let stoppingSince = 0;
  const stopAll = async (signal: NodeJS.Signals): Promise<never> => {
    // A second Ctrl-C forces the exit, but not the echo of the first: pnpm forwards the terminal's SIGINT to us as well,
    // so one Ctrl-C arrives twice within milliseconds.
    if (stopping) {
      if (performance.now() - stoppingSince > 1000) process.exit(130);
      return new Promise<never>(() => {});
    }
    stopping = true;
    stoppingSince = performance.now();
    const codes = await Promise.all(processes.map((p) => p.stop(signal)));
    await after();
    process.exit(codes.some((code) => code !== 0) ? 1 : 0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  // A closed terminal or a closed pipe (`./pnpmw start | head`) must not leave the detached services running.
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
  return stopAll;
}

/** What is up, where, and what to type next. */
function summary(instances: readonly Instance[], wanted: Wanted, beside: boolean, tracing: LocalTracing): string {
  const width = Math.max(...instances.map((i) => `${i.name} ${i.version}`.length));
  const whole = !beside && wanted.only.length === 0;
  const names = instances.map((i) => `${i.name} ${i.version}`);
  const heading = whole
    ? 'mesh-demo is up'
    : `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} up${beside ? ' beside the running chain' : ''}`;
  const table = instances.map(
    (i) => `  ${`${i.name} ${i.version}`.padEnd(width)}  http://127.0.0.1:${i.port}  (management ${i.managementPort})`,
  );
  const first = instances[0]!;
  const hints: Array<[string, string]> = whole
    ? [
        ['curl localhost:8080', 'customer chain'],
        [commandName('loop'), 'a numbered curl loop with a version summary'],
        ...(tracing.stack ? [[tracing.stack.uiUrl, 'the trace UI (Zipkin): Run Query, then a trace'] as [string, string]] : []),
        ...(tracing.on
          ? [[`${commandName('trace')} --last`, "the last request's trace, from the Jaeger on :16686"] as [string, string]]
          : []),
        ['Ctrl-C', 'stop everything'],
      ]
    : [
        [`curl localhost:${first.port}`, `${first.name} ${first.version}`],
        ['Ctrl-C', `stop ${names.join(', ')}${beside ? '; the chain keeps running' : ''}`],
      ];
  const hintWidth = Math.max(...hints.map(([command]) => command.length)) + 5;
  return `\n${heading}:\n${table.join('\n')}\n\n${hints.map(([command, what]) => `  ${command.padEnd(hintWidth)}# ${what}`).join('\n')}\n`;
}

export const start = defineCommand({
  name: 'start',
  summary: 'the chain as local processes, with readable logs',
  synopsis: '[SERVICE ...] [--with SERVICE:VERSION ...] [--raw] [--no-traces]',
  details: (
    command,
  ) => `  SERVICE                    start only these, on their usual ports (default: all four), e.g. ${command} recommendation
  --with recommendation:v2   also start that version on the next free ports (8084/9084, 8085/9085, ...); when the
                             chain already runs (another ${command}), start only that version beside it
  --raw                      print the services' JSON logs unchanged
  --no-traces                do not start Jaeger and the trace UI (see below)
Tracing is on when a collector answers at OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318). When none does
and no endpoint is set, start runs its own Jaeger (OTLP 4317/4318, query 16686) and Zipkin's trace UI
(http://127.0.0.1:9411/zipkin/) if they are installed (bash tools/install-tools.sh jaeger zipkin), and stops them
after the services; else tracing is off. One line says which. An OTEL_TRACES_EXPORTER you set is obeyed as it is.`,
  positionals: true,
  options: { with: { type: 'string', multiple: true }, raw: { type: 'boolean' }, 'no-traces': { type: 'boolean' } },
  async run({ values, positionals, fail }) {
    for (const name of positionals) {
      if (!isServiceName(name)) fail(`unknown service "${name}": one of ${SERVICES.join(', ')}`);
    }
    const withs = (values.with ?? []).map((spec) => {
      const [name, version, more] = spec.split(':');
      if (!name || !isServiceName(name) || !version || more !== undefined || !VERSION_PATTERN.test(version)) {
        return fail(`--with wants SERVICE:VERSION with SERVICE one of ${SERVICES.join(', ')} (got "${spec}")`);
      }
      return { name, version };
    });
    const wanted: Wanted = { only: [...new Set(positionals as ServiceName[])], withs, raw: values.raw ?? false };
    await buildServices();
    const usual = defaultInstances().filter((i) => wanted.only.length === 0 || wanted.only.includes(i.name));
    const state = await portsState(usual);
    const refused = refusal(state, usual, wanted);
    if (refused) throw new CommandError(refused);
    const beside = state.kind === 'running';
    const pairs = await freePairs(withs.length).catch((error: Error) => {
      throw new CommandError(error.message);
    });
    const extras: Instance[] = withs.map((w, index) => ({ ...w, port: pairs[index]![0], managementPort: pairs[index]![1] }));
    // Downstreams are found on their usual ports whether this process starts them or not (a service started alone calls
    // the rest of the chain where another `start` puts it), and the first instance of a name wins: no load balancing.
    const wiring = [...defaultInstances(), ...extras];
    const instances = [...(beside ? [] : usual), ...extras];

    // One line on tracing, on or off and why, before the services' own lines.
    const tracing = await localTracing(process.env, { stack: !values['no-traces'] });
    console.log(tracing.line);
    const processes = launchAll(instances, wiring, tracing, wanted.raw);
    const stopAll = stopTogether(processes, async () => {
      await tracing.stack?.stop();
    });
    try {
      await Promise.all(processes.map((p) => waitReady(p)));
    } catch (error) {
      console.error(`start: ${(error as Error).message}`);
      await stopAll('SIGTERM');
    }
    console.log(summary(instances, wanted, beside, tracing));
    return 0;
  },
});
