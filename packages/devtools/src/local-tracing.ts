// `pnpm start`'s tracing default: on when a collector answers at the OTLP endpoint, off when none does, said in one line.
import { connect } from 'node:net';

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

/** Where OTLP spans would go: the standard variables, else the OTLP/HTTP default. */
export function otlpEndpoint(env: Env): string {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || 'http://localhost:4318';
}

/** A TCP connect to the URL's host and port: undefined when it is accepted, else why not (ECONNREFUSED, a timeout, a bad URL). */
export function refusal(endpoint: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return Promise.resolve('not a URL');
  }
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port });
    const finish = (reason: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => finish(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
  });
}

/**
 * An explicit OTEL_TRACES_EXPORTER (or OTEL_SDK_DISABLED) is obeyed as given. Without one, tracing is on only when a
 * collector answers: a demo started and stopped all day should not export to nobody, warn about it from every service,
 * and pay for tracing it cannot show. Starting a collector later needs a restart of `pnpm start` to trace.
 */
export async function localTracing(env: Env): Promise<LocalTracing> {
  const chosen = env.OTEL_TRACES_EXPORTER?.trim();
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true')
    return { on: false, env: {}, line: 'start: tracing off (OTEL_SDK_DISABLED=true)' };
  // As the services read it: `none` anywhere in the list wins.
  if (/(^|,)\s*none\s*(,|$)/i.test(chosen ?? ''))
    return { on: false, env: {}, line: `start: tracing off (OTEL_TRACES_EXPORTER=${chosen})` };
  if (chosen) {
    return {
      on: true,
      env: {},
      line: `start: tracing on, OTEL_TRACES_EXPORTER=${chosen} as set (each service says once if its collector does not answer)`,
    };
  }
  const endpoint = otlpEndpoint(env);
  const reason = await refusal(endpoint);
  if (reason === undefined) {
    return {
      on: true,
      env: {},
      line: `start: tracing on: a collector answers at ${endpoint} (OTEL_TRACES_EXPORTER=none turns tracing off)`,
    };
  }
  return {
    on: false,
    env: { OTEL_TRACES_EXPORTER: 'none' },
    line: `start: tracing off: no collector answers at ${endpoint} (${reason}). To trace, start one (docs/telemetry.md) and run this again, or set OTEL_TRACES_EXPORTER=otlp`,
  };
}
