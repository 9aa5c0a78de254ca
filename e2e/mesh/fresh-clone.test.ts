// A new user's road: a fresh checkout, the README's set-up command, `./pnpmw mesh up`: a running mesh, serving the source.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT, TOOLS_DIR } from '@mesh-demo/workspace';
import { exitedAndDrained } from '../support/cli.ts';
import { until } from '../support/poll.ts';
import { cli, EDGE } from './support/mesh.ts';

const run = promisify(execFile);

/** A command in the checkout as a person types it there; its output, whatever the exit code. */
function inCheckout(dir: string, command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    void exitedAndDrained(child).then((code) => resolve({ code: typeof code === 'number' ? code : -1, out }));
  });
}

/** The customer line at the edge once the step answers (a fresh mesh may still be settling its routes). */
function edgeLine(): Promise<string> {
  return until(
    'customer to answer 200 through the local mesh edge',
    async () => {
      const response = await fetch(EDGE.customer, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      return (await response.text()).trim();
    },
    30_000,
  );
}

describe('a fresh checkout: set-up, then mesh up', () => {
  let checkout = '';

  before(async () => {
    await cli(['down']);
    // The tree as a clone of it would hold it (tracked and new files, nothing ignored: no node_modules, no dist).
    checkout = mkdtempSync(join(tmpdir(), 'mesh-demo-checkout-'));
    // mkdtemp makes it 0700; a clone is as open as its parent, and the pods' users (1337, the app's) must reach its files.
    chmodSync(checkout, 0o755);
    await run(
      'sh',
      [
        '-c',
        `git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "${checkout}"`,
      ],
      { cwd: REPO_ROOT },
    );
    // The Go-built tools (helm, istiod, pilot-agent, Envoy) are the same pins in any checkout: built once per machine.
    symlinkSync(TOOLS_DIR, join(checkout, '.tools'));
  });

  after(async () => {
    if (checkout) await inCheckout(checkout, './pnpmw', ['-s', 'mesh', 'down']);
    if (checkout) rmSync(checkout, { recursive: true, force: true });
  });

  it("the README's set-up command, then ./pnpmw mesh up, gives a running mesh whose edge answers the chain", async () => {
    const install = await inCheckout(checkout, './pnpmw', ['install']);
    assert.equal(install.code, 0, install.out);
    const up = await inCheckout(checkout, './pnpmw', ['mesh', 'up']);
    assert.equal(up.code, 0, up.out);
    assert.match(up.out, /mesh: built the services from source in [\d.]+ s/);
    assert.match(await edgeLine(), /^customer v1 => preference v1 => recommendation v1 from '[^']+': \d+$/);
  });

  it('after a source edit, mesh up serves the edited service', async () => {
    const down = await inCheckout(checkout, './pnpmw', ['-s', 'mesh', 'down']);
    assert.equal(down.code, 0, down.out);
    // The leaf's answer as the kit renders it: found by its text, wherever the kit keeps it.
    const before = "from '$" + "{hop.host}': $" + '{hop.hits}';
    const { stdout } = await run('grep', ['-rlF', before, 'packages/kit/src'], { cwd: checkout });
    const file = join(checkout, stdout.trim().split('\n')[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').replace(before, before.replace('from', 'served by')));
    const up = await inCheckout(checkout, './pnpmw', ['mesh', 'up']);
    assert.equal(up.code, 0, up.out);
    assert.match(up.out, /mesh: built the services from source/, 'the edit is built, not the bundle of the last up');
    assert.match(await edgeLine(), /^customer v1 => preference v1 => recommendation v1 served by '[^']+': \d+$/);
  });
});
