// The README's "Run it in containers" quick start, line by line, with Compose v2: each command succeeds and each curl
// answers exactly what its comment shows. Only the host ports and the project name differ from a reader's run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { get } from '../support/http.ts';
import { DEFAULT_PORTS, engineVolumes, hostnameOf, projectResources, type Stack, stack } from './support/compose-stack.ts';

const PROJECT = 'mesh-demo-e2e-quick-start';
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first ```sh block under "## Run it in containers": [command, comment] per line. */
function quickStart(): [string, string][] {
  const section = README.slice(README.indexOf('\n## Run it in containers\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(section.length < README.length && block, 'README.md has a ```sh block under "## Run it in containers"');
  return block
    .trimEnd()
    .split('\n')
    .map((line) => {
      const [command, comment = ''] = line.split(/\s+#\s/, 2);
      return [command!.trim(), comment.trim()];
    });
}

// Whatever the line says, from the port the reader would use to the one this run moved it to.
const varOfPort = new Map([...DEFAULT_PORTS].map(([name, port]) => [port, name]));

let s: Stack;
let volumesBefore: Set<string>;

before(async () => {
  s = await stack(PROJECT);
  await s.compose(['--profile', 'v2', 'down', '--volumes']);
  volumesBefore = await engineVolumes();
});

after(async () => {
  await s.compose(['--profile', 'v2', 'down', '--volumes']).catch(() => {});
});

test('the quick start runs as written, each curl answering exactly what its comment shows', { timeout: 20 * 60_000 }, async (t) => {
  const lines = quickStart();
  assert.ok(
    lines.some(([command]) => command.startsWith('docker compose ')),
    'the quick start uses `docker compose`',
  );
  for (const [command, comment] of lines) {
    const words = command.split(/\s+/);
    if (command.startsWith('docker compose ')) {
      await s.compose(words.slice(2));
      if (words.includes('down')) {
        assert.deepEqual(await projectResources(PROJECT), { containers: [], networks: [], volumes: [] }, `left behind: ${command}`);
        assert.deepEqual(
          [...(await engineVolumes())].filter((volume) => !volumesBefore.has(volume)),
          [],
          `volumes left: ${command}`,
        );
      }
    } else if (/^curl localhost:\d+$/.test(command)) {
      const name = varOfPort.get(Number(command.split(':')[1]));
      assert.ok(name, `${command}: docker-compose.yml publishes no such port`);
      const { status, body } = await get(s.url(name));
      assert.equal(status, 200, `${command} answered ${status}: ${body}`);
      // '<container id>' is the container that answered last in the chain: the hostname Docker gave it.
      const last = / (recommendation|customer|partner|preference) (v\d) from '/.exec(body) ?? /^(\w+) (v\d) from '/.exec(body);
      assert.ok(last, `${command}: ${body}`);
      const service = last[2] === 'v1' ? last[1]! : `${last[1]}-${last[2]}`;
      assert.equal(body.trimEnd(), comment.replace('<container id>', await hostnameOf(PROJECT, service)), command);
    } else if (command.startsWith('./pnpmw images push ')) {
      t.diagnostic(`not run here (a registry of the reader's): ${command}; registry-push.test.ts runs it against a real one`);
    } else {
      assert.fail(`the quick start has a line this test does not know how to run: ${command}`);
    }
  }
});
