// The Thrift batch we write carries what @opentelemetry/exporter-jaeger's own encoding carries: both decoded by thriftrw.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { encodeBatch } from '../src/jaeger-thrift.ts';
import { sampleSpans } from './support/sample-spans.ts';

// The package's transform and jaeger-client's thriftrw schema, reached through the package (pnpm keeps them private).
const fromPackage = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/exporter-jaeger'));
const { spanToThrift } = fromPackage('./transform') as { spanToThrift(span: ReadableSpan): unknown };
const { ThriftUtils } = fromPackage('./types') as { ThriftUtils: { _thrift: ThriftSchema } };
interface ThriftSchema {
  Batch: new (value: unknown) => unknown;
  Span: new (value: unknown) => unknown;
  Process: new (value: unknown) => unknown;
}
const rw = (ThriftUtils._thrift.Batch as unknown as { rw: BatchRw }).rw;
interface BatchRw {
  toBuffer(value: unknown): { err: Error | null; value: Buffer };
  fromBuffer(buffer: Buffer): { err: Error | null; value: DecodedBatch };
}

interface DecodedTag {
  key: string;
  vType: string;
  vStr?: string | null;
  vDouble?: number | null;
  vBool?: boolean | null;
}
interface DecodedBatch {
  process: { serviceName: string; tags: DecodedTag[] | null };
  spans: Array<Record<string, unknown> & { tags: DecodedTag[]; logs: Array<{ timestamp: Buffer; fields: DecodedTag[] }> }>;
}

/** What the package sends for these spans: its transform, its process, thriftrw's encoding. */
function packageBatch(spans: ReadableSpan[]): Buffer {
  const serviceName = String(spans[0]!.resource.attributes['service.name']);
  const schema = ThriftUtils._thrift;
  const batch = new schema.Batch({
    process: new schema.Process({ serviceName, tags: [] }),
    spans: spans.map((s) => new schema.Span(spanToThrift(s))),
  });
  const encoded = rw.toBuffer(batch);
  if (encoded.err) throw encoded.err;
  return encoded.value;
}

/** A tag as the collector reads it: its key, its type and the value of that type (the other fields are ignored). */
function tagAsRead(tag: DecodedTag): [string, string, unknown] {
  const value = tag.vType === 'STRING' ? tag.vStr : tag.vType === 'DOUBLE' ? tag.vDouble : tag.vType === 'BOOL' ? tag.vBool : tag;
  return [tag.key, tag.vType, value];
}

/** A decoded batch with i64s as hex and tags as read, so two encodings of the same spans compare equal. */
function asRead(buffer: Buffer): unknown {
  const decoded = rw.fromBuffer(buffer);
  if (decoded.err) throw decoded.err;
  const hex = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v);
  const { process, spans } = decoded.value;
  return {
    process: { serviceName: process.serviceName, tags: (process.tags ?? []).map(tagAsRead) },
    spans: spans.map((s) => ({
      ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, hex(v)])),
      references: (s.references as Array<Record<string, unknown>>).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, hex(v)])),
      ),
      tags: s.tags.map(tagAsRead),
      logs: s.logs.map((l) => ({ timestamp: hex(l.timestamp), fields: l.fields.map(tagAsRead) })),
    })),
  };
}

test('a batch of every span shape reads the same as the Jaeger exporter package encodes it: ids, times, tags, logs, references', () => {
  const spans = sampleSpans();
  assert.equal(spans.length, 3);
  assert.deepEqual(asRead(encodeBatch(spans)), asRead(packageBatch(spans)));
});

test('the shapes are really there: error and kind tags, dropped counts, a FOLLOWS_FROM link, an event with its attributes, UTF-8 kept', () => {
  const read = asRead(encodeBatch(sampleSpans())) as { spans: Array<{ tags: unknown[][]; logs: unknown[]; references: unknown[] }> };
  const [client, internal, server] = read.spans;
  assert.ok(client!.tags.some(([k, , v]) => k === 'error' && v === true));
  assert.ok(client!.tags.some(([k, , v]) => k === 'otel.status_description' && v === 'recommendation timed out'));
  assert.equal(client!.references.length, 1);
  assert.ok(internal!.tags.some(([k, , v]) => k === 'otel.dropped_attributes_count' && v === 4));
  assert.ok(!internal!.tags.some(([k]) => k === 'span.kind'), 'INTERNAL spans carry no span.kind');
  assert.ok(server!.tags.some(([k, , v]) => k === 'guid:x-request-id' && v === 'é-✓-0-😀'));
  assert.ok(server!.tags.some(([k, t, v]) => k === 'tags' && t === 'STRING' && v === 'a,b'));
  assert.ok(
    server!.tags.some(([k, t, v]) => k === 'replicas' && t === 'DOUBLE' && v === 2),
    'resource attributes are span tags',
  );
  assert.equal(server!.logs.length, 2);
});

test('a batch larger than the first buffer guess grows and still reads the same as the package encodes it', () => {
  const spans = sampleSpans(200);
  assert.equal(spans.length, 600);
  assert.deepEqual(asRead(encodeBatch(spans)), asRead(packageBatch(spans)));
});

test('each tag carries only the value its type names, so a span is about a third smaller than the package makes it', () => {
  const spans = sampleSpans(10);
  const ours = encodeBatch(spans).length;
  const theirs = packageBatch(spans).length;
  assert.ok(ours < theirs * 0.75, `${ours} bytes against the package's ${theirs}`);
});
