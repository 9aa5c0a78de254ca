// Start one service as a real process from its build output, wait until it is ready, and stop it by signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './paths.ts';
import type { ServiceName } from './topology.ts';

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly child: ChildProcess;
  readonly url: string;
  readonly managementUrl: string;
  /** Resolves with the exit code (or the signal name) once the process has exited and its last output line is read. */
  readonly exited: Promise<number | string>;
  /** True until the process has exited (by itself or by a signal). */
  readonly running: boolean;
  /** Signal the process (SIGTERM by default) and wait for its exit; SIGKILL after `killAfterMs` (10 s) so it never hangs. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | string>;
}

export interface LaunchOptions {
  readonly name: ServiceName;
  readonly env: Record<string, string>;
  /** Every output line (stdout and stderr), e.g. to prefix and print, or to keep for assertions. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Node flags before the entry; default {@link TELEMETRY_NODE_ARGS}, as the services' `start` scripts use. */
  readonly nodeArgs?: readonly string[];
  /** Own process group, so a terminal's Ctrl-C reaches the service once (from us), not twice. */
  readonly detached?: boolean;
  /** 'discard' sends stdout to /dev/null (benchmarks: logs are still produced and written, just not collected). */
  readonly stdout?: 'pipe' | 'discard';
}

/** Where `pnpm build` writes a service's bundle (main.js, register.js, their chunks), relative to its package. */
export const BUNDLE_DIR = join('dist', 'bundle');

/**
 * Tracing is loaded the way the image and `pnpm --filter <service> start` load it; the OTEL_* env vars of the caller
 * pass through (e.g. OTEL_TRACES_EXPORTER=none to switch it off, or an endpoint of your own Jaeger).
 */
export const TELEMETRY_NODE_ARGS: readonly string[] = ['--import', `./${join(BUNDLE_DIR, 'register.js')}`];

/** A service's package directory: its `start` script runs there, and `--import` specifiers resolve from it. */
export function serviceDir(name: ServiceName): string {
  return join(REPO_ROOT, 'services', name);
}

/** The command that runs a service: the same one the container image uses (its bundle, written by `pnpm build`). */
export function serviceEntry(name: ServiceName): string {
  return join(serviceDir(name), BUNDLE_DIR, 'main.js');
}

export function launch(options: LaunchOptions): ServiceProcess {
  const { name, env } = options;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? TELEMETRY_NODE_ARGS), serviceEntry(name)], {
    cwd: serviceDir(name),
    env: { ...process.env, ...env },
    stdio: ['ignore', options.stdout === 'discard' ? 'ignore' : 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    if (!child[stream]) continue;
    const lines = createInterface({ input: child[stream] });
    lines.on('line', (line) => options.onLine?.(line, stream));
  }
  // 'close', not 'exit': 'exit' can come before the pipes are drained, and the last lines (a service's "stopped") lost.
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const host = env.HOST ?? '127.0.0.1';
  return {
    name,
    child,
    url: `http://${host}:${env.PORT}`,
    managementUrl: `http://${host}:${env.MANAGEMENT_PORT}`,
    exited,
    get running() {
      return isRunning();
    },
    async stop(signal = 'SIGTERM', killAfterMs = 10_000) {
      if (!isRunning()) return exited;
      child.kill(signal);
      // A service that ignores the signal must not hang whoever stops it (a test's after hook, Ctrl-C in pnpm start).
      const escalate = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      escalate.unref();
      try {
        return await exited;
      } finally {
        clearTimeout(escalate);
      }
    },
  };
}

/** Poll readiness until it answers 200; fails with a message naming the service and the time waited. */
export async function waitReady(service: ServiceProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${service.name} exited (${exitCode}) before becoming ready`);
    try {
      const response = await fetch(`${service.managementUrl}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${service.name} not ready at ${service.managementUrl} within ${timeoutMs} ms`);
}
