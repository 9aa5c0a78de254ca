// Every CLI's one parser: usage and exit 2 for a wrong command line, help on stdout, one line for a failure, pass-through.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type Command, CommandError, type CommandSet, defineCommand, runCommand, runEntry } from '../src/command.ts';

let out: string[] = [];
let err: string[] = [];
const real = { log: console.log, error: console.error };

beforeEach(() => {
  out = [];
  err = [];
  console.log = (line: string) => void out.push(line);
  console.error = (line: string) => void err.push(line);
});
afterEach(() => {
  console.log = real.log;
  console.error = real.error;
});

const seen: unknown[] = [];
const greet = defineCommand({
  name: 'greet',
  summary: 'says hello',
  synopsis: '[NAME] [-n TIMES] [--loud]',
  details: (command) => `  -n TIMES   how often (e.g. ${command} -n 2)`,
  positionals: true,
  options: { n: { type: 'string', short: 'n' }, loud: { type: 'boolean' } },
  run({ values, positionals, fail }) {
    if (positionals.length > 1) fail(`one NAME at most (got ${positionals.join(' ')})`);
    if (positionals[0] === 'boom') throw new CommandError('the greeting failed');
    if (positionals[0] === 'bug') throw new TypeError('x is not a function');
    seen.push({ values: { ...values }, positionals });
    return values.loud ? 3 : undefined;
  },
});
const as = { cli: 'greet', typed: './pnpmw greet' };

describe('runCommand', () => {
  it('runs the command with its parsed options and returns its exit code (0 when it returns nothing)', async () => {
    assert.equal(await runCommand(greet, ['ada', '-n', '2'], as), 0);
    assert.deepEqual(seen.at(-1), { values: { n: '2' }, positionals: ['ada'] });
    assert.equal(await runCommand(greet, ['--loud'], as), 3);
  });

  it('prints the usage on stdout for --help and -h, exit 0, without running', async () => {
    const before = seen.length;
    assert.equal(await runCommand(greet, ['--help'], as), 0);
    assert.equal(await runCommand(greet, ['-h', 'ada'], as), 0);
    assert.equal(seen.length, before);
    assert.equal(out[0], 'usage: ./pnpmw greet [NAME] [-n TIMES] [--loud]\n  -n TIMES   how often (e.g. ./pnpmw greet -n 2)');
    assert.deepEqual(err, []);
  });

  it("refuses an unknown option with '<cli>: unknown option' and the usage, exit 2", async () => {
    assert.equal(await runCommand(greet, ['--bogus'], as), 2);
    assert.deepEqual(err[0]?.split('\n').slice(0, 2), [
      "greet: unknown option '--bogus'",
      'usage: ./pnpmw greet [NAME] [-n TIMES] [--loud]',
    ]);
  });

  it('names a missing value and a stray argument of a command that takes none', async () => {
    assert.equal(await runCommand(greet, ['-n'], as), 2);
    assert.match(err[0]!, /^greet: -n wants a value\n/);
    const bare = defineCommand({ name: 'bare', summary: '', synopsis: '', options: {}, run: () => 0 });
    assert.equal(await runCommand(bare, ['now'], { cli: 'bare', typed: 'bare' }), 2);
    assert.match(err[1]!, /^bare: unexpected argument 'now'\nusage: bare$/);
  });

  it("reports the command's own refusal like a parse error: its message and the usage, exit 2", async () => {
    assert.equal(await runCommand(greet, ['a', 'b'], as), 2);
    assert.match(err[0]!, /^greet: one NAME at most \(got a b\)\nusage: /);
  });

  it('reports a failure in one line, exit 1, with no stack even when debugging', async () => {
    assert.equal(await runCommand(greet, ['boom'], { ...as, debug: true }), 1);
    assert.deepEqual(err, ['greet: the greeting failed']);
  });

  it('reports an unexpected error in one line too, its stack only when debugging', async () => {
    assert.equal(await runCommand(greet, ['bug'], as), 1);
    assert.deepEqual(err, ['greet: x is not a function']);
    assert.equal(await runCommand(greet, ['bug'], { ...as, debug: true }), 1);
    assert.match(err[2]!, /^TypeError: x is not a function\n\s+at /);
  });

  it('hands everything after -- to a pass-through command unparsed', async () => {
    let got: unknown;
    const exec = defineCommand({
      name: 'exec',
      summary: '',
      synopsis: 'POD -- CMD...',
      positionals: true,
      passThrough: true,
      options: {},
      run: ({ positionals, passThrough }) => {
        got = { positionals, passThrough };
        return 0;
      },
    });
    assert.equal(await runCommand(exec, ['pod-1', '--', 'ls', '--help', '-la'], as), 0);
    assert.deepEqual(got, { positionals: ['pod-1'], passThrough: ['ls', '--help', '-la'] });
  });
});

describe('runEntry with a set of commands', () => {
  const set: CommandSet = { name: 'tool', summary: '', commands: [greet as Command], footer: 'NAME is anyone' };

  it('prints the index for no command and for help, exit 0', async () => {
    assert.equal(await runEntry(set, []), 0);
    assert.equal(await runEntry(set, ['help']), 0);
    assert.match(out[0]!, /^usage: .* <command>\n {2}greet \[NAME\] \[-n TIMES\] \[--loud\] {3}says hello\nNAME is anyone$/);
  });

  it('refuses an unknown command with the index, exit 2', async () => {
    assert.equal(await runEntry(set, ['wave']), 2);
    assert.match(err[0]!, /^tool: unknown command wave\nusage: /);
  });

  it("runs a command, prefixing its messages with the set's name and its usage with the command", async () => {
    assert.equal(await runEntry(set, ['greet', '--bogus']), 2);
    assert.match(err[0]!, /^tool: unknown option '--bogus'\nusage: .* greet \[NAME\]/);
  });
});
