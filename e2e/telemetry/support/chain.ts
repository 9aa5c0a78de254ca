// The chain for telemetry tests: devtools' startChain with quiet request logs and the OTEL_* env a test asks for.
import { after, before } from 'node:test';
import { type Jaeger, type LocalChain, SERVICES, type ServiceName, startJaeger, startChain as startLocalChain } from '@mesh-demo/devtools';

export type Chain = LocalChain;

export function startChain(env: Record<string, string>, names: readonly ServiceName[] = SERVICES): Promise<Chain> {
  return startLocalChain({ env: { LOG_LEVEL: 'warn', ...env }, only: names, readyTimeoutMs: 30_000 });
}

/** GET a service's `/` with headers; returns status and body text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/`, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

export interface Traced {
  readonly jaeger: Jaeger;
  readonly chain: Chain;
}

/**
 * A real Jaeger and a chain exporting to it (both endpoints set; OTEL_TRACES_EXPORTER in `env` picks one), started in
 * the calling suite's before hook and stopped in its after hook. Read the fields inside tests, once before has run.
 */
export function tracedChain(env: Record<string, string>, names: readonly ServiceName[] = SERVICES): Traced {
  const state = {} as { jaeger: Jaeger; chain: Chain };
  before(async () => {
    state.jaeger = await startJaeger();
    state.chain = await startChain(
      { OTEL_EXPORTER_OTLP_ENDPOINT: state.jaeger.otlpEndpoint, OTEL_EXPORTER_JAEGER_ENDPOINT: state.jaeger.jaegerEndpoint, ...env },
      names,
    );
  });
  after(async () => {
    await state.chain?.stopAll();
    await state.jaeger?.stop();
  });
  return state;
}
