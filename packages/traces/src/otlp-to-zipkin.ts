// OTLP/JSON trace requests (what Jaeger's otlphttp exporter sends) as Zipkin v2 spans (what Zipkin's /api/v2/spans takes).
import { isIPv4, isIPv6 } from 'node:net';

export interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

export interface ZipkinAnnotation {
  /** Microseconds since the epoch. */
  timestamp: number;
  value: string;
}

/** One span of Zipkin's v2 model (https://zipkin.io/zipkin-api/#/default/post_spans), as far as this bridge fills it. */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  /** OTLP's INTERNAL (and unspecified) kind has no Zipkin counterpart: the field is left out. */
  kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  /** Microseconds since the epoch. */
  timestamp: number;
  /** Microseconds, at least 1 (Zipkin refuses 0). */
  duration: number;
  localEndpoint: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations?: ZipkinAnnotation[];
  tags?: Record<string, string>;
}

/**
 * A request whose shape is not an ExportTraceServiceRequest is refused whole (`ok: false`, one line naming the place).
 * A span that is wrong in itself (an id that is not hex, a time that is not a number) is left out and named in
 * `rejected`, so one odd span does not cost its batch.
 */
export type Conversion =
  | { readonly ok: true; readonly spans: ZipkinSpan[]; readonly rejected: string[] }
  | { readonly ok: false; readonly error: string };

type Json = Record<string, unknown>;

/** OTLP's SpanKind, as the number protojson writes or the enum name some encoders write. */
const KINDS: Record<string, ZipkinSpan['kind']> = {
  '2': 'SERVER',
  '3': 'CLIENT',
  '4': 'PRODUCER',
  '5': 'CONSUMER',
  SPAN_KIND_SERVER: 'SERVER',
  SPAN_KIND_CLIENT: 'CLIENT',
  SPAN_KIND_PRODUCER: 'PRODUCER',
  SPAN_KIND_CONSUMER: 'CONSUMER',
};
const STATUS_ERROR = new Set(['2', 'STATUS_CODE_ERROR']);
const STATUS_OK = new Set(['1', 'STATUS_CODE_OK']);

/** Attributes that say who is at the other end, by the span's side (old and current semantic conventions). */
const PEER_NAME = ['peer.service', 'server.address', 'net.peer.name'];
const CLIENT_ADDRESS = ['client.address', 'network.peer.address', 'net.peer.ip', 'net.sock.peer.addr'];
const SERVER_ADDRESS = ['network.peer.address', 'net.peer.ip', 'net.sock.peer.addr', 'server.address', 'net.peer.name'];
const CLIENT_PORT = ['client.port', 'network.peer.port', 'net.peer.port', 'net.sock.peer.port'];
const SERVER_PORT = ['server.port', 'network.peer.port', 'net.peer.port', 'net.sock.peer.port'];

class Malformed extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60);
}

/** The list at `object[key]`: absent is empty (protojson leaves out empty lists), anything else but an array is refused. */
function list(object: Json, key: string, path: string): unknown[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Malformed(`${path}.${key}: expected an array, got ${typeName(value)}`);
  return value;
}

function entry(value: unknown, path: string): Json {
  if (!isObject(value)) throw new Malformed(`${path}: expected an object, got ${typeName(value)}`);
  return value;
}

/** An AnyValue as a plain JSON value: what a tag shows (strings as they are, the rest as JSON). */
function plain(value: unknown): unknown {
  if (!isObject(value)) return value ?? '';
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  // int64 is a string in protojson (it does not fit a double); shown as the digits it carries.
  if ('intValue' in value) {
    const number = Number(value.intValue);
    return Number.isSafeInteger(number) ? number : value.intValue;
  }
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return value.bytesValue;
  if ('arrayValue' in value) {
    const values = isObject(value.arrayValue) ? value.arrayValue.values : undefined;
    return Array.isArray(values) ? values.map(plain) : [];
  }
  if ('kvlistValue' in value) {
    const values = isObject(value.kvlistValue) ? value.kvlistValue.values : undefined;
    return Array.isArray(values) ? Object.fromEntries(values.filter(isObject).map((kv) => [String(kv.key), plain(kv.value)])) : {};
  }
  return '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** KeyValue[] as a map of plain values; a KeyValue without a string key is not an attribute and is passed over. */
function attributes(object: Json, path: string): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const kv of list(object, 'attributes', path)) {
    if (isObject(kv) && typeof kv.key === 'string') map.set(kv.key, plain(kv.value));
  }
  return map;
}

