// docker-compose.yml brought up for real with Compose v2: the chain by service name, healthchecks, Prometheus scraping,
// profile v2 beside v1 (images of its own, v1 never recreated), `down` leaving nothing, and a taken port named.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';
import { engineVolumes, projectResources, type Stack, serviceContainers, stack } from './support/compose-stack.ts';
import { inspect } from './support/docker.ts';

// Containers take far longer than local processes (healthchecks on intervals, Prometheus scrapes).
const CONTAINER_WAIT_MS = 60_000;

const PROJECT = 'mesh-demo-e2e-images';
const V1 = ['customer', 'jaeger', 'partner', 'preference', 'prometheus', 'recommendation'];
const V2 = ['customer-v2', 'recommendation-v2'];
const CHAIN = (customer: string, version = 'v1', recommendation = 'v1') =>
  new RegExp(`^${customer} ${version} => preference v1 => recommendation ${recommendation} from '[^']+': \\d+\\n?$`);

let s: Stack;
let volumesBefore: Set<string>;
const down = () => s.compose(['--profile', 'v2', 'down', '--remove-orphans', '--volumes']);

async function chainLine(name: string, expected: RegExp): Promise<string> {
  return until(
    `${name} to answer ${expected}`,
    async () => {
      const { status, body } = await get(s.url(name));
      return status === 200 && expected.test(body) ? body : undefined;
    },
    120_000,
    250,
  );
}

/** recommendation v1's own answer, asked directly: which container, and its hit count. */
async function recommendationV1(): Promise<{ host: string; hits: number }> {
  const { status, body } = await get(s.url('RECOMMENDATION_PORT'));
  const match = /^recommendation v1 from '([^']+)': (\d+)\n?$/.exec(body);
  assert.ok(status === 200 && match, `recommendation v1 answered ${status}: ${body}`);
  return { host: match[1]!, hits: Number(match[2]) };
}

/** What `down` must have removed: no container, network or volume of the project, and no new volume at all. */
async function assertNothingLeft(what: string): Promise<void> {
  assert.deepEqual(await projectResources(PROJECT), { containers: [], networks: [], volumes: [] }, `left behind after ${what}`);
  const added = [...(await engineVolumes())].filter((volume) => !volumesBefore.has(volume));
  assert.deepEqual(added, [], `anonymous volumes left behind after ${what}`);
}

before(async () => {
  s = await stack(PROJECT);
  await down();
  volumesBefore = await engineVolumes();
});

after(async () => {
  await down().catch(() => {});
});

test('`compose up --build --wait` builds the images from the repo and returns with the chain, Jaeger and Prometheus up', {
  timeout: 15 * 60_000,
}, async () => {
  await s.compose(['up', '--build', '--wait']);
  assert.deepEqual(Object.keys(await serviceContainers(PROJECT)).sort(), V1);
});

test('customer and partner answer the chain line, reaching preference and recommendation by service name', async () => {
  assert.match(await chainLine('CUSTOMER_PORT', CHAIN('customer')), CHAIN('customer'));
  assert.match(await chainLine('PARTNER_PORT', CHAIN('partner')), CHAIN('partner'));
});

test('every service container turns healthy by its healthcheck', async () => {
  const containers = await serviceContainers(PROJECT);
  for (const service of ['customer', 'partner', 'preference', 'recommendation']) {
    const status = await until(
      `${service} healthy`,
      async () => {
        const health = (await inspect(containers[service]!)).State.Health?.Status;
        return health === 'healthy' ? health : undefined;
      },
      CONTAINER_WAIT_MS,
      250,
    );
    assert.equal(status, 'healthy');
  }
});

test('published ports bind to 127.0.0.1 only', async () => {
  for (const id of (await projectResources(PROJECT)).containers) {
    const bindings = Object.values((await inspect(id)).HostConfig.PortBindings as Record<string, { HostIp: string }[]>).flat();
    assert.ok(bindings.length > 0);
    for (const binding of bindings) assert.equal(binding.HostIp, '127.0.0.1');
  }
});

test("Prometheus scrapes every service's management port", async () => {
  const up = await until(
    'four services up in Prometheus',
    async () => {
      const { body } = await get(s.url('PROMETHEUS_PORT', '/api/v1/targets?state=active'));
      const targets = JSON.parse(body).data.activeTargets as { labels: Record<string, string>; health: string }[];
      const healthy = targets
        .filter((t) => t.health === 'up')
        .map((t) => t.labels.compose_service)
        .sort();
      return healthy.length === 4 ? healthy : undefined;
    },
    90_000,
    250,
  );
  assert.deepEqual(up, ['customer', 'partner', 'preference', 'recommendation']);
  const { body } = await get(
    s.url('PROMETHEUS_PORT', `/api/v1/query?query=${encodeURIComponent('sum by (compose_service) (up{job="mesh-demo"})')}`),
  );
  assert.equal(JSON.parse(body).data.result.length, 4);
});

