// Each service image, built from the one Dockerfile and run as OpenShift would: arbitrary UID in group 0, read-only root.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO_ROOT, SERVICES } from '@mesh-demo/workspace';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';
import { docker, imageOf, inspect } from './support/docker.ts';

const ARBITRARY_USER = '1000770000:0';
const BASE_IMAGE = 'node:24-slim';
const containers: string[] = [];

after(async () => {
  for (const name of containers) await docker(['rm', '--force', name]).catch(() => {});
});

/** The service package's `start` script, e.g. `node dist/main.js`, as argv. */
function startScript(service: string): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'services', service, 'package.json'), 'utf8'));
  return String(manifest.scripts.start).trim().split(/\s+/);
}

/** Every container and image of the engine, stopped and untagged ones included. */
async function engineObjects(): Promise<{ containers: string[]; images: string[] }> {
  const ids = async (args: string[]) => (await docker(args)).stdout.split('\n').filter(Boolean).sort();
  return {
    containers: await ids(['ps', '--all', '--quiet', '--no-trunc']),
    images: await ids(['image', 'ls', '--all', '--quiet', '--no-trunc']),
  };
}

test('the Dockerfile refuses a build without a known SERVICE, naming the four it takes, and leaves nothing behind', async () => {
  const before = await engineObjects();
  // --force-rm: the classic builder would otherwise keep the failed step's container (BuildKit keeps none anyway).
  await assert.rejects(
    docker(['build', '-q', '--force-rm', '--build-arg', 'SERVICE=nope', '-t', 'mesh-demo/nope:dev', REPO_ROOT]),
    // The message as the step printed it, on a line of its own (BuildKit prefixes "#<step> <seconds> "); the echoed
    // command line, which holds the same words, does not count.
    /^(#\d+ [\d.]+ )?build arg SERVICE must be one of customer, partner, preference, recommendation \(got 'nope'\)$/m,
  );
  await assert.rejects(docker(['image', 'inspect', 'mesh-demo/nope:dev']), /No such image/);
  assert.deepEqual(await engineObjects(), before, 'no container or image of the failed build is left');
});

for (const service of SERVICES) {
  describe(`${service} image`, () => {
    const image = imageOf(service);
    const container = `mesh-demo-e2e-${service}`;
    containers.push(container);

    test('builds from the one Dockerfile with SERVICE as a build argument', { timeout: 15 * 60_000 }, async () => {
      await docker(['build', '-q', '--build-arg', `SERVICE=${service}`, '-t', image, REPO_ROOT]);
      const labels = (await inspect(image)).Config.Labels as Record<string, string>;
      assert.equal(labels['org.opencontainers.image.title'], `mesh-demo-${service}`);
    });

    test("runs the package's start script in exec form (node is the command, no shell), as a numeric non-root user", async () => {
      const { Config } = await inspect(image);
      assert.deepEqual(Config.Cmd, startScript(service));
      assert.equal(Config.Entrypoint, null);
      assert.match(Config.User, /^[1-9][0-9]*$/);
    });

    test('holds the bundled service only: its package.json and dist/bundle, no node_modules, TypeScript or pnpm', async () => {
      const { stdout } = await docker([
        'run',
        '--rm',
        '--network',
        'none',
        image,
        'node',
        '-e',
        "const fs = require('node:fs'); console.log(JSON.stringify({ top: fs.readdirSync('.'), dist: fs.readdirSync('dist'), bundle: fs.readdirSync('dist/bundle') }))",
      ]);
      const { top, dist, bundle } = JSON.parse(stdout) as { top: string[]; dist: string[]; bundle: string[] };
      assert.deepEqual(top.sort(), ['dist', 'package.json']);
      assert.deepEqual(dist, ['bundle']);
      // The two entries of the start script, the Jaeger exporter's own CommonJS bundle with the Thrift IDL it reads at
      // run time (under node_modules/exporter-jaeger) and V8's compiled code for them all (compile-cache); the rest are
      // the chunks the entries share or import lazily (the SDK, each exporter), all JavaScript.
      const named = ['compile-cache', 'main.js', 'node_modules', 'package.json', 'register.js'];
      assert.deepEqual(bundle.filter((entry) => named.includes(entry)).sort(), named);
      const chunks = bundle.filter((entry) => !named.includes(entry));
      assert.ok(chunks.length > 0, 'the SDK and exporters are chunks of their own');
      assert.deepEqual(
        chunks.filter((entry) => !/^[\w-]+-[A-Z0-9]{8}\.js$/.test(entry)),
        [],
        'everything else is a hashed JavaScript chunk',
      );
    });

    test('starts from the compiled code its build cached, as its own user (1000)', async () => {
      const name = `${container}-cache`;
      containers.push(name);
      await docker(['rm', '--force', name]).catch(() => {});
      const env = ['NODE_DEBUG_NATIVE=COMPILE_CACHE', 'SHUTDOWN_DELAY_MS=0', 'OTEL_TRACES_EXPORTER=none'];
      await docker(['run', '--detach', '--name', name, '--network', 'none', '--read-only', ...env.flatMap((e) => ['--env', e]), image]);
      await until(
        `${service} listening`,
        async () => /"msg":"listening on/.test((await docker(['logs', name])).stdout) || undefined,
        60_000,
        250,
      );
      await docker(['kill', '--signal', 'SIGTERM', name]);
      await until(`${service} to exit`, async () => ((await inspect(name)).State.Running ? undefined : true), 20_000, 250);
      const { stderr } = await docker(['logs', name]);
      assert.match(stderr, /V8 code cache for ESM file:\/\/\/app\/dist\/bundle\/main\.js was accepted/);
      assert.doesNotMatch(stderr, /was rejected|Cannot create cache directory|permission denied/);
      await docker(['rm', '--force', name]);
    });

    test(`adds little to ${BASE_IMAGE} (the build stage and its tooling stay behind)`, async (t) => {
      const size = (await inspect(image)).Size as number;
      const base = (await inspect(BASE_IMAGE)).Size as number;
      const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
      t.diagnostic(`${image}: ${mb(size)} MB, of which ${mb(size - base)} MB on top of ${BASE_IMAGE}`);
      assert.ok(size - base < 50e6, `the service layers are ${mb(size - base)} MB; expected under 50 MB`);
    });

    test(`serves as user ${ARBITRARY_USER} with a read-only root filesystem`, async () => {
      await docker(['rm', '--force', container]).catch(() => {});
      await docker([
        'run',
        '--detach',
        '--name',
        container,
        '--read-only',
        '--user',
        ARBITRARY_USER,
        '--publish',
        '127.0.0.1::8080',
        '--publish',
        '127.0.0.1::9000',
        // The downstream, if any, is a closed port inside the container: no DNS look-up or traffic leaves it.
        '--env',
        `${service === 'preference' ? 'RECOMMENDATION' : 'PREFERENCE'}_URL=http://127.0.0.1:9`,
        '--env',
        'SHUTDOWN_DELAY_MS=0',
        image,
      ]);
      const ports = (await inspect(container)).NetworkSettings.Ports as Record<string, { HostIp: string; HostPort: string }[]>;
      const publicUrl = `http://127.0.0.1:${ports['8080/tcp']![0]!.HostPort}`;
      const managementUrl = `http://127.0.0.1:${ports['9000/tcp']![0]!.HostPort}`;
      await until(
        `${service} ready at ${managementUrl}`,
        async () => ((await get(`${managementUrl}/health/ready`)).status === 200 ? true : undefined),
        60_000,
        250,
      );
      const { body } = await get(`${publicUrl}/`);
      assert.match(body, new RegExp(`^${service} v1 `));
      const metrics = await get(`${managementUrl}/metrics`);
      assert.equal(metrics.status, 200);
      const { stdout: id } = await docker(['exec', container, 'id', '-u']);
      assert.equal(id.trim(), ARBITRARY_USER.split(':')[0]);
    });

    test('exits 0 promptly on SIGTERM, node itself being PID 1', async () => {
      const { stdout: pid1 } = await docker(['exec', container, 'cat', '/proc/1/cmdline']);
      assert.deepEqual(pid1.split('\0').filter(Boolean), startScript(service));
      await docker(['kill', '--signal', 'SIGTERM', container]);
      // A PID 1 that ignored SIGTERM would run on until this gives up (docker stop would SIGKILL it: exit 137).
      const state = await until(
        `${service} to exit after SIGTERM`,
        async () => {
          const { State } = await inspect(container);
          return State.Running ? undefined : State;
        },
        20_000,
        250,
      );
      assert.equal(state.ExitCode, 0);
      assert.equal(state.OOMKilled, false);
      const { stdout, stderr } = await docker(['logs', container]);
      assert.match(stdout, /"signal":"SIGTERM"/);
      assert.match(stdout, /"msg":"stopped"/);
      // An arbitrary UID finds no compile cache of its own and cannot write one on the read-only filesystem: Node then
      // parses as without a cache, and says nothing.
      assert.equal(stderr, '');
    });
  });
}
