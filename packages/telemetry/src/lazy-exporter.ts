// The SDK's exporter, built at its first export rather than at start-up.
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Imports and builds the exporter at the first export instead of at start-up: the exporter packages are the largest part
 * of tracing's load time, and the first batch leaves a second after the first request, well after the pod is ready.
 */
export class LazyExporter implements SpanExporter {
  private loading: Promise<SpanExporter> | undefined;
  private readonly load: () => Promise<SpanExporter>;

  constructor(load: () => Promise<SpanExporter>) {
    this.load = load;
  }

  private exporter(): Promise<SpanExporter> {
    this.loading ??= this.load();
    return this.loading;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exporter().then(
      (exporter) => exporter.export(spans, done),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.loading) await (await this.loading).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.loading) await (await this.loading).forceFlush?.();
  }
}