test('Jaeger answers its query API on the UI port', async () => {
  const { status, body } = await until(
    'Jaeger query API',
    async () => {
      const response = await get(s.url('JAEGER_UI_PORT', '/api/services'));
      return response.status === 200 ? response : undefined;
    },
    CONTAINER_WAIT_MS,
    250,
  );
  assert.equal(status, 200);
  assert.ok('data' in JSON.parse(body));
});

test('a chain request leaves traces of all three services in Jaeger', async () => {
  const services = await until(
    'customer, preference and recommendation in Jaeger',
    async () => {
      await get(s.url('CUSTOMER_PORT'));
      const found = (JSON.parse((await get(s.url('JAEGER_UI_PORT', '/api/services'))).body).data ?? []) as string[];
      return ['customer', 'preference', 'recommendation'].every((name) => found.includes(name)) ? found : undefined;
    },
    90_000,
    250,
  );
  assert.ok(services.includes('customer'));
});

test('profile v2 adds customer v2 and recommendation v2 without recreating a v1 container: recommendation v1 counts on', {
  timeout: 15 * 60_000,
}, async () => {
  const v1 = await serviceContainers(PROJECT);
  const before = await recommendationV1();
  await s.compose(['--profile', 'v2', 'up', '--build', '--wait']);
  const now = await serviceContainers(PROJECT);
  assert.deepEqual(Object.keys(now).sort(), [...V1, ...V2].sort());
  for (const service of V1) assert.equal(now[service], v1[service], `${service} is the same container`);
  // Nothing but this test asks recommendation v1 directly (healthchecks and scrapes use the management port).
  assert.deepEqual(await recommendationV1(), { host: before.host, hits: before.hits + 1 });
  assert.match(await chainLine('CUSTOMER_V2_PORT', CHAIN('customer', 'v2', 'v[12]')), /^customer v2 => /);
  assert.match(await chainLine('RECOMMENDATION_V2_PORT', /^recommendation v2 from '[^']+': \d+\n?$/), /^recommendation v2 /);
});

test('v1 and v2 run images of their own tags, each the image its tag names now (no build took a tag from under them)', async () => {
  const containers = await serviceContainers(PROJECT);
  const tags: Record<string, string> = {};
  for (const service of ['customer', 'customer-v2', 'recommendation', 'recommendation-v2']) {
    const { Config, Image } = await inspect(containers[service]!);
    tags[service] = Config.Image as string;
    assert.equal((await inspect(tags[service]!)).Id, Image, `${service} runs what ${tags[service]} names`);
  }
  assert.notEqual(tags.customer, tags['customer-v2']);
  assert.notEqual(tags.recommendation, tags['recommendation-v2']);
});

test('a later plain `up --build` recreates no container and leaves v2 running', { timeout: 15 * 60_000 }, async () => {
  const before = await serviceContainers(PROJECT);
  const hits = (await recommendationV1()).hits;
  await s.compose(['up', '--build', '--wait']);
  assert.deepEqual(await serviceContainers(PROJECT), before);
  assert.equal((await recommendationV1()).hits, hits + 1);
});

test('`compose --profile v2 down` leaves no container, network or volume behind', async () => {
  await s.compose(['--profile', 'v2', 'down']);
  await assertNothingLeft('--profile v2 down');
});

test('without the profile, `up` then a plain `down` leave nothing behind either', { timeout: 5 * 60_000 }, async () => {
  await s.compose(['up', '--wait']);
  assert.deepEqual(Object.keys(await serviceContainers(PROJECT)).sort(), V1);
  await s.compose(['down']);
  await assertNothingLeft('a plain down');
});

test('a host port something else holds stops `up` with an error naming that port', { timeout: 5 * 60_000 }, async () => {
  const taken = s.port('CUSTOMER_PORT');
  const holder: Server = createServer();
  await new Promise<void>((resolve, reject) => holder.once('error', reject).listen(taken, '127.0.0.1', resolve));
  try {
    await assert.rejects(s.compose(['up', '--wait']), (error: Error) => {
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${taken}\\b.*(address already in use|port is already allocated)`));
      return true;
    });
  } finally {
    await new Promise((resolve) => holder.close(resolve));
    await s.compose(['down']);
  }
  await assertNothingLeft('a failed up and a plain down');
});
