// Zipkin's command line: in memory, bound to one address, a small heap, no self-tracing; and where its jar is found.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '@mesh-demo/workspace';
import { findZipkinJar, startZipkin, zipkinCommand } from '../src/zipkin.ts';

describe('zipkinCommand', () => {
  it('runs the jar with a bounded heap and binds the one address and port through Armeria, whole', () => {
    const { command, args, env } = zipkinCommand({ jar: '/x/zipkin.jar', host: '127.0.0.1', port: 9411, java: '/usr/bin/java' });
    assert.equal(command, '/usr/bin/java');
    assert.ok(args.includes('-Xmx128m'));
    assert.deepEqual(args.slice(args.indexOf('-jar')), [
      '-jar',
      '/x/zipkin.jar',
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].port=9411',
      '--armeria.ports[0].protocols[0]=http',
    ]);
    assert.deepEqual(env, {
      QUERY_PORT: '9411',
      STORAGE_TYPE: 'mem',
      MEM_MAX_SPANS: '20000',
      SELF_TRACING_ENABLED: 'false',
      COLLECTOR_GRPC_ENABLED: 'false',
    });
  });

  it('takes the heap and the span limit asked for', () => {
    const { args, env } = zipkinCommand({ jar: 'z.jar', port: 19411, maxSpans: 1000, heapMb: 64 });
    assert.ok(args.includes('-Xmx64m'));
    assert.ok(args.includes('--armeria.ports[0].port=19411'));
    assert.equal(env.MEM_MAX_SPANS, '1000');
  });
});

describe('findZipkinJar', () => {
  it('takes ZIPKIN_JAR when that file exists, and nothing when it does not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zipkin-jar-'));
    try {
      const jar = join(dir, 'zipkin.jar');
      writeFileSync(jar, '');
      assert.equal(findZipkinJar({ ZIPKIN_JAR: jar }), jar);
      assert.equal(findZipkinJar({ ZIPKIN_JAR: join(dir, 'missing.jar') }), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startZipkin', () => {
  it('says in one line that Java is missing, and how to install it', async () => {
    await assert.rejects(
      startZipkin({ jar: 'zipkin.jar', java: '/nonexistent/java', port: await freePort(), readyTimeoutMs: 2000 }),
      /^Error: \/nonexistent\/java not found: Zipkin needs Java >= 17 \(bash tools\/apt-install\.sh --no-install-recommends openjdk-17-jre-headless\)$/,
    );
  });

  it('says when the process exits before it answers, with the tail of its output', async () => {
    const port = await freePort();
    await assert.rejects(
      startZipkin({ jar: '/nonexistent/zipkin.jar', java: process.execPath, port, readyTimeoutMs: 5000 }),
      new RegExp(`^Error: zipkin exited \\(\\d+\\) before it answered at http://127\\.0\\.0\\.1:${port}; its last output: `),
    );
  });

  it('refuses a port another program listens on, before anything could answer in its place', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await assert.rejects(
        startZipkin({ jar: 'zipkin.jar', port }),
        new RegExp(`^Error: port ${port} on 127\\.0\\.0\\.1 is in use by another program$`),
      );
    } finally {
      server.close();
    }
  });
});
