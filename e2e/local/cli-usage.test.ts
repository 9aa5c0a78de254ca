// The local CLIs as typed: a wrong option gets the usage and exit 2 (no stack, no pnpm noise), naming the command as typed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainPnpm, run } from '../support/cli.ts';

const CLIS = ['start', 'loop', 'fault', 'soak', 'token'] as const;

describe('a wrong option', () => {
  for (const cli of CLIS) {
    it(`./pnpmw ${cli} --bogus prints what is wrong and the usage naming ./pnpmw ${cli}, and exits 2`, async () => {
      const { code, stdout, stderr } = await run('./pnpmw', [cli, '--bogus']);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      const [first, second] = stderr.split('\n');
      assert.equal(first, `${cli}: unknown option '--bogus'`);
      assert.match(second!, new RegExp(`^usage: \\./pnpmw ${cli}( |$)`));
      assert.doesNotMatch(stderr, /^\s+at |ERR_PARSE_ARGS|ELIFECYCLE|^> /m, 'no stack trace, no pnpm banner or failure line');
    });
  }

  it('a missing value and a stray argument are usage errors too', async () => {
    const missing = await run('./pnpmw', ['loop', '-n']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.split('\n')[0], 'loop: -n wants a value');
    const stray = await run('./pnpmw', ['soak', 'now']);
    assert.equal(stray.code, 2);
    assert.equal(stray.stderr.split('\n')[0], "soak: unexpected argument 'now'");
    const unknownService = await run('./pnpmw', ['start', 'cart']);
    assert.equal(unknownService.code, 2);
    assert.equal(
      unknownService.stderr.split('\n')[0],
      'start: unknown service "cart": one of customer, partner, preference, recommendation',
    );
  });

  it('under plain pnpm the usage says pnpm, with the same exit code 2', async () => {
    const [command, args] = plainPnpm();
    const { code, stderr } = await run(command, [...args, 'loop', '--bogus']);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^loop: unknown option '--bogus'\nusage: pnpm loop \[URL\]/m);
  });

  it('run by node directly the usage gives the node command line', async () => {
    const { code, stderr } = await run(process.execPath, ['packages/devtools/src/fault.ts', '--bogus'], {
      PNPMW_AS: '',
      npm_lifecycle_event: '',
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^usage: node packages\/devtools\/src\/fault\.ts SERVICE\|--url URL/m);
  });
});

describe('--help', () => {
  for (const cli of CLIS) {
    it(`./pnpmw ${cli} --help prints the usage on stdout and exits 0`, async () => {
      const { code, stdout, stderr } = await run('./pnpmw', [cli, '--help']);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^usage: \\./pnpmw ${cli}( |$)`));
      assert.equal(stderr, '');
    });
  }
});
