// Reading what a real Jaeger stored: trace shapes and the edges a trace view draws (Jaeger itself: @mesh-demo/devtools).
import type { Jaeger } from '@mesh-demo/devtools';
import { until } from '../../support/poll.ts';
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

/** Waits until Jaeger holds the trace with spans from all `services` (spans of one trace arrive from several processes). */
export function completeTrace(jaeger: Jaeger, traceId: string, services: readonly string[], timeoutMs = 20_000): Promise<JaegerTrace> {
  return until(
    `trace ${traceId} with spans of ${services.join(', ')} in Jaeger`,
    async () => {
      const trace = await jaeger.trace<JaegerTrace>(traceId);
      if (!trace) return undefined;
      const names = serviceNames(trace);
      return services.every((s) => names.has(s)) ? trace : undefined;
    },
    timeoutMs,
  );
}
