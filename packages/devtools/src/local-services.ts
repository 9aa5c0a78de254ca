// The four v1 services as local processes on free ports (for e2e and bench), each restartable, with captured logs.
import type { Instance, LaunchOptions, ServiceName, ServiceProcess } from '@mesh-demo/workspace';
import { freePort, launch, localEnv, SERVICES, waitReady } from '@mesh-demo/workspace';

export interface LocalServices {
  readonly instances: readonly Instance[];
  readonly processes: Map<ServiceName, ServiceProcess>;
  readonly logs: Map<ServiceName, string[]>;
  url(name: ServiceName): string;
  managementUrl(name: ServiceName): string;
  /** Start (or start again, on the same ports) one service and wait until it is ready. */
  start(name: ServiceName): Promise<ServiceProcess>;
  stop(name: ServiceName, signal?: NodeJS.Signals): Promise<number | string>;
  stopAll(): Promise<void>;
  /** A line for assertion messages: whether the process still runs, and its last log lines. */
  describe(name: ServiceName): string;
}

export interface LocalServicesOptions {
  /** Env added to every service, e.g. OTEL_* or DOWNSTREAM_TIMEOUT_MS. */
  readonly env?: Record<string, string>;
  /** Env per service, applied after `env`. */
  readonly envFor?: Partial<Record<ServiceName, Record<string, string>>>;
  readonly nodeArgs?: LaunchOptions['nodeArgs'];
  readonly readyTimeoutMs?: number;
  readonly stdout?: LaunchOptions['stdout'];
  /** Each service in its own process group, so a terminal's Ctrl-C reaches only us and we stop them in order. */
  readonly detached?: boolean;
  /** Start only these (the others still get ports, so a test can point a hop at a stand-in instead). */
  readonly only?: readonly ServiceName[];
}

export async function startLocalServices(options: LocalServicesOptions = {}): Promise<LocalServices> {
  const instances: Instance[] = [];
  for (const name of SERVICES) instances.push({ name, version: 'v1', port: await freePort(), managementPort: await freePort() });
  const processes = new Map<ServiceName, ServiceProcess>();
  const logs = new Map<ServiceName, string[]>(SERVICES.map((name) => [name, []]));
  const instance = (name: ServiceName) => instances.find((i) => i.name === name)!;

  async function start(name: ServiceName): Promise<ServiceProcess> {
    const env = { ...localEnv(instance(name), instances), ...options.env, ...options.envFor?.[name] };
    const service = launch({
      name,
      env,
      onLine: (line) => logs.get(name)!.push(line),
      ...(options.nodeArgs && { nodeArgs: options.nodeArgs }),
      ...(options.stdout && { stdout: options.stdout }),
      ...(options.detached && { detached: true }),
    });
    processes.set(name, service);
    await waitReady(service, options.readyTimeoutMs);
    return service;
  }

  const chain: LocalServices = {
    instances,
    processes,
    logs,
    url: (name) => `http://127.0.0.1:${instance(name).port}`,
    managementUrl: (name) => `http://127.0.0.1:${instance(name).managementPort}`,
    start,
    async stop(name, signal = 'SIGTERM') {
      const service = processes.get(name);
      return service ? service.stop(signal) : 'not running';
    },
    describe(name) {
      const service = processes.get(name);
      const state = !service
        ? 'not started'
        : service.running
          ? 'running'
          : `exited (${service.child.exitCode ?? service.child.signalCode})`;
      return `${name} ${state}; last log lines:\n${logs.get(name)!.slice(-5).join('\n')}`;
    },
    async stopAll() {
      await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
    },
  };
  try {
    // Leaves first, so no edge ever starts without its downstream.
    for (const name of [...SERVICES].reverse()) if (!options.only || options.only.includes(name)) await start(name);
  } catch (error) {
    await chain.stopAll();
    // Say why: the last lines of every service started so far (a bad env var, a port in use, ...).
    throw new Error([(error as Error).message, ...[...processes.keys()].map((name) => chain.describe(name))].join('\n'));
  }
  return chain;
}
