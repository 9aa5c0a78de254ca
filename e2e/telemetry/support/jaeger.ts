// Reading what a real Jaeger stored: trace shapes and the edges a trace view draws (Jaeger itself: @mesh-demo/devtools).
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: ReadonlyArray<{ refType: string; traceID: string; spanID: string }>;
  readonly processID: string;
  readonly tags: ReadonlyArray<{ key: string; value: unknown }>;
}

export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

/** Service name of each span, by span id. */
export function servicesBySpan(trace: JaegerTrace): Map<string, string> {
  return new Map(trace.spans.map((span) => [span.spanID, trace.processes[span.processID]?.serviceName ?? '?']));
}

/** True when some span of `child` has a parent span in `parent`: the edge a trace view draws between the two services. */
export function hasEdge(trace: JaegerTrace, parent: string, child: string): boolean {
  const service = servicesBySpan(trace);
  return trace.spans.some(
    (span) =>
      service.get(span.spanID) === child && span.references.some((r) => r.refType === 'CHILD_OF' && service.get(r.spanID) === parent),
  );
}

export function serviceNames(trace: JaegerTrace): Set<string> {
  return new Set(servicesBySpan(trace).values());
}
