// Jaeger's YAML as Jaeger reads it: every listener on the address asked for, and the copy for the UI in a pipeline of its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { COPY_EXPORTER, COPY_PIPELINE, jaegerConfig } from '../src/jaeger-config.ts';

interface Config {
  service: { extensions: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
  extensions: Record<string, { http?: { endpoint: string }; grpc?: { endpoint: string } }>;
  receivers: { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } }; jaeger?: unknown };
  processors: Record<string, Record<string, unknown> | null>;
  exporters: Record<string, Record<string, unknown>>;
}

const PORTS = { otlpGrpc: 4317, otlpHttp: 4318, query: 16686, queryGrpc: 16685 };
const read = (yaml: string) => parse(yaml) as Config;

describe('jaegerConfig', () => {
  it('without copyTo is the one storage pipeline, every listener on 127.0.0.1, as the e2e Jaeger always ran', () => {
    const config = read(jaegerConfig({ ports: { ...PORTS, thrift: 14268, health: 13133 } }));
    assert.deepEqual(config.service.pipelines, {
      traces: { receivers: ['otlp', 'jaeger'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
    });
    assert.deepEqual(config.service.extensions, ['jaeger_storage', 'jaeger_query', 'healthcheckv2']);
    assert.deepEqual(
      [
        config.receivers.otlp.protocols.grpc.endpoint,
        config.receivers.otlp.protocols.http.endpoint,
        config.extensions.jaeger_query!.http!.endpoint,
        config.extensions.jaeger_query!.grpc!.endpoint,
        config.extensions.healthcheckv2!.http!.endpoint,
      ],
      ['127.0.0.1:4317', '127.0.0.1:4318', '127.0.0.1:16686', '127.0.0.1:16685', '127.0.0.1:13133'],
    );
    assert.deepEqual(config.receivers.jaeger, { protocols: { thrift_http: { endpoint: '127.0.0.1:14268' } } });
    assert.deepEqual(Object.keys(config.exporters), ['jaeger_storage_exporter']);
  });

  it('leaves out the Thrift receiver and the health check when no port is given for them', () => {
    const config = read(jaegerConfig({ ports: PORTS }));
    assert.equal(config.receivers.jaeger, undefined);
    assert.deepEqual(config.service.pipelines.traces!.receivers, ['otlp']);
    assert.deepEqual(config.service.extensions, ['jaeger_storage', 'jaeger_query']);
  });

  it('binds the receivers to otlpHost and the query API to host when they differ (an IPv6 address in brackets)', () => {
    const config = read(jaegerConfig({ host: '::1', otlpHost: '10.88.0.1', ports: PORTS }));
    assert.equal(config.receivers.otlp.protocols.http.endpoint, '10.88.0.1:4318');
    assert.equal(config.extensions.jaeger_query!.http!.endpoint, '[::1]:16686');
  });

  it('with copyTo, sends a copy of what both receivers take through its own pipeline as uncompressed OTLP/JSON', () => {
    const config = read(jaegerConfig({ ports: { ...PORTS, thrift: 14268 }, copyTo: 'http://127.0.0.1:24318' }));
    assert.deepEqual(config.service.pipelines, {
      traces: { receivers: ['otlp', 'jaeger'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] },
      [COPY_PIPELINE]: { receivers: ['otlp', 'jaeger'], processors: ['batch/ui'], exporters: [COPY_EXPORTER] },
    });
    const exporter = config.exporters[COPY_EXPORTER]!;
    assert.equal(COPY_EXPORTER, 'otlphttp/ui');
    assert.deepEqual(
      [exporter.endpoint, exporter.encoding, exporter.compression, exporter.retry_on_failure],
      ['http://127.0.0.1:24318', 'json', 'none', { enabled: false }],
    );
    assert.deepEqual(exporter.sending_queue, { enabled: true, num_consumers: 2, queue_size: 100 });
    assert.ok(config.processors['batch/ui'], 'the copy has a batch processor of its own between the receivers and its exporter');
  });

  it('says in its first line what wrote it and where the copy goes', () => {
    assert.match(
      jaegerConfig({ ports: PORTS, copyTo: 'http://127.0.0.1:1' }),
      /^# Written by @mesh-demo\/traces: .*copy of every span to http:\/\/127\.0\.0\.1:1 \(OTLP\/JSON\)\.\n/,
    );
  });
});
