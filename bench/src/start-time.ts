// Start to ready: from spawn until /health/ready first answers 200, polled every 5 ms; for a service or the hello reference.
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, launch, localEnv, type ServiceName } from '@mesh-demo/workspace';
import { request } from 'undici';
import { cpuSeconds } from './cpu.ts';
import { spawnRef } from './references.ts';

export interface StartOptions {
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
}

/** Wall time from spawn to ready, and the CPU time the process had used by then (steadier on a busy machine). */
export interface StartTime {
  readonly ms: number;
  readonly cpuMs: number;
}

interface Started {
  readonly pid: number;
  readonly readyUrl: string;
  readonly exited: Promise<unknown>;
  stop(): Promise<unknown>;
}

async function timeToReady(label: string, start: () => Started, timeoutMs: number): Promise<StartTime> {
  const began = performance.now();
  const started = start();
  let exited = false;
  void started.exited.then(() => (exited = true));
  try {
    while (performance.now() - began < timeoutMs) {
      if (exited) throw new Error(`${label} exited before becoming ready`);
      try {
        const response = await request(started.readyUrl, { headersTimeout: 1000, bodyTimeout: 1000, reset: true });
        await response.body.dump();
        if (response.statusCode === 200) return { ms: performance.now() - began, cpuMs: 1000 * cpuSeconds([started.pid]) };
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    throw new Error(`${label} not ready within ${timeoutMs} ms`);
  } finally {
    await started.stop();
  }
}

export async function measureStartToReady(name: ServiceName, options: StartOptions, timeoutMs = 30_000): Promise<StartTime> {
  const instance = { name, version: 'v1', port: await freePort(), managementPort: await freePort() };
  const env = { ...localEnv(instance, [instance]), ...options.env };
  return timeToReady(
    name,
    () => {
      const service = launch({ name, env, nodeArgs: options.nodeArgs, stdout: 'discard' });
      return {
        pid: service.child.pid!,
        readyUrl: `${service.managementUrl}/health/ready`,
        exited: service.exited,
        stop: () => service.stop('SIGTERM'),
      };
    },
    timeoutMs,
  );
}

/** The same measurement for the Fastify hello reference: what starting any Fastify process costs here. */
export async function measureHelloStart(timeoutMs = 30_000): Promise<StartTime> {
  const port = await freePort();
  return timeToReady(
    'hello reference',
    () => {
      const hello = spawnRef('hello', 'hello', port);
      return { pid: hello.child.pid!, readyUrl: `${hello.url}/health/ready`, exited: hello.exited, stop: () => hello.stop() };
    },
    timeoutMs,
  );
}
