// Counts the sampled spans that ended, around the real processor: with the exporter's count, shutdown knows what is unsent.
import { type Context, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export class CountingProcessor implements SpanProcessor {
  /** Sampled spans that ended: the ones the batch processor queues (or drops when its queue is full). */
  ended = 0;

  private readonly inner: SpanProcessor;

  constructor(inner: SpanProcessor) {
    this.inner = inner;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The batch processor's own test: unsampled spans never reach an exporter, so they are never unsent.
    if (span.spanContext().traceFlags & TraceFlags.SAMPLED) this.ended += 1;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
