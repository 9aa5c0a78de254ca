// The bench's command line: a wrong option is one line and the usage, exit 2, before anything is started or measured.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const MAIN = join(import.meta.dirname, '..', 'src', 'main.ts');

function bench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=development', MAIN, ...args], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('bench command line', () => {
  it('refuses an unknown option with one line and the usage, exit 2, no stack trace', async () => {
    const { code, stdout, stderr } = await bench('--quik');
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(
      stderr,
      /^bench: unknown option '--quik'\nusage: .* \[--quick\] \[--out DIR\] \[--mesh-only \| --overload-only \| --java-only \| --container-only \| --skip-mesh\]\n/,
    );
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  it('refuses two of --mesh-only, --overload-only, --java-only, --container-only and --skip-mesh together, before building anything', async () => {
    for (const pair of [
      ['--overload-only', '--skip-mesh'],
      ['--container-only', '--mesh-only'],
    ]) {
      const { code, stderr } = await bench(...pair);
      assert.equal(code, 2, pair.join(' '));
      assert.match(stderr, /^bench: --mesh-only, --overload-only, --java-only, --container-only and --skip-mesh go alone\n/);
    }
  });

  it('prints the usage for --help and exits 0', async () => {
    const { code, stdout } = await bench('--help');
    assert.equal(code, 0);
    assert.match(
      stdout,
      /^usage: .* \[--quick\] \[--out DIR\] \[--mesh-only \| --overload-only \| --java-only \| --container-only \| --skip-mesh\]\n {2}--quick /,
    );
  });
});
