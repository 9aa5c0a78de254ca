// OTEL_TRACES_EXPORTER=console: one JSON line per span on stdout, instead of the SDK's multi-line console.dir of each.

import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, hrTimeToMicroseconds } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

type Write = (line: string) => void;

/** The span in the ids and words people search logs with; the resource is the service's, already on its other lines. */
export function spanLine(span: ReadableSpan, now = Date.now()): string {
  const context = span.spanContext();
  return JSON.stringify({
    level: 30,
    time: now,
    service: span.resource.attributes['service.name'],
    trace_id: context.traceId,
    span_id: context.spanId,
    ...(span.parentSpanContext?.spanId && { parent_span_id: span.parentSpanContext.spanId }),
    kind: SpanKind[span.kind],
    name: span.name,
    duration_ms: Math.round(hrTimeToMicroseconds(span.duration)) / 1000,
    status: SpanStatusCode[span.status.code],
    ...(span.status.message && { status_message: span.status.message }),
    attributes: span.attributes,
    msg: 'span',
  });
}

export class JsonConsoleExporter implements SpanExporter {
  private readonly write: Write;

  constructor(write: Write = (line) => process.stdout.write(line)) {
    this.write = write;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) this.write(`${spanLine(span)}\n`);
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
