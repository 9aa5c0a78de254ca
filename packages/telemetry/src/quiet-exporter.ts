// Wraps a span exporter so a dead collector costs one warning (and one line when it is back), not a line per batch.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

export type Warn = (line: string) => void;

export class QuietExporter implements SpanExporter {
  private failing = false;
  /** Spans dropped since the collector became unreachable; reported when it comes back. */
  private dropped = 0;

  private readonly inner: SpanExporter;
  private readonly describe: string;
  private readonly warn: Warn;

  constructor(inner: SpanExporter, describe: string, warn: Warn) {
    this.inner = inner;
    this.describe = describe;
    this.warn = warn;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let called = false;
    const finish = (result: ExportResult) => {
      if (called) return;
      called = true;
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.failing) this.warn(`telemetry: span export to ${this.describe} works again (${this.dropped} spans were dropped)`);
        this.failing = false;
        this.dropped = 0;
      } else {
        if (!this.failing) {
          const reason = result.error?.message?.split('\n', 1)[0] ?? 'unknown error';
          this.warn(`telemetry: span export to ${this.describe} failed (${reason}); dropping spans until it works again`);
        }
        this.failing = true;
        this.dropped += spans.length;
      }
      // The batch processor would log every failure through the global error handler: we have said it once.
      done({ code: ExportResultCode.SUCCESS });
    };
    try {
      this.inner.export(spans, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {
    await this.inner.shutdown();
  }

  async forceFlush(): Promise<void> {
    await this.inner.forceFlush?.();
  }
}
