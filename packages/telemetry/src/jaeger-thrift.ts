// Finished spans as one Jaeger Thrift Batch in Thrift's binary protocol, written straight from the SDK's spans.
//
// What @opentelemetry/exporter-jaeger sends, written without its two costly steps: its spanToThrift (jaeger-client's
// tag objects, a node-int64 per id and time) and thriftrw's generic encoder, about 9 and 12 µs a span here. The spans
// carry the same content (test/jaeger-thrift.test.ts decodes both with thriftrw and compares them, and e2e compares
// them in a real Jaeger). One deliberate difference: a tag carries only the value its type names. jaeger-client wrote
// every optional value field of every tag (an empty string, 0, false and two 8-byte zero buffers beside the real
// value), which the collector ignores by the tag's type and had to decode all the same.
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMicroseconds, hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

// Thrift binary protocol type ids.
const T_STOP = 0;
const T_BOOL = 2;
const T_DOUBLE = 4;
const T_I32 = 8;
const T_I64 = 10;
const T_STRING = 11;
const T_STRUCT = 12;
const T_LIST = 15;

// jaeger.thrift's enums.
const TAG_STRING = 0;
const TAG_DOUBLE = 1;
const TAG_BOOL = 2;
const REF_FOLLOWS_FROM = 1;

/** What the Jaeger exporter sets on a span without trace flags: sampled. */
const DEFAULT_FLAGS = 1;

type TagValue = string | number | boolean;

/** A growable buffer with the few Thrift writes a Batch needs. */
class ThriftWriter {
  private buffer: Buffer;
  private offset = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  field(type: number, id: number): void {
    this.reserve(3);
    this.buffer[this.offset] = type;
    this.buffer.writeInt16BE(id, this.offset + 1);
    this.offset += 3;
  }

  stop(): void {
    this.reserve(1);
    this.buffer[this.offset++] = T_STOP;
  }

  list(elementType: number, size: number): void {
    this.reserve(5);
    this.buffer[this.offset] = elementType;
    this.buffer.writeInt32BE(size, this.offset + 1);
    this.offset += 5;
  }

