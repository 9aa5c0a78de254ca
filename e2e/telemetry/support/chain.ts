// The chain for telemetry tests: devtools' startChain with quiet request logs and the OTEL_* env a test asks for.
import { SERVICES, startChain as startLocalChain, type LocalChain, type ServiceName } from '@mesh-demo/devtools';

export type Chain = LocalChain;

export function startChain(env: Record<string, string>, names: readonly ServiceName[] = SERVICES): Promise<Chain> {
  return startLocalChain({ env: { LOG_LEVEL: 'warn', ...env }, only: names, readyTimeoutMs: 30_000 });
}

/** GET a service's `/` with headers; returns status and body text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/`, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}
