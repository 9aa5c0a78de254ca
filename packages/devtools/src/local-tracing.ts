// `pnpm start`'s tracing default: on when a collector answers at the OTLP endpoint, off when none does, said in one line.
import { collectorUrl, exporterEndpoint, type ProbeResult, probeCollector, tracingOff } from '@mesh-demo/telemetry/probe';

type Env = Readonly<Record<string, string | undefined>>;

export interface LocalTracing {
  /** Whether the services will trace. */
  readonly on: boolean;
  /** Env for every service: OTEL_TRACES_EXPORTER=none when tracing is turned off here, else nothing. */
  readonly env: Record<string, string>;
  /** The one line `pnpm start` prints about tracing. */
  readonly line: string;
}

/** How long a collector on this machine may take to accept a connection; a local one answers in well under 1 ms. */
const PROBE_TIMEOUT_MS = 500;

/**
 * An explicit OTEL_TRACES_EXPORTER (or OTEL_SDK_DISABLED) is obeyed as given. Without one, tracing is on only when a
 * collector answers: a demo started and stopped all day should not export to nobody, warn about it from every service,
 * and pay for tracing it cannot show. Starting a collector later needs a restart of `pnpm start` to trace.
 */
export async function localTracing(env: Env): Promise<LocalTracing> {
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
  const probe: ProbeResult = collector
    ? await probeCollector(collector, PROBE_TIMEOUT_MS, { unref: false })
    : { ok: false, reason: 'not a URL' };
  if (probe.ok) {
    return {
      on: true,
      env: {},
      line: `start: tracing on: a collector answers at ${endpoint} (OTEL_TRACES_EXPORTER=none turns tracing off)`,
    };
  }
  return {
    on: false,
    env: { OTEL_TRACES_EXPORTER: 'none' },
    line: `start: tracing off: no collector answers at ${endpoint} (${probe.reason}). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp`,
  };
}