/** Microseconds from protojson's fixed64 nanoseconds (a string of digits, or a number from a lenient encoder). */
function micros(value: unknown, path: string): number {
  if (value === undefined) throw new Malformed(`${path}: missing`);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return Math.floor(value / 1000);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return Number(BigInt(value) / 1000n);
  throw new Malformed(`${path}: expected unix nanoseconds as a string of digits, got ${typeName(value)}`);
}

/** A lower-case hex id of one of the lengths Zipkin takes; all zeros is OTLP's "no id". */
function hexId(value: unknown, path: string, lengths: readonly number[]): string {
  if (value === undefined || value === '') throw new Malformed(`${path}: missing`);
  if (typeof value !== 'string' || !lengths.includes(value.length) || !/^[0-9a-fA-F]+$/.test(value)) {
    throw new Malformed(`${path}: expected ${lengths.join(' or ')} hex characters, got ${typeName(value)}`);
  }
  if (/^0+$/.test(value)) throw new Malformed(`${path}: all zeros, which OTLP calls an invalid id`);
  return value.toLowerCase();
}

function first(attrs: Map<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) if (attrs.has(key) && attrs.get(key) !== '') return attrs.get(key);
  return undefined;
}

/** Who the span talked to: a name, an address Zipkin can parse, a port; undefined when the span says nothing of it. */
function remote(kind: ZipkinSpan['kind'], attrs: Map<string, unknown>): ZipkinEndpoint | undefined {
  if (!kind) return undefined;
  const outgoing = kind === 'CLIENT' || kind === 'PRODUCER';
  const endpoint: ZipkinEndpoint = {};
  const address = first(attrs, outgoing ? SERVER_ADDRESS : CLIENT_ADDRESS);
  // Zipkin refuses a whole request whose ipv4 or ipv6 does not parse, so only real addresses go there.
  if (typeof address === 'string' && isIPv4(address)) endpoint.ipv4 = address;
  else if (typeof address === 'string' && isIPv6(address)) endpoint.ipv6 = address;
  const name = outgoing ? first(attrs, PEER_NAME) : attrs.get('peer.service');
  if (typeof name === 'string' && !isIPv4(name) && !isIPv6(name)) endpoint.serviceName = name;
  const port = Number(first(attrs, outgoing ? SERVER_PORT : CLIENT_PORT));
  if (Number.isInteger(port) && port > 0 && port < 65536) endpoint.port = port;
  return Object.keys(endpoint).length ? endpoint : undefined;
}

function statusTags(status: unknown, tags: Record<string, string>): void {
  if (!isObject(status)) return;
  const code = String(status.code ?? '');
  const message = typeof status.message === 'string' ? status.message : '';
  if (STATUS_ERROR.has(code)) {
    tags['otel.status_code'] = 'ERROR';
    // Zipkin's UI marks a span as failed by its `error` tag; its value is the message when there is one.
    tags.error = message || 'true';
    if (message) tags['otel.status_description'] = message;
  } else if (STATUS_OK.has(code)) {
    tags['otel.status_code'] = 'OK';
  }
}

function annotations(span: Json, path: string, fallback: number): ZipkinAnnotation[] {
  return list(span, 'events', path).map((value, index) => {
    const event = entry(value, `${path}.events[${index}]`);
    const name = typeof event.name === 'string' ? event.name : '';
    const attrs = attributes(event, `${path}.events[${index}]`);
    const timestamp = event.timeUnixNano === undefined ? fallback : micros(event.timeUnixNano, `${path}.events[${index}].timeUnixNano`);
    return { timestamp, value: attrs.size ? `${name} ${JSON.stringify(Object.fromEntries(attrs))}` : name };
  });
}

