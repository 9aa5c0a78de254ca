// Which request headers cross each hop, the checks that keep forwarded values safe, and what a header says about a request.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Trace context headers: forwarded as they came until OpenTelemetry's propagators own them. */
export const TRACE_HEADERS = [
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'baggage',
  'x-ot-span-context',
] as const;

/** Headers people match on in VirtualServices, so they must reach every hop. */
export const ROUTING_HEADERS = ['user-agent', 'end-user', 'user', 'user-preference', 'authorization', 'baggage-user-agent'] as const;

/** Default PROPAGATE_HEADERS; x-request-id is always forwarded on top of it (it is the request's identity). */
export const DEFAULT_PROPAGATED_HEADERS: readonly string[] = [...TRACE_HEADERS, ...ROUTING_HEADERS];

export const REQUEST_ID_HEADER = 'x-request-id';
/** The characters of a header name (RFC 9110's token), for patterns that take one: PROPAGATE_HEADERS, a fault's match. */
const HEADER_NAME_CHARS = "[!#$%&'*+.^_`|~0-9A-Za-z-]";
/** A header name a setting may name: one rule for env and for PUT /faults, so what one accepts the other does too. */
export const HEADER_NAME = `${HEADER_NAME_CHARS}{1,64}`;
const MAX_FORWARDED_VALUE = 4096;
// Why a strict alphabet: the id lands in logs and other services' headers; anything odd is replaced, not escaped.
const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
// Visible ASCII and tab only: CR/LF would split headers downstream, other controls corrupt logs.
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

/** The incoming x-request-id when well-formed, else a fresh UUID. */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  const value = headers[REQUEST_ID_HEADER];
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/** A header value fit to forward, or undefined to drop it (never partially cleaned: a mangled auth or trace value is worse than none). */
export function safeHeaderValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(', ') : value;
  if (joined.length > MAX_FORWARDED_VALUE || !SAFE_VALUE.test(joined)) return undefined;
  return joined;
}

export interface PropagationOptions {
  /** Header names (lower case) to copy from the incoming request. */
  readonly names: readonly string[];
  readonly requestId: string;
  /** Edge services derive `baggage-user-agent` from `user-agent` (the tutorial routes browsers on it). */
  readonly edge: boolean;
}

/** The names to copy, less those a tracer writes itself: worked out once per service, not per request. */
export function namesToCopy(names: readonly string[], skip: ReadonlySet<string> | undefined): readonly string[] {
  return skip ? names.filter((name) => !skip.has(name)) : names;
}

/** The headers to send downstream for one incoming request. */
export function propagatedHeaders(incoming: IncomingHttpHeaders, options: PropagationOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of options.names) {
    const value = safeHeaderValue(incoming[name]);
    if (value !== undefined) out[name] = value;
  }
  if (options.edge) {
    // The edge owns this header: derived from user-agent only, never trusted from outside.
    delete out['baggage-user-agent'];
    const userAgent = safeHeaderValue(incoming['user-agent']);
    if (userAgent !== undefined) out['baggage-user-agent'] = userAgent;
  }
  out[REQUEST_ID_HEADER] = options.requestId;
  return out;
}

/**
 * Whether a request is a mirrored copy: it arrived on the shadow port (where the chart points mirrors: the only mark
 * that survives Istio >= 1.28, whose mirrors keep the Host as it was), or its Host carries the `-shadow` suffix older
 * meshes append (Envoy puts it before the port; older ones after it).
 */
export function isShadow(host: string | undefined, localPort?: number, shadowPort?: number): boolean {
  if (shadowPort !== undefined && localPort === shadowPort) return true;
  if (!host) return false;
  return host.endsWith('-shadow') || host.replace(/:\d+$/, '').endsWith('-shadow');
}
