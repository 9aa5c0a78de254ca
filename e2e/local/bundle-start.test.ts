// What a bundle starts from, on real processes: its build's compiled schemas and V8's cached code, nothing compiled afresh.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { SERVICES } from '@mesh-demo/workspace';

/** Node's own account of each module it compiled with the compile cache on (NODE_DEBUG_NATIVE=COMPILE_CACHE, stderr). */
const CACHE_VERDICT = /^\[compile cache\] V8 code cache for ESM file:\/\/\S*\/dist\/bundle\/(\S+) was (.+?),/;

describe('a service bundle at start', () => {
  let chain: LocalServices;
  before(async () => {
    // Tracing on, as the image runs by default with a collector: the SDK's chunks load too. Nothing answers there.
    const env = {
      NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      SHUTDOWN_DELAY_MS: '0',
    };
    chain = await startLocalServices({ env });
    await chain.stopAll();
  });
  after(() => chain?.stopAll());

  for (const name of SERVICES) {
    it(`${name} compiles no schema at start: each is found in the build's precompiled code`, () => {
      const logs = chain.logs.get(name)!;
      assert.ok(
        logs.some((line) => line.includes('"msg":"listening on')),
        `${name} started and logged where it listens:\n${logs.slice(-5).join('\n')}`,
      );
      const warned = logs.filter((line) => line.includes('compiled at start'));
      assert.deepEqual(warned, []);
    });

    it(`${name} reads every module's compiled code from the cache \`pnpm build\` filled, none rejected or missing`, () => {
      const verdicts = new Map<string, string>();
      for (const line of chain.logs.get(name)!) {
        const match = CACHE_VERDICT.exec(line);
        if (match) verdicts.set(match[1]!, match[2]!);
      }
      const files = [...verdicts.keys()];
      assert.ok(verdicts.has('main.js'), `verdicts: ${JSON.stringify([...verdicts])}`);
      // register.js itself turns the cache on, so it is compiled before; what it imports is read from the cache.
      assert.ok(
        files.some((file) => file.startsWith('register-')),
        `the telemetry register's chunk: ${files.join(', ')}`,
      );
      assert.ok(
        files.some((file) => file.startsWith('sdk-')),
        `the SDK's chunk: ${files.join(', ')}`,
      );
      const notAccepted = [...verdicts].filter(([, verdict]) => !verdict.startsWith('accepted'));
      assert.deepEqual(notAccepted, []);
    });
  }
});
