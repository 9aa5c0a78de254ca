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

/** `200`, `ERROR 503`, `ERROR` or `ok`: the HTTP status where the span has one, marked when OpenTelemetry says it failed. */
export function spanStatus(span: Span): string {
  const failed = tag(span, 'otel.status_code') === 'ERROR' || tag(span, 'error') === true;
  const http = tag(span, 'http.response.status_code') ?? tag(span, 'http.status_code');
  const code = http === undefined ? undefined : String(http);
  if (failed) return code ? `ERROR ${code}` : 'ERROR';
  return code ?? 'ok';
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
  const kind = (span: Span) => {
    const value = tag(span, 'span.kind');
    return value === 'client' || value === 'producer' || value === 'consumer' ? ` (${value})` : '';
  };

  const rows: Row[] = [];
  const seen = new Set<string>();
  const walk = (span: Span, lead: string, branch: string) => {
    // Jaeger does not forbid a reference loop; a tree must not follow one forever.
    if (seen.has(span.spanID)) return;
    seen.add(span.spanID);
    rows.push({
      label: `${lead}${branch}${service(span)} ${span.operationName}${kind(span)}`,
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
