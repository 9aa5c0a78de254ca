// `./pnpmw start` as the README tells people to run it: its run-locally lines one by one with the answers they show,
// a version beside the running chain, a taken port, and one service alone; all on the README's fixed ports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { defaultInstances, portIsFree, REPO_ROOT } from '@mesh-demo/workspace';
import { CURL_STAND_IN, exitOf, type Running, run, start } from '../support/cli.ts';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';

// The chain's ports and the first pair `--with` takes.
const PORTS = [...defaultInstances().flatMap((i) => [i.port, i.managementPort]), 8084, 9084];
async function busyPorts(): Promise<number[]> {
  const free = await Promise.all(PORTS.map(portIsFree));
  return PORTS.filter((_, index) => !free[index]);
}

// Where `node` is this suite's (README: Node >= 22.19).
const ENV = { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, OTEL_TRACES_EXPORTER: 'none' };

/** A README line: the command, and what its comment says (an answer when it starts like one). */
interface Line {
  readonly command: string;
  readonly comment: string | undefined;
}

/** The README's section from `heading` to the next heading: the lines of its sh blocks, and its plain blocks' text. */
function readmeSection(heading: string): { blocks: Line[][]; plain: string[] } {
  const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  const from = lines.indexOf(heading);
  assert.ok(from >= 0, `README has ${heading}`);
  const blocks: Line[][] = [];
  const plain: string[] = [];
  let fence: { lang: string; body: string[] } | undefined;
  for (const text of lines.slice(from + 1)) {
    if (!fence && /^#{2,3} /.test(text)) break;
    if (!fence && text.startsWith('```')) fence = { lang: text.slice(3), body: [] };
    else if (fence && text === '```') {
      if (fence.lang === 'sh') blocks.push(fence.body.map(splitComment));
      if (fence.lang === '') plain.push(`${fence.body.join('\n')}\n`);
      fence = undefined;
    } else fence?.body.push(text);
  }
  return { blocks, plain };
}

function splitComment(text: string): Line {
  const at = text.search(/\s{2,}# /);
  return at < 0
    ? { command: text.trim(), comment: undefined }
    : { command: text.slice(0, at).trim(), comment: text.slice(at).replace(/^\s+# /, '') };
}

const looksLikeAnswer = (comment: string | undefined): comment is string =>
  comment !== undefined && /^(customer|partner|preference|recommendation) v\d/.test(comment);

const bash = (command: string, cwd = REPO_ROOT) =>
  run('bash', ['-c', `${CURL_STAND_IN}cd ${JSON.stringify(cwd)} && ${command}`], ENV, 90_000);
// The terminal's shell stays the parent, as when a person types the line: Ctrl-C reaches the whole group.
const inTerminal = (command: string, cwd = REPO_ROOT) => start('bash', ['-c', `cd ${JSON.stringify(cwd)} && ${command}`], ENV);

describe('./pnpmw start', () => {
  const running: Running[] = [];
  // After each test, so one that failed half-way leaves no port taken for the next.
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.end()));
  });
  async function stop(r: Running, what: string): Promise<void> {
    r.interrupt();
    assert.equal(await exitOf(r, `${what} to exit after Ctrl-C`), 0, r.output());
    assert.doesNotMatch(r.output(), /ELIFECYCLE/);
  }

  it("runs the README's run-locally lines one by one, each giving what the README shows, the v2 beside the running chain", async () => {
    assert.deepEqual(await busyPorts(), [], 'the README ports must be free');
    const { blocks, plain } = readmeSection('## Run the demo locally');
    const [main, beside] = blocks;
    assert.ok(main && beside, 'the section has the chain block and the --with block');
    const loopSummary = plain[0];
    assert.ok(loopSummary, 'the section shows what a loop ends with');

    const starts: Running[] = [];
    for (const line of [...main, ...beside]) {
      const what = `README line \`${line.command}\``;
      if (line.command.startsWith('./pnpmw start')) {
        const started = inTerminal(line.command);
        running.push(started);
        starts.push(started);
        await started.waitFor(/ (is|are) up( beside the running chain)?:\n/, `${what} to be up`, 90_000);
        if (line.command.includes('--with'))
          assert.match(
            started.output(),
            /recommendation v2 is up beside the running chain:\n {2}recommendation v2 {2}http:\/\/127\.0\.0\.1:8084 {2}\(management 9084\)\n/,
          );
        // The banner's hints name the commands as the person typed them: ./pnpmw, not pnpm.
        else assert.match(started.output(), /mesh-demo is up:\n[\s\S]*\n {2}\.\/pnpmw loop +# a numbered curl loop/);
      } else if (line.command === './pnpmw loop') {
        const loop = inTerminal(line.command);
        running.push(loop);
        await loop.waitFor(/^#2 200 /m, `${what} to answer twice`);
        await stop(loop, what);
        assert.match(loop.output(), /\n\d+ requests, \d+ ok\n {2}customer {8}v1 \d+ \(100%\)\n/);
      } else {
        const { code, stdout, stderr } = await bash(line.command);
        assert.equal(code, 0, `${what}: ${stderr}`);
        if (looksLikeAnswer(line.comment)) assert.equal(stdout.trimEnd(), line.comment, what);
        if (line.command.startsWith('./pnpmw loop -n'))
          assert.ok(stdout.endsWith(`\n${loopSummary}`), `${what} ends with the README's summary:\n${loopSummary}\ngot:\n${stdout}`);
        if (line.command.includes('application/json')) assert.equal(JSON.parse(stdout).chain.length, 3, what);
      }
    }

    // With the chain and the v2 up: another plain start says so in one line; Ctrl-C on the v2 leaves the chain running.
    const again = await run('./pnpmw', ['start']);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      'start: the chain (8080-8083) is already running; to start another version beside it: ./pnpmw start --with recommendation:v2\n',
    );
    const [chain, v2] = starts;
    assert.equal(starts.length, 2, 'the README starts the chain, then the v2');
    await stop(v2!, 'the v2 beside the chain');
    assert.match((await get('http://127.0.0.1:8080/')).body, /^customer v1 => /, 'the chain still answers');
    await stop(chain!, 'the chain');
    assert.deepEqual(await busyPorts(), [], 'nothing listens any more');
  });

  it('names a port another program holds, in one line, and starts nothing', async (t) => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(8082, '127.0.0.1', resolve));
    t.after(() => squatter.close());
    const { code, stdout, stderr } = await run('./pnpmw', ['start']);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      'start: port 8082 is in use by another program (another ./pnpmw start, ./pnpmw mesh up, docker compose?); stop it first\n',
    );
    squatter.close();
    await until('the squatter to let go of 8082', async () => (await portIsFree(8082)) || undefined, 5000);
    assert.deepEqual(await busyPorts(), [], 'nothing was started');
  });

  it('runs one service alone, by name and by the documented node command', async () => {
    const { blocks } = readmeSection('## Run the demo locally');
    const alone = blocks.find((b) => b[0]?.command === './pnpmw start recommendation');
    assert.ok(alone, 'the README shows ./pnpmw start recommendation');
    const named = inTerminal(alone[0]!.command);
    running.push(named);
    await named.waitFor(
      /recommendation v1 is up:\n {2}recommendation v1 {2}http:\/\/127\.0\.0\.1:8083 {2}\(management 9083\)\n/,
      'recommendation alone to be up',
      90_000,
    );
    assert.equal((await get('http://127.0.0.1:8083/')).body, "recommendation v1 from 'recommendation-v1-local': 1\n");
    assert.equal(await portIsFree(8082), true, 'nothing else was started');
    await stop(named, 'recommendation alone');

    assert.equal(alone[1]?.command, './pnpmw start preference recommendation');
    const two = inTerminal(alone[1]!.command);
    running.push(two);
    await two.waitFor(/preference v1, recommendation v1 are up:\n/, 'preference and recommendation to be up', 90_000);
    assert.equal((await get('http://127.0.0.1:8082/')).body, "preference v1 => recommendation v1 from 'recommendation-v1-local': 1\n");
    assert.equal(await portIsFree(8080), true, 'customer was not started');
    await stop(two, 'preference and recommendation');

    const raw = blocks.find((b) => b[0]?.command.startsWith('cd services/'));
    assert.ok(raw && raw.length === 2, 'the README shows the node command and where to run it');
    const service = inTerminal(raw[1]!.command, join(REPO_ROOT, raw[0]!.command.slice(3)));
    running.push(service);
    await until(
      'the documented node command to serve 8083',
      async () => (await get('http://127.0.0.1:8083/')).status === 200 || undefined,
      30_000,
    );
    assert.match((await get('http://127.0.0.1:9083/health/ready')).body, /"UP"/);
    // Ctrl-C on a service in a terminal: graceful (readiness 503 for SHUTDOWN_DELAY_MS), then exit 0.
    service.interrupt();
    assert.equal(await exitOf(service, 'the node command to exit after Ctrl-C', 20_000), 0, service.output());
    assert.deepEqual(await busyPorts(), []);
  });
});
