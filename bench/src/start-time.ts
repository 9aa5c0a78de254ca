// Start to ready of one service: from spawn until its management /health/ready first answers 200, polled every 5 ms.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { freePort, launch, localEnv, type ServiceName } from '@mesh-demo/devtools';

export interface StartOptions {
  readonly env: Record<string, string>;
  readonly nodeArgs: readonly string[];
}

export async function measureStartToReady(name: ServiceName, options: StartOptions, timeoutMs = 15_000): Promise<number> {
  const instance = { name, version: 'v1', port: await freePort(), managementPort: await freePort() };
  const env = { ...localEnv(instance, [instance]), ...options.env };
  const started = performance.now();
  const service = launch({ name, env, nodeArgs: options.nodeArgs, stdout: 'discard' });
  let exitCode: number | string | undefined;
  void service.exited.then((code) => (exitCode = code));
  try {
    while (performance.now() - started < timeoutMs) {
      if (exitCode !== undefined) throw new Error(`${name} exited (${exitCode}) before becoming ready`);
      try {
        const response = await request(`${service.managementUrl}/health/ready`, { headersTimeout: 1000, bodyTimeout: 1000, reset: true });
        await response.body.dump();
        if (response.statusCode === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    throw new Error(`${name} not ready within ${timeoutMs} ms`);
  } finally {
    await service.stop('SIGTERM');
  }
}
