// Our Jaeger Thrift encoding against the package's, in a real Jaeger: the same spans sent both ways are stored the same.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type Jaeger, startJaeger } from '@mesh-demo/devtools';
import { JaegerHttpExporter } from '@mesh-demo/telemetry/jaeger-http-exporter';
import { sampleSpans } from '@mesh-demo/telemetry/sample-spans';
import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { until } from '../../support/poll.ts';

interface StoredSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  flags: number;
  tags: Array<{ key: string; type: string; value: unknown }>;
  logs: Array<{ timestamp: number; fields: Array<{ key: string; type: string; value: unknown }> }>;
  processID: string;
  warnings: unknown;
}
interface StoredTrace {
  spans: StoredSpan[];
  processes: Record<string, { serviceName: string; tags: unknown[] }>;
}

let jaeger: Jaeger;
before(async () => {
  jaeger = await startJaeger();
});
after(async () => {
  await jaeger?.stop();
});

/** The same spans under another trace id (what Jaeger keys traces by), everything else as it is. */
function underTraceId(spans: ReadableSpan[], traceId: string): ReadableSpan[] {
  return spans.map(
    (span) =>
      new Proxy(span, {
        get(target, key, receiver) {
          if (key === 'spanContext') return () => ({ ...target.spanContext(), traceId });
          if (key === 'parentSpanContext') return target.parentSpanContext && { ...target.parentSpanContext, traceId };
          return Reflect.get(target, key, receiver);
        },
      }),
  );
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise<void>((resolve, reject) => exporter.export(spans, (result) => (result.error ? reject(result.error) : resolve()))).then(
    () => exporter.shutdown(),
  );
}

/** A stored trace without what differs by design between the two sends: the trace id and Jaeger's process ids. */
function comparable(stored: StoredTrace): unknown {
  const sortTags = <T extends { key: string }>(tags: T[]) => [...tags].sort((a, b) => a.key.localeCompare(b.key));
  return stored.spans
    .map(({ traceID: _t, processID, references, tags, logs, ...rest }) => ({
      ...rest,
      process: stored.processes[processID],
      references: references.map(({ traceID: _r, ...ref }) => ref),
      tags: sortTags(tags),
      logs: logs.map((l) => ({ ...l, fields: sortTags(l.fields) })),
    }))
    .sort((a, b) => a.spanID.localeCompare(b.spanID));
}

function stored(traceId: string): Promise<StoredTrace> {
  return until(`trace ${traceId} with its 3 spans in Jaeger`, async () => {
    const found = await jaeger.trace<StoredTrace>(traceId);
    return found && found.spans.length === 3 ? found : undefined;
  });
}

test('the same spans POSTed by the Jaeger exporter package and by ours are stored alike: tags, logs, links, times, process', async () => {
  const spans = sampleSpans();
  const theirs = randomBytes(16).toString('hex');
  const ours = randomBytes(16).toString('hex');
  await exportWith(new JaegerExporter({ endpoint: jaeger.jaegerEndpoint }) as unknown as SpanExporter, underTraceId(spans, theirs));
  await exportWith(new JaegerHttpExporter(jaeger.jaegerEndpoint, {}), underTraceId(spans, ours));
  const [a, b] = [await stored(theirs), await stored(ours)];
  assert.deepEqual(comparable(b), comparable(a));
  // Not equal by both being empty: the spans carry what was set.
  const client = b.spans.find((s) => s.operationName === 'GET')!;
  assert.ok(client.tags.some((t) => t.key === 'error' && t.value === true));
  assert.equal(client.references.length, 2, 'its parent (CHILD_OF) and its link (FOLLOWS_FROM)');
  assert.equal(b.processes[client.processID]!.serviceName, 'preference');
});

test('a collector that answers an error fails the export with its status, and a dead one with the connection error', async () => {
  const spans = sampleSpans();
  const wrongPath = jaeger.jaegerEndpoint.replace('/api/traces', '/api/nothing-here');
  await assert.rejects(exportWith(new JaegerHttpExporter(wrongPath, {}), spans), /server responded with HTTP 404/);
  await assert.rejects(exportWith(new JaegerHttpExporter('http://127.0.0.1:9/api/traces', {}), spans), /ECONNREFUSED/);
});
