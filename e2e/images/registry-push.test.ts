// `./pnpmw images push` for real: four images into a real registry, pulled back by digest into a clean engine, run as the chain.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort, REPO_ROOT, SERVICES, type ServiceName } from '@mesh-demo/workspace';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';
import { docker, inspect } from './support/docker.ts';

// The CI images part starts Debian's docker-registry here (MESH_REGISTRY); docker speaks plain HTTP to 127.0.0.0/8.
const REGISTRY_HOST = process.env.MESH_REGISTRY ?? '127.0.0.1:5000';
const REGISTRY = `${REGISTRY_HOST}/mesh-demo`;
// A tag of this run alone: nothing an earlier run pushed or built can stand in for what this run checks.
const TAG = `e2e-${randomBytes(4).toString('hex')}`;
const NETWORK = 'mesh-demo-e2e-reg';
const containerOf = (service: ServiceName) => `mesh-demo-e2e-reg-${service}`;
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI, run from the repo root as a person runs it (`./pnpmw`, which its usage repeats); resolves with its exit code instead of throwing. */
function pnpmw(args: readonly string[], timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve) => {
    execFile('./pnpmw', args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

const registryApi = (path: string, accept?: string) =>
  fetch(`http://${REGISTRY_HOST}/v2/${path}`, { ...(accept && { headers: { accept } }), signal: AbortSignal.timeout(10_000) });

async function removeLeftovers(): Promise<void> {
  for (const service of SERVICES) await docker(['rm', '--force', containerOf(service)]).catch(() => {});
  await docker(['network', 'rm', NETWORK]).catch(() => {});
}

describe('images push refuses a wrong invocation before touching any engine', () => {
  test('an unknown option exits 2 with the usage, and no stack trace', async () => {
    const { code, stdout, stderr } = await pnpmw(['-s', 'images', 'push', '--registry', REGISTRY, '--bogus']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.equal(stderr.split('\n')[0], "images: unknown option '--bogus'");
    assert.match(stderr, /^usage: \.\/pnpmw images push --registry REGISTRY \[--tag TAG\] \[--engine docker\|podman\]$/m);
    assert.doesNotMatch(stderr, /^\s+at /m);
  });

  test('an unknown command exits 2 with the usage', async () => {
    const { code, stderr } = await pnpmw(['-s', 'images', 'pull', '--registry', REGISTRY]);
    assert.equal(code, 2);
    assert.equal(stderr.split('\n')[0], 'images: unknown command pull');
    assert.match(stderr, /^usage: /m);
  });

  test('a registry with a scheme, a tag or no host is refused in one line, exit 2', async () => {
    for (const [registry, why] of [
      [`https://${REGISTRY}`, `no scheme, please: give ${REGISTRY}`],
      [`${REGISTRY}:v1`, 'takes no tag; give the tag as --tag v1'],
      ['mesh-demo', 'start with a registry host'],
    ] as const) {
      const { code, stdout, stderr } = await pnpmw(['-s', 'images', 'push', '--registry', registry]);
      assert.equal(code, 2, registry);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line for ${registry}, got:\n${stderr}`);
      assert.ok(lines[0]!.startsWith(`images: --registry ${JSON.stringify(registry)}: ${why}`), lines[0]);
    }
  });
});

describe(`images push to a real registry (${REGISTRY}, tag ${TAG})`, () => {
  const digests = {} as Record<ServiceName, string>;
  const configs = {} as Record<ServiceName, string>;
  const pulled = (service: ServiceName) => `${REGISTRY}/${service}@${digests[service]}`;

  before(async () => {
    const answer = await registryApi('').catch((error: Error) => error);
    if (answer instanceof Error || answer.status !== 200) {
      throw new Error(`no registry answers at http://${REGISTRY_HOST}/v2/ (.ci/parts/images.sh starts one; MESH_REGISTRY names another)`);
    }
    await removeLeftovers();
  });

  after(async () => {
    await removeLeftovers();
    for (const service of SERVICES) {
      for (const image of [`${REGISTRY}/${service}:${TAG}`, configs[service]]) {
        if (image) await docker(['rmi', '--force', image]).catch(() => {});
      }
    }
  });

  test('builds the four images, pushes them and prints each with the digest the registry gave it', { timeout: 15 * 60_000 }, async (t) => {
    const started = performance.now();
    const { code, stdout, stderr } = await pnpmw(['images', 'push', '--registry', REGISTRY, '--tag', TAG], 15 * 60_000);
    t.diagnostic(`images push took ${Math.round((performance.now() - started) / 1000)} s`);
    assert.equal(code, 0, `images push failed:\n${stderr.split('\n').slice(-15).join('\n')}`);
    const printed = stdout.split('\n').filter((line) => line.includes('@sha256:'));
    assert.equal(printed.length, 4, stdout);
    for (const [index, service] of SERVICES.entries()) {
      const match = new RegExp(`^${escapeRegExp(REGISTRY)}/${service}@(sha256:[a-f0-9]{64})$`).exec(printed[index]!);
      assert.ok(match, `line ${index + 1} names ${service} by digest: ${printed[index]}`);
      digests[service] = match[1]!;
    }
    assert.equal(new Set(Object.values(digests)).size, 4, 'four different images');
  });

  test("the registry holds each tag under the printed digest, its config labelled with the tag, as the engine's image", async () => {
    for (const service of SERVICES) {
      const response = await registryApi(`mesh-demo/${service}/manifests/${TAG}`, MANIFEST_TYPES);
      assert.equal(response.status, 200, service);
      const body = Buffer.from(await response.arrayBuffer());
      // A manifest's digest is the sha256 of its bytes: the printed one must be that, not merely what a header said.
      assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digests[service], service);
      assert.equal(response.headers.get('docker-content-digest'), digests[service]);
      configs[service] = (JSON.parse(body.toString()) as { config: { digest: string } }).config.digest;
      const config = (await (await registryApi(`mesh-demo/${service}/blobs/${configs[service]}`)).json()) as {
        config: { Labels: Record<string, string> };
      };
      assert.equal(config.config.Labels['org.opencontainers.image.version'], TAG);
      assert.equal(config.config.Labels['org.opencontainers.image.title'], `mesh-demo-${service}`);
      assert.equal((await inspect(`${REGISTRY}/${service}:${TAG}`)).Id, configs[service], `${service}: the local image is the pushed one`);
    }
  });

  test('removing every local tag and digest reference leaves a clean engine: no image of this push remains', async () => {
    for (const service of SERVICES) {
      const { RepoTags, RepoDigests } = (await inspect(`${REGISTRY}/${service}:${TAG}`)) as { RepoTags: string[]; RepoDigests: string[] };
      assert.ok(RepoDigests.includes(pulled(service)), `docker recorded the pushed digest of ${service}: ${RepoDigests.join(', ')}`);
      // Only this push's references: a tag of some other build on the same image would keep it, and fail the check below.
      for (const ref of [...RepoTags, ...RepoDigests].filter((ref) => ref.startsWith(`${REGISTRY}/`))) {
        await docker(['rmi', ref]).catch(() => {}); // removing the tag may already take the digest reference with it
      }
      await assert.rejects(docker(['image', 'inspect', configs[service]]), /No such image/, `${service} is gone`);
      await assert.rejects(docker(['image', 'inspect', `${REGISTRY}/${service}:${TAG}`]), /No such image/);
    }
  });

  test('each image pulls back by its digest from the registry, as the image its manifest names', { timeout: 5 * 60_000 }, async () => {
    for (const service of SERVICES) {
      const { stdout } = await docker(['pull', pulled(service)]);
      // "Downloaded newer image", not "Image is up to date": the engine did not have it, the registry gave it.
      assert.match(stdout, new RegExp(`^Status: Downloaded newer image for ${escapeRegExp(pulled(service))}$`, 'm'));
      const image = (await inspect(pulled(service))) as { Id: string; RepoDigests: string[] };
      assert.equal(image.Id, configs[service], `${service}: the pulled image is the one the manifest names`);
      assert.ok(image.RepoDigests.includes(pulled(service)), image.RepoDigests.join(', '));
    }
  });

  test('the pulled images run the chain on a private network, customer and partner answering the full line', {
    timeout: 3 * 60_000,
  }, async () => {
    await docker(['network', 'create', NETWORK]);
    const downstream: Record<ServiceName, string[]> = {
      customer: ['--env', `PREFERENCE_URL=http://${containerOf('preference')}:8080`],
      partner: ['--env', `PREFERENCE_URL=http://${containerOf('preference')}:8080`],
      preference: ['--env', `RECOMMENDATION_URL=http://${containerOf('recommendation')}:8080`],
      recommendation: [],
    };
    const ports = {} as Record<ServiceName, { public: number; management: number }>;
    for (const service of SERVICES) {
      ports[service] = { public: await freePort(), management: await freePort() };
      await docker([
        'run',
        '--detach',
        '--name',
        containerOf(service),
        '--network',
        NETWORK,
        '--publish',
        `127.0.0.1:${ports[service].public}:8080`,
        '--publish',
        `127.0.0.1:${ports[service].management}:9000`,
        '--env',
        'SHUTDOWN_DELAY_MS=0',
        '--env',
        'OTEL_TRACES_EXPORTER=none',
        ...downstream[service],
        pulled(service),
      ]);
      assert.equal((await inspect(containerOf(service))).Image, configs[service], `${service} runs the pulled image`);
    }
    // Readiness on the management port, so no request reaches / (and its hit counter) before the one asserted.
    for (const service of SERVICES) {
      const ready = `http://127.0.0.1:${ports[service].management}/health/ready`;
      await until(`${service} ready at ${ready}`, async () => ((await get(ready)).status === 200 ? true : undefined), 60_000, 250);
    }
    const hostname = (await inspect(containerOf('recommendation'))).Config.Hostname as string;
    const customer = await get(`http://127.0.0.1:${ports.customer.public}/`);
    assert.equal(customer.status, 200);
    assert.equal(customer.body, `customer v1 => preference v1 => recommendation v1 from '${hostname}': 1\n`);
    const partner = await get(`http://127.0.0.1:${ports.partner.public}/`);
    assert.equal(partner.body, `partner v1 => preference v1 => recommendation v1 from '${hostname}': 2\n`);
  });
});
