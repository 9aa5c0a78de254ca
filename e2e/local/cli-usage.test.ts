// The local CLIs as typed: a wrong option gets the usage and exit 2 (no stack, no pnpm noise), naming the command as typed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEVTOOLS_COMMANDS } from '@mesh-demo/devtools';
import { MESH } from '@mesh-demo/mesh';
import { REPO_ROOT, TOOLS_BIN } from '@mesh-demo/workspace';
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

  it('./pnpmw run from elsewhere than the repository root says where to run it, and exits 2 (pnpm alone said nothing with -s)', async () => {
    const root = REPO_ROOT.replace(/\/$/, '');
    for (const dir of ['/', join(root, 'e2e')]) {
      const elsewhere = await run('bash', ['-c', `cd ${dir} && ${join(root, 'pnpmw')} -s token`]);
      assert.equal(elsewhere.code, 2, dir);
      assert.equal(elsewhere.stdout, '');
      assert.equal(elsewhere.stderr, `pnpmw: run it from the repository root: cd ${root} && ./pnpmw -s token\n`);
    }
    // The control: the same line from the root mints a token.
    const atRoot = await run('bash', ['-c', `cd ${root} && ./pnpmw -s token`]);
    assert.equal(atRoot.code, 0, atRoot.stderr);
    assert.match(atRoot.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

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
    const { code, stderr } = await run(process.execPath, ['packages/devtools/src/main.ts', 'fault', '--bogus'], {
      PNPMW_AS: '',
      npm_lifecycle_event: '',
    });
    assert.equal(code, 2, stderr);
    assert.match(stderr, /^usage: node packages\/devtools\/src\/main\.ts fault SERVICE\|--url URL/m);
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

describe('the one list of commands', () => {
  // pnpmw and package.json share it: a command is a script that runs a CLI entry (`exec node ... packages/*/src/main.ts`).
  const scripts = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const commands = Object.entries(scripts)
    .filter(([, body]) => /^exec node [^"]*packages\/[a-z]+\/src\/main\.ts/.test(body))
    .map(([name]) => name);

  it("is package.json's CLI scripts, and holds devtools' registry and the mesh", () => {
    assert.deepEqual([...commands].sort(), [...Object.keys(DEVTOOLS_COMMANDS), MESH.name].sort());
  });

  for (const name of commands) {
    it(`./pnpmw ${name} --help prints its usage, exit 0; --bogus is refused the same way as everywhere, exit 2`, async () => {
      const help = await run('./pnpmw', [name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^usage: \\./pnpmw ${name}( |$)`, 'm'));
      const bogus = await run('./pnpmw', [name, '--bogus']);
      assert.equal(bogus.code, 2, bogus.stderr);
      assert.match(bogus.stderr, new RegExp(`^${name}: unknown option '--bogus'\\nusage: \\./pnpmw ${name} `));
    });
  }

  // kubectl, helm and istioctl take every argument as theirs, --help included (rawArgs): their help is the tool's own. A run
  // directory of the test's own stands for the machine's, since a mesh of another checkout may be running on this one.
  for (const command of MESH.commands.filter((c) => c.rawArgs)) {
    it(`./pnpmw mesh ${command.name} hands --help to the tool, names the tool if it is not built, says so when no mesh runs`, async () => {
      const listed = await run('./pnpmw', ['mesh', '--help']);
      assert.match(listed.stdout, new RegExp(`^  ${command.name} +\\S`, 'm'), listed.stdout);
      const runDir = await mkdtemp(join(tmpdir(), 'mesh-run-'));
      try {
        const none = await run('./pnpmw', ['mesh', command.name, '--help'], { MESH_DEMO_RUN_DIR: runDir });
        assert.equal(none.code, 1, none.stderr);
        assert.equal(none.stderr, 'mesh: no local mesh is running (start one with ./pnpmw mesh up)\n');
        await writeFile(join(runDir, 'kubeconfig'), '');
        const help = await run('./pnpmw', ['mesh', command.name, '--help'], { MESH_DEMO_RUN_DIR: runDir });
        if (existsSync(join(TOOLS_BIN, command.name))) {
          assert.equal(help.code, 0, help.stderr);
          assert.doesNotMatch(help.stdout, /^usage: \.\/pnpmw mesh /m, "the tool's help, not the wrapper's");
        } else {
          assert.equal(help.code, 1, help.stderr);
          assert.equal(help.stderr, `mesh: ${command.name} is not built in this checkout (./pnpmw mesh tools builds it)\n`);
        }
      } finally {
        await rm(runDir, { recursive: true, force: true });
      }
    });
  }

  for (const command of MESH.commands.filter((c) => !c.rawArgs)) {
    it(`./pnpmw mesh ${command.name} --help prints its own usage; an unknown option of it is refused, exit 2`, async () => {
      const help = await run('./pnpmw', ['mesh', command.name, '--help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^usage: \\./pnpmw mesh ${command.name}( |$)`, 'm'));
      const bogus = await run('./pnpmw', ['mesh', command.name, '--bogus']);
      assert.equal(bogus.code, 2, bogus.stderr);
      assert.match(bogus.stderr, new RegExp(`^mesh: unknown option '--bogus'\\nusage: \\./pnpmw mesh ${command.name}( |$)`, 'm'));
    });
  }
});
