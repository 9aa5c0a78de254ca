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

async function waitHttp(url: string, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: reference exited (${child.exitCode}) before answering`);
    try {
      const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error(`${url}: reference not answering within ${timeoutMs} ms`);
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
    await waitHttp(url, child);
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
