// Starts the reference servers (hello, minimal chain) as real processes on free ports, like the services.
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '@mesh-demo/workspace';

export interface RefProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

const script = (name: string) => fileURLToPath(new URL(`./references/${name}.js`, import.meta.url));

/**
 * Polls a readiness URL until it answers 2xx; fails at once if the process exits first (with `detail()`, e.g. the last
 * of its stderr), or after `timeoutMs`. The references here, and the Java chains (java-refs.ts), which start slower.
 */
export async function waitReady(
  readyUrl: string,
  child: ChildProcess,
  options: { timeoutMs?: number; pollMs?: number; detail?: () => string } = {},
): Promise<void> {
  const { timeoutMs = 15_000, pollMs = 20, detail = () => '' } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${readyUrl}: exited (${child.exitCode}) before ready${detail() && `: ${detail()}`}`);
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(pollMs);
  }
  throw new Error(`${readyUrl}: not ready within ${timeoutMs} ms`);
}

/** Spawn a reference without waiting for it (start-to-ready timing polls it itself). */
export function spawnRef(
  file: 'hello' | 'minimal-chain',
  name: string,
  port: number,
  env: Record<string, string> = {},
): RefProcess & { exited: Promise<void> } {
  const child = spawn(process.execPath, [script(file)], {
    env: { ...process.env, ...env, NAME: name, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function startRef(file: 'hello' | 'minimal-chain', name: string, env: Record<string, string>): Promise<RefProcess> {
  const ref = spawnRef(file, name, await freePort(), env);
  const { url, child } = ref;
  try {
    await waitReady(`${url}/health/ready`, child);
  } catch (error) {
    await ref.stop();
    throw error;
  }
  return ref;
}

export function startHello(): Promise<RefProcess> {
  return startRef('hello', 'hello', {});
}

/** customer -> preference -> recommendation with no features; returns the three hops, edge first. */
export async function startMinimalChain(): Promise<RefProcess[]> {
  const recommendation = await startRef('minimal-chain', 'recommendation', {});
  const preference = await startRef('minimal-chain', 'preference', { DOWNSTREAM_URL: recommendation.url });
  const customer = await startRef('minimal-chain', 'customer', { DOWNSTREAM_URL: preference.url });
  return [customer, preference, recommendation];
}
