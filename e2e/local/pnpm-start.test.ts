// `pnpm start` itself, as a newcomer runs it: the chain on the README's ports, then one Ctrl-C stops everything cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultInstances, portIsFree, REPO_ROOT } from '@mesh-demo/workspace';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';

// What `pnpm start` listens on: each service's port and its management port (8080-8083, 9080-9083).
const PORTS = defaultInstances().flatMap((instance) => [instance.port, instance.managementPort]);

async function busyPorts(): Promise<number[]> {
  const free = await Promise.all(PORTS.map(portIsFree));
  return PORTS.filter((_, index) => !free[index]);
}

describe('pnpm start', () => {
  it('serves the chain on 8080 and 8081, and one Ctrl-C stops all four with exit 0 and no pnpm error', async (t) => {
    const busy = await busyPorts();
    assert.deepEqual(busy, [], `ports ${busy.join(', ')} must be free for pnpm start's fixed ports`);

    // The pnpm running this suite (npm_execpath), else the README's wrapper; in its own process group, like a terminal.
    const pnpm = process.env.npm_execpath;
    const [command, args] = pnpm ? [process.execPath, [pnpm, 'start']] : [join(REPO_ROOT, 'pnpmw'), ['start']];
    const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    // Whatever happens below, nothing of this test keeps running.
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    });

    await until('pnpm start to say the chain is up', () => output.includes('mesh-demo is up') || undefined, 90_000, 100);
    const customer = await get('http://127.0.0.1:8080/');
    assert.equal(customer.status, 200);
    assert.match(customer.body, /^customer v1 => preference v1 => recommendation v1 from '[^']+': 1\n$/);
    const partner = await get('http://127.0.0.1:8081/');
    assert.match(partner.body, /^partner v1 => preference v1 => recommendation v1 from '[^']+': 2\n$/);

    // A terminal's Ctrl-C goes to the whole foreground process group: pnpm, and the launcher under it.
    process.kill(-child.pid!, 'SIGINT');
    const code = await until(
      'pnpm start to exit after Ctrl-C',
      () => Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100))]),
      30_000,
    );
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /ELIFECYCLE|ERR_/, 'pnpm reports no failure');
    for (const service of ['customer', 'partner', 'preference', 'recommendation']) {
      assert.match(output, new RegExp(`${service} v1 +\\| .*stopped`), `${service} logged a clean stop`);
    }
    assert.deepEqual(await busyPorts(), [], 'nothing listens on the ports any more');
  });
});
