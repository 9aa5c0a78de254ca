// `pnpm start`'s tracing default: a collector that answers is used; else start's own Jaeger and trace UI when installed; else off.
import { collectorUrl, exporterEndpoint, type ProbeResult, probeCollector, tracingOff } from '@mesh-demo/telemetry/probe';
import { type MissingTraceTools, missingTraceTools, startTraceStack, traceToolsInstall } from '@mesh-demo/traces';

type Env = Readonly<Record<string, string | undefined>>;

/** What `start` needs of a running trace stack: where the services export, what to print, and how to stop it. */
export interface StartedStack {
  readonly otlpEndpoint: string;
  readonly queryUrl: string;
  readonly uiUrl: string;
  stop(): Promise<void>;
}

/** How the trace stack is found and started; the real one by default, a stand-in in unit tests. */
export interface StackStarter {
  /** What is not installed (tools/install-tools.sh's targets, and Java). */
  missing(): MissingTraceTools;
  start(): Promise<StartedStack>;
}

export interface LocalTracing {
  /** Whether the services will trace. */
  readonly on: boolean;
  /** Env for every service: OTEL_TRACES_EXPORTER=none when tracing is turned off here, the stack's endpoint when it runs. */
  readonly env: Record<string, string>;
  /** The one line `pnpm start` prints about tracing. */
  readonly line: string;
  /** The trace stack started here, which `start` stops after the services (so their last spans still find Jaeger). */
  readonly stack?: StartedStack;
}

export interface LocalTracingOptions {
  /** false (`--no-traces`): never start the trace stack, only use a collector that already answers. */
  readonly stack?: boolean;
  readonly starter?: StackStarter;
  /** How a collector is looked for; default a TCP connect within 500 ms (a stand-in in unit tests, whatever runs on 4318). */
  readonly probe?: (url: URL) => Promise<ProbeResult>;
}

/** How long a collector on this machine may take to accept a connection; a local one answers in well under 1 ms. */
const PROBE_TIMEOUT_MS = 500;

const realStarter: StackStarter = {
  missing: missingTraceTools,
  // Own process groups: the terminal's Ctrl-C reaches Jaeger and Zipkin only through start, after the services stopped.
  start: () => startTraceStack({ detached: true, log: (line) => console.log(`start: ${line}`) }),
};

/**
 * An explicit OTEL_TRACES_EXPORTER (or OTEL_SDK_DISABLED) is obeyed as given. Without one, a collector that answers at
 * the OTLP endpoint is used. With nobody there and no endpoint of the user's own, `start` runs its own trace stack
 * (Jaeger, and Zipkin's UI on a copy of every span) when it is installed, on the documented ports. Otherwise tracing is
 * off: a demo started and stopped all day should not export to nobody, warn about it from every service, and pay for
 * tracing it cannot show.
 */
export async function localTracing(env: Env, options: LocalTracingOptions = {}): Promise<LocalTracing> {
  // Read as the services read it, by the telemetry package's own settings.
  const off = tracingOff(env);
  if (off) return { on: false, env: {}, line: `start: tracing off (${off})` };
  const chosen = env.OTEL_TRACES_EXPORTER?.trim();
  if (chosen) {
    return {
      on: true,
      env: {},
      line: `start: tracing on, OTEL_TRACES_EXPORTER=${chosen} as set (each service says once if its collector does not answer)`,
    };
  }
  // The endpoint as set (not <base>/v1/traces): the line names what the user set or would set.
  const endpoint = exporterEndpoint('otlp', env)!.configured;
  const collector = collectorUrl('otlp', env);
  // Held, not unref()ed: start-local awaits this at top level with nothing else keeping Node's event loop alive.
  const probeOf = options.probe ?? ((url: URL) => probeCollector(url, PROBE_TIMEOUT_MS, { unref: false }));
  const probe: ProbeResult = collector ? await probeOf(collector) : { ok: false, reason: 'not a URL' };
  if (probe.ok) {
    return {
      on: true,
      env: {},
      line: `start: tracing on: a collector answers at ${endpoint} (OTEL_TRACES_EXPORTER=none turns tracing off)`,
    };
  }
  const offLine = `start: tracing off: no collector answers at ${endpoint} (${probe.reason}). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp`;
  const offEnv = { OTEL_TRACES_EXPORTER: 'none' };
  // An endpoint of the user's own names the collector they want: start does not put another one in its place.
  const ownEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
  if (ownEndpoint || options.stack === false) return { on: false, env: offEnv, line: offLine };
  const starter = options.starter ?? realStarter;
  const missing = starter.missing();
  if (missing.tools.length || missing.java) {
    return {
      on: false,
      env: offEnv,
      line: `${offLine}; for start's own Jaeger and trace UI, install them once: ${traceToolsInstall(missing)}`,
    };
  }
  let stack: StartedStack;
  try {
    stack = await starter.start();
  } catch (error) {
    return {
      on: false,
      env: offEnv,
      line: `start: tracing off: no collector answers at ${endpoint} (${probe.reason}), and start's own trace stack did not start: ${(error as Error).message}`,
    };
  }
  return {
    on: true,
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpEndpoint },
    line: `start: tracing on: trace UI ${stack.uiUrl}, Jaeger's query API ${stack.queryUrl} (started here, stopped with the services; --no-traces skips them)`,
    stack,
  };
}
