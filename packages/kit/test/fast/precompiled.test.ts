// Schemas compiled at build time: what the capture writes, and that a service using it answers exactly as one compiling at start.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'node:test';
import { forwardRoutes } from '../../src/chain-route.ts';
import { ConfigError, loadConfig, type ServiceDefinition } from '../../src/config.ts';
import { type CapturedCode, capturePrecompiled } from '../../src/fast/precompile-capture.ts';
import { installPrecompiled, type PrecompiledTable, precompiledMisses, type Serialize, type Validate } from '../../src/fast/precompiled.ts';
import { buildService, type Service } from '../../src/service.ts';
import { testConfig } from '../../src/testing.ts';

const customer: ServiceDefinition = { name: 'customer', edge: true, downstream: 'preference' };
const build = (config: Parameters<typeof buildService>[0], options?: Parameters<typeof buildService>[2]) =>
  buildService(config, forwardRoutes, options);

/** Loads one captured CommonJS module the way the bundle does, its requires resolved from the kit. */
function load(code: string): unknown {
  const module = { exports: {} as unknown };
  new Function('module', 'exports', 'require', code)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

/** The table the bundle's generated index installs, each function wrapped to count its calls. */
function tableOf(captured: readonly CapturedCode[], calls: Map<string, number>, leaveOut?: string): PrecompiledTable {
  const validators: Record<string, Validate> = {};
  const serializers: Record<string, Serialize> = {};
  for (const { key, kind, code } of captured) {
    if (key === leaveOut) continue;
    const compiled = load(code) as Validate & Serialize;
    const counted = Object.assign((data: unknown) => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      const result = compiled(data);
      counted.errors = compiled.errors;
      return result;
    }, {}) as Validate & Serialize;
    if (kind === 'serializer') serializers[key] = counted;
    else validators[key] = counted;
  }
  return { validators, serializers };
}

/** Refused at once: the chain answer (a 503 naming preference) without waiting for anything. */
const UNREACHABLE = { PREFERENCE_URL: 'http://127.0.0.1:9' };

/** The answers that exercise every compiled function: the chain as JSON, both health routes, the faults body check. */
async function answers(service: Service): Promise<string[]> {
  const metrics = await service.management.inject({ url: '/metrics' });
  assert.equal(metrics.statusCode, 200);
  const requests = [
    service.app.inject({ url: '/', headers: { accept: 'application/json' } }),
    service.management.inject({ url: '/health/ready' }),
    service.management.inject({ url: '/health/live' }),
    service.management.inject({ method: 'PUT', url: '/faults', payload: { errorRate: 0.5, delayMs: 10 } }),
    service.management.inject({ method: 'PUT', url: '/faults', payload: { errorRate: 2 } }),
    service.management.inject({ method: 'PUT', url: '/faults', payload: { bogus: 1 } }),
    service.management.inject({ url: '/faults' }),
  ];
  return (await Promise.all(requests)).map((r) => `${r.statusCode} ${r.headers['content-type']} ${r.body}`);
}

const envCases: Record<string, string>[] = [
  {},
  { PORT: '8081', VERSION: 'v2', FAULT_ERROR_RATE: '0.25', FAULT_READY: 'false', UNRELATED: 'x' },
  { PORT: '70000', LOG_LEVEL: 'loud', VERSION: 'no spaces', PREFERENCE_URL: 'http://x/path' },
  { PORT: '9000', MANAGEMENT_PORT: '9000', FAULT_DELAY_MS: '10', FAULT_DELAY_MAX_MS: '5' },
];

function configOrError(env: Record<string, string>): unknown {
  try {
    return loadConfig(customer, { HOSTNAME: 'pod', ...env });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return `ConfigError: ${error.message}`;
  }
}

describe('precompiled schemas', () => {
  let service: Service | undefined;
  afterEach(() => service?.close());

  it('the capture compiles the env check, the faults body check and every response schema to code', async () => {
    const captured = await capturePrecompiled(customer, build);
    const kinds = captured.map((c) => c.kind).sort();
    assert.equal(kinds.filter((k) => k === 'env').length, 1);
    assert.equal(kinds.filter((k) => k === 'validator').length, 1, 'one body schema: PUT /faults');
    assert.ok(kinds.filter((k) => k === 'serializer').length >= 3, `serializers: ${kinds.join(', ')}`);
    for (const { code } of captured) assert.match(code, /module\.exports/);
    // anyOf in a response schema is decided by inlined standalone code, not an Ajv made at the first response.
    for (const { code } of captured) assert.doesNotMatch(code, /fast-json-stringify\/lib\/validator/);
  });

  it('a service using the table calls its functions, compiles nothing at start, and answers byte for byte the same', async () => {
    const captured = await capturePrecompiled(customer, build);
    service = build(testConfig(customer, UNREACHABLE));
    const expected = await answers(service);
    const expectedConfigs = envCases.map(configOrError);
    await service.close();

    const calls = new Map<string, number>();
    installPrecompiled(tableOf(captured, calls));
    service = build(testConfig(customer, UNREACHABLE));
    assert.deepEqual(await answers(service), expected);
    assert.deepEqual(envCases.map(configOrError), expectedConfigs);
    assert.deepEqual(precompiledMisses(), []);
    // /metrics declares a string response, which Fastify sends as it is: its serialiser is compiled but never called.
    const unused = captured.filter(({ key }) => !calls.get(key)).map(({ key }) => key.slice(0, 80));
    assert.deepEqual(unused, ['serializer:{"type":"string"}'], 'every other captured function was used by those answers and configs');
  });

  it('a schema the table lacks is compiled at start, still answers, and is reported as a miss', async () => {
    const captured = await capturePrecompiled(customer, build);
    const body = captured.find((c) => c.kind === 'validator')!;
    installPrecompiled(tableOf(captured, new Map(), body.key));
    service = build(testConfig(customer, UNREACHABLE));
    const bad = await service.management.inject({ method: 'PUT', url: '/faults', payload: { errorRate: 2 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /errorRate must be <= 1/);
    assert.deepEqual(precompiledMisses(), ['validator PUT /faults body']);
  });
});
