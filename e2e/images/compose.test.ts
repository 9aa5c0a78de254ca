// docker-compose.yml brought up for real: the chain by service name, healthchecks, Prometheus scraping, profile v2, down.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, REPO_ROOT } from '@mesh-demo/devtools';
import { get } from '../support/http.ts';
import { until } from '../support/poll.ts';
import { compose, docker, inspect } from './support/docker.ts';

// Containers take far longer than local processes (image pulls, healthchecks on intervals, Prometheus scrapes).
const CONTAINER_WAIT_MS = 60_000;

const PROJECT = 'mesh-demo-e2e-images';
const PORT_VARS = [
  'CUSTOMER_PORT', 'PARTNER_PORT', 'PREFERENCE_PORT', 'RECOMMENDATION_PORT', 'CUSTOMER_V2_PORT', 'RECOMMENDATION_V2_PORT',
  'JAEGER_UI_PORT', 'JAEGER_OTLP_GRPC_PORT', 'JAEGER_OTLP_HTTP_PORT', 'PROMETHEUS_PORT',
] as const;
type PortVar = (typeof PORT_VARS)[number];

const ports = {} as Record<PortVar, number>;
let env: Record<string, string> = {};
const url = (name: PortVar, path = '/') => `http://127.0.0.1:${ports[name]}${path}`;
const project = ['--project-name', PROJECT, '--file', join(REPO_ROOT, 'docker-compose.yml')];
const CHAIN = (customer: string, version = 'v1', recommendation = 'v1') =>
  new RegExp(`^${customer} ${version} => preference v1 => recommendation ${recommendation} from '[^']+': \\d+\\n?$`);

/** Containers of this compose project, running or not. */
async function projectContainers(): Promise<string[]> {
  const { stdout } = await docker(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${PROJECT}`]);
  return stdout.split('\n').filter(Boolean);
}

async function chainLine(name: PortVar, expected: RegExp): Promise<string> {
  return until(`${name} to answer ${expected}`, async () => {
    const { status, body } = await get(url(name));
    return status === 200 && expected.test(body) ? body : undefined;
  }, 120_000, 250);
}

before(async () => {
  for (const name of PORT_VARS) ports[name] = await freePort();
  env = Object.fromEntries(PORT_VARS.map((name) => [name, String(ports[name])]));
  await compose([...project, '--profile', 'v2', 'down', '--remove-orphans', '--volumes'], env);
});

after(async () => {
  await compose([...project, '--profile', 'v2', 'down', '--remove-orphans', '--volumes'], env).catch(() => {});
});

test('`compose up --build` builds the images from the repo and starts the chain, Jaeger and Prometheus', { timeout: 15 * 60_000 }, async () => {
  await compose([...project, 'up', '--build', '--detach'], env);
  const names = await Promise.all((await projectContainers()).map(async (id) => (await inspect(id)).Config.Labels['com.docker.compose.service']));
  assert.deepEqual(names.sort(), ['customer', 'jaeger', 'partner', 'preference', 'prometheus', 'recommendation']);
});

test('customer and partner answer the chain line, reaching preference and recommendation by service name', async () => {
  assert.match(await chainLine('CUSTOMER_PORT', CHAIN('customer')), CHAIN('customer'));
  assert.match(await chainLine('PARTNER_PORT', CHAIN('partner')), CHAIN('partner'));
});

test('every service container turns healthy by its healthcheck', async () => {
  for (const service of ['customer', 'partner', 'preference', 'recommendation']) {
    const status = await until(`${service} healthy`, async () => {
      const { stdout } = await docker(['ps', '--quiet', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', `label=com.docker.compose.service=${service}`]);
      const health = (await inspect(stdout.trim())).State.Health?.Status;
      return health === 'healthy' ? health : undefined;
    }, CONTAINER_WAIT_MS, 250);
    assert.equal(status, 'healthy');
  }
});

test('published ports bind to 127.0.0.1 only', async () => {
  for (const id of await projectContainers()) {
    const bindings = Object.values((await inspect(id)).HostConfig.PortBindings as Record<string, { HostIp: string }[]>).flat();
    assert.ok(bindings.length > 0);
    for (const binding of bindings) assert.equal(binding.HostIp, '127.0.0.1');
  }
});

test("Prometheus scrapes every service's management port", async () => {
  const up = await until('four services up in Prometheus', async () => {
    const { body } = await get(url('PROMETHEUS_PORT', '/api/v1/targets?state=active'));
    const targets = JSON.parse(body).data.activeTargets as { labels: Record<string, string>; health: string }[];
    const healthy = targets.filter((t) => t.health === 'up').map((t) => t.labels.compose_service).sort();
    return healthy.length === 4 ? healthy : undefined;
  }, 90_000, 250);
  assert.deepEqual(up, ['customer', 'partner', 'preference', 'recommendation']);
  const { body } = await get(url('PROMETHEUS_PORT', `/api/v1/query?query=${encodeURIComponent('sum by (compose_service) (up{job="mesh-demo"})')}`));
  assert.equal(JSON.parse(body).data.result.length, 4);
});

test('Jaeger answers its query API on the UI port', async () => {
  const { status, body } = await until('Jaeger query API', async () => {
    const response = await get(url('JAEGER_UI_PORT', '/api/services'));
    return response.status === 200 ? response : undefined;
  }, CONTAINER_WAIT_MS, 250);
  assert.equal(status, 200);
  assert.ok('data' in JSON.parse(body));
});

test('a chain request leaves traces of all three services in Jaeger', async () => {
  const services = await until('customer, preference and recommendation in Jaeger', async () => {
    await get(url('CUSTOMER_PORT'));
    const found = (JSON.parse((await get(url('JAEGER_UI_PORT', '/api/services'))).body).data ?? []) as string[];
    return ['customer', 'preference', 'recommendation'].every((s) => found.includes(s)) ? found : undefined;
  }, 90_000, 250);
  assert.ok(services.includes('customer'));
});

test('profile v2 adds customer v2 and recommendation v2 beside the v1s', { timeout: 15 * 60_000 }, async () => {
  await compose([...project, '--profile', 'v2', 'up', '--build', '--detach'], env);
  assert.match(await chainLine('CUSTOMER_V2_PORT', CHAIN('customer', 'v2', 'v[12]')), /^customer v2 => /);
  assert.match(await chainLine('CUSTOMER_PORT', CHAIN('customer', 'v1', 'v[12]')), /^customer v1 => /);
  const v2 = await until('recommendation v2', async () => {
    const { status, body } = await get(url('RECOMMENDATION_V2_PORT'));
    return status === 200 ? body : undefined;
  }, CONTAINER_WAIT_MS, 250);
  assert.match(v2, /^recommendation v2 from '[^']+': \d+/);
  const v1 = await get(url('RECOMMENDATION_PORT'));
  assert.match(v1.body, /^recommendation v1 from '[^']+': \d+/);
});

test('`compose down` removes every container of the stack', async () => {
  await compose([...project, '--profile', 'v2', 'down', '--remove-orphans', '--volumes'], env);
  assert.deepEqual(await projectContainers(), []);
});