  i32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
  }

  /** A whole, non-negative number below 2^53 (microseconds since the epoch fit), as a big-endian i64. */
  i64(value: number): void {
    this.reserve(8);
    const whole = value > 0 ? Math.trunc(value) : 0;
    this.buffer.writeUInt32BE(Math.floor(whole / 0x1_0000_0000), this.offset);
    this.buffer.writeUInt32BE(whole % 0x1_0000_0000, this.offset + 4);
    this.offset += 8;
  }

  /** 16 hex digits (an OpenTelemetry span id, half a trace id) as the i64 with those bytes. */
  i64Hex(hex: string): void {
    this.reserve(8);
    this.buffer.write(hex, this.offset, 8, 'hex');
    this.offset += 8;
  }

  double(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleBE(value, this.offset);
    this.offset += 8;
  }

  bool(value: boolean): void {
    this.reserve(1);
    this.buffer[this.offset++] = value ? 1 : 0;
  }

  string(value: string): void {
    // At most 3 bytes per UTF-16 unit; written in place, then its length before it.
    this.reserve(4 + value.length * 3);
    const length = this.buffer.write(value, this.offset + 4, 'utf8');
    this.buffer.writeInt32BE(length, this.offset);
    this.offset += 4 + length;
  }

  bytes(value: Buffer): void {
    this.reserve(value.length);
    value.copy(this.buffer, this.offset);
    this.offset += value.length;
  }

  done(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/** An attribute's tag value as the Jaeger exporter makes it: numbers and booleans as they are, anything else as String(). */
function tagValue(value: AttributeValue | undefined): TagValue {
  return typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
}

/** A Tag struct: its key, its type and the one value field that type names. */
function writeTag(w: ThriftWriter, key: string, value: TagValue): void {
  w.field(T_STRING, 1);
  w.string(key);
  w.field(T_I32, 2);
  if (typeof value === 'number') {
    w.i32(TAG_DOUBLE);
    w.field(T_DOUBLE, 4);
    w.double(value);
  } else if (typeof value === 'boolean') {
    w.i32(TAG_BOOL);
    w.field(T_BOOL, 5);
    w.bool(value);
  } else {
    w.i32(TAG_STRING);
    w.field(T_STRING, 3);
    w.string(value);
  }
  w.stop();
}

function writeAttributeTags(w: ThriftWriter, attributes: Attributes): void {
  for (const key in attributes) writeTag(w, key, tagValue(attributes[key]));
}

/**
 * The resource's tags, encoded once per resource: every span repeats them (the Jaeger exporter puts the resource on each
 * span, not on the process), and a provider's resource never changes.
 */
const resourceTags = new WeakMap<Attributes, { count: number; bytes: Buffer }>();

function encodedResourceTags(attributes: Attributes): { count: number; bytes: Buffer } {
  let encoded = resourceTags.get(attributes);
  if (!encoded) {
    const w = new ThriftWriter(512);
    writeAttributeTags(w, attributes);
    encoded = { count: countKeys(attributes), bytes: Buffer.from(w.done()) };
    resourceTags.set(attributes, encoded);
  }
  return encoded;
}

function countKeys(attributes: Attributes): number {
  let n = 0;
  for (const _ in attributes) n++;
  return n;
}

/** The span's tags in the Jaeger exporter's order: attributes, status, error, kind, resource, scope, dropped counts. */
function writeSpanTags(w: ThriftWriter, span: ReadableSpan): void {
  const extra: Array<[string, TagValue]> = [];
  if (span.status.code !== SpanStatusCode.UNSET) {
    extra.push(['otel.status_code', SpanStatusCode[span.status.code]]);
    if (span.status.message) extra.push(['otel.status_description', span.status.message]);
  }
  if (span.status.code === SpanStatusCode.ERROR) extra.push(['error', true]);
  if (span.kind !== undefined && span.kind !== SpanKind.INTERNAL) extra.push(['span.kind', SpanKind[span.kind].toLowerCase()]);
  const resource = encodedResourceTags(span.resource.attributes);
  const scope = span.instrumentationScope;
  const trailing: Array<[string, TagValue]> = [];
  if (scope) trailing.push(['otel.library.name', tagValue(scope.name)], ['otel.library.version', tagValue(scope.version)]);
  if (span.droppedAttributesCount) trailing.push(['otel.dropped_attributes_count', span.droppedAttributesCount]);
  if (span.droppedEventsCount) trailing.push(['otel.dropped_events_count', span.droppedEventsCount]);
  if (span.droppedLinksCount) trailing.push(['otel.dropped_links_count', span.droppedLinksCount]);

  w.field(T_LIST, 10);
  w.list(T_STRUCT, countKeys(span.attributes) + extra.length + resource.count + trailing.length);
  writeAttributeTags(w, span.attributes);
  for (const [key, value] of extra) writeTag(w, key, value);
  w.bytes(resource.bytes);
  for (const [key, value] of trailing) writeTag(w, key, value);
}

/** Events as Logs: an `event` field with the name, then the event's attributes, at the event's time in microseconds. */
function writeLogs(w: ThriftWriter, span: ReadableSpan): void {
  w.field(T_LIST, 11);
  w.list(T_STRUCT, span.events.length);
  for (const event of span.events) {
    const attributes = event.attributes ?? {};
    const dropped = event.droppedAttributesCount ? 1 : 0;
    w.field(T_I64, 1);
    w.i64(eventMicros(event.time));
    w.field(T_LIST, 2);
    w.list(T_STRUCT, 1 + countKeys(attributes) + dropped);
    writeTag(w, 'event', event.name);
    writeAttributeTags(w, attributes);
    if (dropped) writeTag(w, 'otel.event.dropped_attributes_count', event.droppedAttributesCount!);
    w.stop();
  }
}

/** The Jaeger exporter's log time: milliseconds (with their fraction) times 1000, the fraction cut off as node-int64 does. */
function eventMicros(time: HrTime): number {
  return Math.trunc(hrTimeToMilliseconds(time) * 1000);
}

/** Links as FOLLOWS_FROM references, as the Jaeger exporter writes them. */
function writeReferences(w: ThriftWriter, span: ReadableSpan): void {
  w.field(T_LIST, 6);
  w.list(T_STRUCT, span.links.length);
  for (const link of span.links) {
    const { traceId, spanId } = link.context;
    w.field(T_I32, 1);
    w.i32(REF_FOLLOWS_FROM);
    w.field(T_I64, 2);
    w.i64Hex(traceId.slice(16));
    w.field(T_I64, 3);
    w.i64Hex(traceId.slice(0, 16));
    w.field(T_I64, 4);
    w.i64Hex(spanId);
    w.stop();
  }
}

function writeSpan(w: ThriftWriter, span: ReadableSpan): void {
  const context = span.spanContext();
  const traceId = context.traceId.padStart(32, '0');
  const parent = span.parentSpanContext?.spanId;
  w.field(T_I64, 1);
  w.i64Hex(traceId.slice(16));
  w.field(T_I64, 2);
  w.i64Hex(traceId.slice(0, 16));
  w.field(T_I64, 3);
  w.i64Hex(context.spanId);
  w.field(T_I64, 4);
  if (parent) w.i64Hex(parent);
  else w.i64(0);
  w.field(T_STRING, 5);
  w.string(span.name);
  writeReferences(w, span);
  w.field(T_I32, 7);
  w.i32(context.traceFlags || DEFAULT_FLAGS);
  w.field(T_I64, 8);
  w.i64(hrTimeToMicroseconds(span.startTime));
  w.field(T_I64, 9);
  w.i64(hrTimeToMicroseconds(span.duration));
  writeSpanTags(w, span);
  writeLogs(w, span);
  w.stop();
}

/**
 * One Batch: the process (named by the first span's service.name, with no tags, as the Jaeger exporter names it from
 * the first span it sees) and every span.
 */
export function encodeBatch(spans: readonly ReadableSpan[]): Buffer {
  const w = new ThriftWriter(1024 * Math.max(1, spans.length));
  const serviceName = spans[0]?.resource.attributes['service.name'];
  w.field(T_STRUCT, 1);
  w.field(T_STRING, 1);
  w.string(typeof serviceName === 'string' && serviceName ? serviceName : 'unknown_service');
  w.field(T_LIST, 2);
  w.list(T_STRUCT, 0);
  w.stop();
  w.field(T_LIST, 2);
  w.list(T_STRUCT, spans.length);
  for (const span of spans) writeSpan(w, span);
  w.stop();
  return w.done();
}
