// A trace as Jaeger's query API returns it, drawn as an indented tree of spans: service, operation, start, duration, status.

/** The part of Jaeger's JSON trace (GET /api/traces/<id>) that the tree needs; times are in microseconds. */
export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: ReadonlyArray<{
    readonly spanID: string;
    readonly operationName: string;
    readonly references?: ReadonlyArray<{ readonly refType: string; readonly spanID: string }> | null;
    readonly startTime: number;
    readonly duration: number;
    readonly processID: string;
    readonly tags?: ReadonlyArray<{ readonly key: string; readonly value: unknown }> | null;
  }>;
  readonly processes: Readonly<Record<string, { readonly serviceName: string }>>;
}

type Span = JaegerTrace['spans'][number];

function tag(span: Span, key: string): unknown {
  return span.tags?.find((t) => t.key === key)?.value;
}

/**
 * `200`, `ERROR 503`, `ERROR` or `ok`: the HTTP status where the span has one, marked when OpenTelemetry says it failed;
 * a proxy's span adds Envoy's response flags when it set any (`FI` a fault's abort, `DI` its delay, `UF` no upstream).
 */
export function spanStatus(span: Span): string {
  const failed = tag(span, 'otel.status_code') === 'ERROR' || tag(span, 'error') === true || tag(span, 'error') === 'true';
  const http = tag(span, 'http.response.status_code') ?? tag(span, 'http.status_code');
  const code = http === undefined ? undefined : String(http);
  const flags = tag(span, 'response_flags');
  const flagged = typeof flags === 'string' && flags !== '-' && flags !== '' ? ` ${flags}` : '';
  if (failed) return `${code ? `ERROR ${code}` : 'ERROR'}${flagged}`;
  return `${code ?? 'ok'}${flagged}`;
}

/** `outbound|8080|v2|recommendation.mesh-demo.svc.cluster.local` -> `recommendation.mesh-demo:8080 v2`. */
export function upstreamOf(cluster: string): string {
  const [direction, port, subset, host] = cluster.split('|');
  if (direction !== 'outbound' || !host) return cluster;
  return `${host.replace(/\.svc\.cluster\.local$/, '')}:${port}${subset ? ` ${subset}` : ''}`;
}

/**
 * How a span is labelled after its service: an Envoy's (Istio tags them component=proxy) says which proxy (the
 * gateway, a router in Istio's node id, or a sidecar), which way (a server span is the proxy taking a request in, a
 * client span sending one on) and where to; an app's says when it served a mirrored copy (mesh_demo.shadow).
 */
function roleOf(span: Span, proxyKinds: ReadonlyMap<string, string>): string {
  if (tag(span, 'component') !== 'proxy') {
    const kind = tag(span, 'span.kind');
    const client = kind === 'client' || kind === 'producer' || kind === 'consumer' ? ` (${kind})` : '';
    const shadow = tag(span, 'mesh_demo.shadow') === true || tag(span, 'mesh_demo.shadow') === 'true' ? ' (shadow)' : '';
    return `${span.operationName}${client}${shadow}`;
  }
  const proxy = proxyKinds.get(span.processID) ?? 'proxy';
  const upstream = tag(span, 'upstream_cluster');
  if (tag(span, 'span.kind') === 'client')
    return `[${proxy} out] -> ${typeof upstream === 'string' ? upstreamOf(upstream) : span.operationName}`;
  return `[${proxy} in] ${String(tag(span, 'http.method') ?? '')} ${span.operationName}`.replace(/\s+/g, ' ');
}

/** Per process, `gateway` or `sidecar`, from Istio's node id (`router~...`, `sidecar~...`) on any of its spans. */
function proxyKindsOf(spans: readonly Span[]): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const span of spans) {
    const node = tag(span, 'node_id');
    if (typeof node === 'string') kinds.set(span.processID, node.startsWith('router~') ? 'gateway' : 'sidecar');
  }
  return kinds;
}

/** Microseconds as people read them: `0.42 ms`, `12.3 ms`, `1.25 s`. */
export function duration(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(2)} s`;
  if (us >= 10_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1000).toFixed(2)} ms`;
}

interface Row {
  readonly label: string;
  readonly start: string;
  readonly duration: string;
  readonly status: string;
}

/**
 * The header line and one row per span, children under their parent in start order. A span whose parent is not in
 * the trace (the caller's span id that came in with B3 or traceparent) is a root, as in Jaeger's own trace view.
 */
export function renderTrace(trace: JaegerTrace): string {
  if (trace.spans.length === 0) return `trace ${trace.traceID}: no spans`;
  const byId = new Map(trace.spans.map((span) => [span.spanID, span]));
  const parentOf = (span: Span) =>
    span.references?.find((r) => (r.refType === 'CHILD_OF' || r.refType === 'FOLLOWS_FROM') && byId.has(r.spanID))?.spanID;
  const children = new Map<string | undefined, Span[]>();
  for (const span of trace.spans) {
    const parent = parentOf(span);
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);

  const begin = Math.min(...trace.spans.map((s) => s.startTime));
  const end = Math.max(...trace.spans.map((s) => s.startTime + s.duration));
  const service = (span: Span) => trace.processes[span.processID]?.serviceName ?? '?';
  const proxyKinds = proxyKindsOf(trace.spans);

  const rows: Row[] = [];
  const seen = new Set<string>();
  const walk = (span: Span, lead: string, branch: string) => {
    // Jaeger does not forbid a reference loop; a tree must not follow one forever.
    if (seen.has(span.spanID)) return;
    seen.add(span.spanID);
    rows.push({
      label: `${lead}${branch}${service(span)} ${roleOf(span, proxyKinds)}`,
      start: `+${duration(span.startTime - begin)}`,
      duration: duration(span.duration),
      status: spanStatus(span),
    });
    const next = children.get(span.spanID) ?? [];
    const inner = branch === '' ? lead : `${lead}${branch === '└─ ' ? '   ' : '│  '}`;
    for (const [index, child] of next.entries()) walk(child, inner, index === next.length - 1 ? '└─ ' : '├─ ');
  };
  for (const root of children.get(undefined) ?? []) walk(root, '', '');
  // Spans no root leads to (a reference loop) are still shown, each as a root of its own.
  for (const span of [...trace.spans].sort((a, b) => a.startTime - b.startTime)) walk(span, '', '');

  const services = [...new Set(trace.spans.map(service))].sort();
  const header = `trace ${trace.traceID}: ${trace.spans.length} span${trace.spans.length === 1 ? '' : 's'} from ${services.join(', ')}, ${duration(end - begin)}, started ${new Date(begin / 1000).toISOString()}`;
  const widths = {
    label: Math.max('SPAN'.length, ...rows.map((r) => r.label.length)),
    start: Math.max('START'.length, ...rows.map((r) => r.start.length)),
    duration: Math.max('DURATION'.length, ...rows.map((r) => r.duration.length)),
  };
  const line = (r: Row) =>
    `${r.label.padEnd(widths.label)}  ${r.start.padStart(widths.start)}  ${r.duration.padStart(widths.duration)}  ${r.status}`;
  return [header, '', line({ label: 'SPAN', start: 'START', duration: 'DURATION', status: 'STATUS' }), ...rows.map(line)].join('\n');
}
