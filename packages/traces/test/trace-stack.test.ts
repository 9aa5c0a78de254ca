// The trace stack's refusals, before it starts anything: a taken port is named, and what is missing comes with its install command.
import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { freePorts } from '@mesh-demo/workspace';
import { startJaegerProcess } from '../src/jaeger.ts';
import { startTraceStack, traceToolsInstall } from '../src/trace-stack.ts';

async function listening(): Promise<{ port: number; close: () => void }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('startTraceStack', () => {
  it('names every port another program holds, and starts nothing', async () => {
    const taken = await listening();
    try {
      const [otlpGrpc, otlpHttp, query] = (await freePorts(3)) as [number, number, number];
      await assert.rejects(
        startTraceStack({ zipkinJar: '/nowhere/zipkin.jar', ports: { otlpGrpc, otlpHttp, query, ui: taken.port } }),
        new RegExp(`^Error: port ${taken.port} \\(the trace UI\\) in use by another program$`),
      );
    } finally {
      taken.close();
    }
  });

  it('says how to install the Zipkin jar when it is not there', async () => {
    const before = process.env.ZIPKIN_JAR;
    process.env.ZIPKIN_JAR = '/nowhere/zipkin.jar';
    try {
      await assert.rejects(
        startTraceStack(),
        /^Error: the Zipkin jar is not installed: bash tools\/install-tools\.sh zipkin \(or set ZIPKIN_JAR\)$/,
      );
    } finally {
      if (before === undefined) delete process.env.ZIPKIN_JAR;
      else process.env.ZIPKIN_JAR = before;
    }
  });
});

describe('startJaegerProcess', () => {
  it('refuses a port asked for that another program holds, naming it', async () => {
    const taken = await listening();
    try {
      await assert.rejects(
        startJaegerProcess({ binary: '/bin/false', ports: { query: taken.port } }),
        new RegExp(`^Error: jaeger: port ${taken.port} \\(query\\) on 127\\.0\\.0\\.1 in use by another program$`),
      );
    } finally {
      taken.close();
    }
  });
});

describe('traceToolsInstall', () => {
  it('is the one installer line for the missing tools, and the apt line for Java', () => {
    assert.equal(traceToolsInstall({ tools: ['jaeger', 'zipkin'], java: false }), 'bash tools/install-tools.sh jaeger zipkin');
    assert.equal(
      traceToolsInstall({ tools: ['zipkin'], java: true }),
      'bash tools/install-tools.sh zipkin and bash tools/apt-install.sh --no-install-recommends openjdk-17-jre-headless',
    );
    assert.equal(traceToolsInstall({ tools: [], java: false }), '');
  });
});
