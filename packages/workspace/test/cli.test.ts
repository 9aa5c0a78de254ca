// The CLIs' shared edge: the command named as the user typed it, and parseArgs errors as one line for people.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { argsProblem, commandName } from '../src/cli.ts';

const argv = [process.execPath, `${process.cwd()}/packages/devtools/src/loop.ts`];
const underPnpm = { npm_lifecycle_event: 'loop', npm_config_user_agent: 'pnpm/10.34.9 npm/? node/v24.0.0 linux x64' };

describe('commandName', () => {
  it('is the wrapper as typed when the wrapper is our parent (its pnpm kept its pid)', () => {
    assert.equal(commandName('loop', { ...underPnpm, PNPMW_AS: './pnpmw', PNPMW_PID: '4242' }, 4242, argv), './pnpmw loop');
    assert.equal(commandName('loop', { ...underPnpm, PNPMW_AS: '../pnpmw', PNPMW_PID: '4242' }, 4242, argv), '../pnpmw loop');
  });

  it('is pnpm when a plain pnpm runs the script, even below a wrapper that set the variables further up', () => {
    assert.equal(commandName('loop', underPnpm, 4242, argv), 'pnpm loop');
    assert.equal(commandName('loop', { ...underPnpm, PNPMW_AS: './pnpmw', PNPMW_PID: '1000' }, 4242, argv), 'pnpm loop');
  });

  it('is npm run under npm, and the node command line without a package manager', () => {
    assert.equal(
      commandName('loop', { npm_lifecycle_event: 'loop', npm_config_user_agent: 'npm/10.9.0 node/v24.0.0' }, 1, argv),
      'npm run loop',
    );
    assert.equal(commandName('loop', {}, 1, argv), 'node packages/devtools/src/loop.ts');
  });
});

describe('argsProblem', () => {
  const problem = (args: string[]) => {
    try {
      parseArgs({
        args,
        allowPositionals: false,
        options: { n: { type: 'string', short: 'n' }, url: { type: 'string' }, raw: { type: 'boolean' } },
      });
    } catch (error) {
      return argsProblem(error);
    }
    return 'no error';
  };

  it('keeps the first sentence of an unknown option, without the advice on --', () => {
    assert.equal(problem(['--bogus']), "unknown option '--bogus'");
  });

  it('says which option wants a value, by the name the user would type', () => {
    assert.equal(problem(['-n']), '-n wants a value');
    assert.equal(problem(['--url']), '--url wants a value');
  });

  it('names a stray argument and a value given to a flag', () => {
    assert.equal(problem(['extra']), "unexpected argument 'extra'");
    assert.match(problem(['--raw=yes']), /^option '--raw' does not take an argument/);
  });
});
