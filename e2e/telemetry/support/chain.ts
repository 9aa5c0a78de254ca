// Launches the four services as real processes on free ports, with the OTEL_* env a test asks for, and keeps their output.
import { defaultInstances, launch, localEnv, waitReady, type Instance, type ServiceProcess, type ServiceName } from '@mesh-demo/devtools';
import { freePorts } from './ports.ts';

export interface Chain {
  readonly instances: readonly Instance[];
  readonly processes: ReadonlyMap<ServiceName, ServiceProcess>;
  /** Every output line so far, per service. */
  readonly lines: ReadonlyMap<ServiceName, string[]>;
  url(name: ServiceName): string;
  managementPort(name: ServiceName): number;
  stop(): Promise<void>;
}

export async function startChain(env: Record<string, string>, names: readonly ServiceName[] = ['recommendation', 'preference', 'customer', 'partner']): Promise<Chain> {
  const ports = await freePorts(8);
  const instances = defaultInstances().map((instance, index) => ({ ...instance, port: ports[index * 2]!, managementPort: ports[index * 2 + 1]! }));
  const processes = new Map<ServiceName, ServiceProcess>();
  const lines = new Map<ServiceName, string[]>();
  for (const name of names) {
    const instance = instances.find((i) => i.name === name)!;
    const kept: string[] = [];
    lines.set(name, kept);
    processes.set(name, launch({ name, env: { ...localEnv(instance, instances), LOG_LEVEL: 'warn', ...env }, onLine: (line) => kept.push(line) }));
  }
  const chain: Chain = {
    instances,
    processes,
    lines,
    url: (name) => `http://127.0.0.1:${instances.find((i) => i.name === name)!.port}`,
    managementPort: (name) => instances.find((i) => i.name === name)!.managementPort,
    async stop() {
      await Promise.all([...processes.values()].map((p) => p.stop()));
    },
  };
  try {
    await Promise.all([...processes.values()].map((p) => waitReady(p, 30_000)));
  } catch (error) {
    await chain.stop();
    const output = [...lines].map(([name, l]) => `${name}:\n  ${l.slice(-5).join('\n  ')}`).join('\n');
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return chain;
}

/** GET a service's `/` with headers; returns status and body text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/`, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}