interface Context {
  readonly serviceName: string;
  /** Resource and scope tags every span of the scope carries (the span's own attributes win over them). */
  readonly tags: Record<string, string>;
}

function zipkinSpan(span: Json, path: string, context: Context): ZipkinSpan {
  const traceId = hexId(span.traceId, `${path}.traceId`, [32, 16]);
  const id = hexId(span.spanId, `${path}.spanId`, [16]);
  const parentId =
    span.parentSpanId === undefined || span.parentSpanId === '' ? undefined : hexId(span.parentSpanId, `${path}.parentSpanId`, [16]);
  if (span.name !== undefined && typeof span.name !== 'string')
    throw new Malformed(`${path}.name: expected a string, got ${typeName(span.name)}`);
  const start = micros(span.startTimeUnixNano, `${path}.startTimeUnixNano`);
  const end = micros(span.endTimeUnixNano, `${path}.endTimeUnixNano`);
  const kind = KINDS[String(span.kind ?? '')];
  const attrs = attributes(span, path);
  const tags: Record<string, string> = { ...context.tags };
  for (const [key, value] of attrs) tags[key] = text(value);
  statusTags(span.status, tags);
  const out: ZipkinSpan = {
    traceId,
    id,
    ...(parentId ? { parentId } : {}),
    ...(span.name ? { name: span.name } : {}),
    ...(kind ? { kind } : {}),
    timestamp: start,
    duration: Math.max(1, end - start),
    localEndpoint: { serviceName: context.serviceName },
  };
  const peer = remote(kind, attrs);
  if (peer) out.remoteEndpoint = peer;
  const events = annotations(span, path, start);
  if (events.length) out.annotations = events;
  if (Object.keys(tags).length) out.tags = tags;
  return out;
}

/** Converts one OTLP/JSON ExportTraceServiceRequest (already parsed); never throws. */
export function otlpToZipkin(request: unknown): Conversion {
  try {
    if (!isObject(request)) {
      return { ok: false, error: `not an OTLP ExportTraceServiceRequest: expected a JSON object, got ${typeName(request)}` };
    }
    const spans: ZipkinSpan[] = [];
    const rejected: string[] = [];
    list(request, 'resourceSpans', 'request').forEach((rsValue, r) => {
      const rsPath = `resourceSpans[${r}]`;
      const rs = entry(rsValue, rsPath);
      const resource = rs.resource === undefined ? {} : entry(rs.resource, `${rsPath}.resource`);
      const resourceAttrs = attributes(resource, `${rsPath}.resource`);
      const name = resourceAttrs.get('service.name');
      // The SDKs' own default when no service name is set; Zipkin's search lists services by this name.
      const serviceName = typeof name === 'string' && name ? name : 'unknown_service';
      resourceAttrs.delete('service.name');
      const resourceTags = Object.fromEntries([...resourceAttrs].map(([key, value]) => [key, text(value)]));
      list(rs, 'scopeSpans', rsPath).forEach((ssValue, s) => {
        const ssPath = `${rsPath}.scopeSpans[${s}]`;
        const ss = entry(ssValue, ssPath);
        const scope = ss.scope === undefined ? {} : entry(ss.scope, `${ssPath}.scope`);
        const scopeTags: Record<string, string> = {};
        if (typeof scope.name === 'string' && scope.name) scopeTags['otel.scope.name'] = scope.name;
        if (typeof scope.version === 'string' && scope.version) scopeTags['otel.scope.version'] = scope.version;
        const context = { serviceName, tags: { ...resourceTags, ...scopeTags } };
        list(ss, 'spans', ssPath).forEach((spanValue, i) => {
          const path = `${ssPath}.spans[${i}]`;
          try {
            spans.push(zipkinSpan(entry(spanValue, path), path, context));
          } catch (error) {
            if (!(error instanceof Malformed)) throw error;
            rejected.push(error.message);
          }
        });
      });
    });
    return { ok: true, spans, rejected };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, error: error.message };
    return { ok: false, error: `could not convert the request: ${(error as Error).message}` };
  }
}
