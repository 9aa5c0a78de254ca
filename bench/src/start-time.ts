// Start to ready: from spawn until /health/ready first answers 200, polled every 5 ms; for a service or the hello reference.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { freePort, launch, localEnv, type ServiceName } from '@mesh-demo/devtools';
import { spawnRef } from './references.ts';

export interface StartOptions {
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
}

interface Started {
  readonly readyUrl: string;
  readonly exited: Promise<unknown>;
  stop(): Promise<unknown>;
}

async function timeToReady(label: string, start: () => Started, timeoutMs: number): Promise<number> {
  const began = performance.now();
  const process = start();
  let exited = false;
  void process.exited.then(() => (exited = true));
  try {
    while (performance.now() - began < timeoutMs) {
      if (exited) throw new Error(`${label} exited before becoming ready`);
      try {
        const response = await request(process.readyUrl, { headersTimeout: 1000, bodyTimeout: 1000, reset: true });
        await response.body.dump();
        if (response.statusCode === 200) return performance.now() - began;
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    throw new Error(`${label} not ready within ${timeoutMs} ms`);
  } finally {
    await process.stop();
  }
}

export async function measureStartToReady(name: ServiceName, options: StartOptions, timeoutMs = 30_000): Promise<number> {
  const instance = { name, version: 'v1', port: await freePort(), managementPort: await freePort() };
  const env = { ...localEnv(instance, [instance]), ...options.env };
  return timeToReady(name, () => {
    const service = launch({ name, env, nodeArgs: options.nodeArgs, stdout: 'discard' });
    return { readyUrl: `${service.managementUrl}/health/ready`, exited: service.exited, stop: () => service.stop('SIGTERM') };
  }, timeoutMs);
}

/** The same measurement for the Fastify hello reference: what starting any Fastify process costs here. */
export async function measureHelloStart(timeoutMs = 30_000): Promise<number> {
  const port = await freePort();
  return timeToReady('hello reference', () => {
    const hello = spawnRef('hello', 'hello', port);
    return { readyUrl: `${hello.url}/health/ready`, exited: hello.exited, stop: () => hello.stop() };
  }, timeoutMs);
}
