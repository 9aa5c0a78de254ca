// The services for telemetry tests: devtools' startLocalServices with quiet request logs and the OTEL_* env a test asks for.
import { after, before } from 'node:test';
import { type Jaeger, type LocalServices, startJaeger, startLocalServices } from '@mesh-demo/devtools';
import { SERVICES, type ServiceName } from '@mesh-demo/workspace';
import { type Capture, startCapture } from './capture.ts';

export function startQuietServices(env: Record<string, string>, names: readonly ServiceName[] = SERVICES): Promise<LocalServices> {
  return startLocalServices({ env: { LOG_LEVEL: 'warn', ...env }, only: names, readyTimeoutMs: 30_000 });
}

/** GET a service's `/` with headers; returns status and body text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/`, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

export interface Traced {
  readonly jaeger: Jaeger;
  readonly services: LocalServices;
}

/**
 * A real Jaeger and the services exporting to it (both endpoints set; OTEL_TRACES_EXPORTER in `env` picks one), started in
 * the calling suite's before hook and stopped in its after hook. Read the fields inside tests, once before has run.
 */
export function tracedServices(env: Record<string, string>, names: readonly ServiceName[] = SERVICES): Traced {
  const state = {} as { jaeger: Jaeger; services: LocalServices };
  before(async () => {
    state.jaeger = await startJaeger();
    state.services = await startQuietServices(
      { OTEL_EXPORTER_OTLP_ENDPOINT: state.jaeger.otlpEndpoint, OTEL_EXPORTER_JAEGER_ENDPOINT: state.jaeger.jaegerEndpoint, ...env },
      names,
    );
  });
  after(async () => {
    await state.services?.stopAll();
    await state.jaeger?.stop();
  });
  return state;
}

export interface Captured {
  readonly capture: Capture;
  readonly services: LocalServices;
}

/**
 * The services with a capture standing in for recommendation (RECOMMENDATION_URL), to see what the last hop forwards:
 * the capture, then the env (a function when it needs something started or a port taken first, after the capture), then
 * the services, in the calling suite's before hook; the services stopped and the capture closed in its after hook, ahead
 * of any after hook the suite adds later. Read the fields inside tests, once before has run.
 */
export function capturedServices(
  env: Record<string, string> | (() => Promise<Record<string, string>>),
  names: readonly ServiceName[],
): Captured {
  const state = {} as { capture: Capture; services: LocalServices };
  before(async () => {
    state.capture = await startCapture();
    state.services = await startQuietServices(
      { RECOMMENDATION_URL: state.capture.url, ...(typeof env === 'function' ? await env() : env) },
      names,
    );
  });
  after(async () => {
    await state.services?.stopAll();
    await state.capture?.close();
  });
  return state;
}
