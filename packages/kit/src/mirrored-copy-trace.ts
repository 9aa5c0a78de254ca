// A mirrored copy's own trace: Istio sends mirrors unsampled, so without one nothing the copy does would be recorded.
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@mesh-demo/kit');

/**
 * Runs `work` (the hop's handling of GET /) in a trace of its own when this request is a mirrored copy whose trace the
 * proxies did not sample. Istio gives every mirror policy `trace_sampled: false` (pilot's TranslateRequestMirrorPolicy),
 * so Envoy sends the copy under an unsampled child span: the receiving sidecar records nothing, and a parent-based
 * sampler would drop the app's spans too. The copy's trace starts here, as a root (sampled by the parent-based
 * sampler's root rule), linked to the request's unsampled span in the original trace, so the copy and what it calls downstream show as
 * one trace beside the original. A copy that arrives sampled (another mesh) stays in its trace, as does any request
 * that is not a copy, and nothing happens without a tracer.
 */
export async function inMirroredCopyTrace<T>(
  shadow: boolean,
  attributes: Readonly<Record<string, string | boolean>>,
  work: () => Promise<T>,
  statusCode: () => number,
): Promise<T> {
  const current = trace.getActiveSpan();
  if (!shadow || !current || current.isRecording()) return work();
  const original = current.spanContext();
  const span: Span = tracer.startSpan(
    'GET /',
    { root: true, kind: SpanKind.SERVER, attributes: { ...attributes }, links: [{ context: original }] },
    context.active(),
  );
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } finally {
    span.setAttribute('http.response.status_code', statusCode());
    span.end();
  }
}
