// Wraps a span exporter so a dead collector costs one JSON line (and one when it is back), not a line per batch.
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Log } from './log.ts';

/** Every "down" line starts so, whether a start-up probe or an export found it: one phrase to grep for. */
export const NOT_EXPORTED = 'telemetry: traces are not exported';
/** The way out, on every "down" line: people reading it want to know how to make it stop. */
export const HOW_TO_TURN_OFF = 'set OTEL_TRACES_EXPORTER=none to turn tracing off';

/** "1 span", "3 spans". */
export const spanCount = (n: number) => `${n} span${n === 1 ? '' : 's'}`;

export class QuietExporter implements SpanExporter {
  private failing = false;
  /** Spans dropped since the collector became unreachable; reported when it comes back. */
  private dropped = 0;
  /** Spans whose export finished, either way: with the spans that ended, this tells shutdown what is still unsent. */
  private finished = 0;

  private readonly inner: SpanExporter;
  private readonly describe: string;
  private readonly log: Log;

  constructor(inner: SpanExporter, describe: string, log: Log) {
    this.inner = inner;
    this.describe = describe;
    this.log = log;
  }

  /** Spans handed to export() whose export has finished (sent or dropped). */
  get settled(): number {
    return this.finished;
  }

  /** True from a failed export (or a failed start-up probe) until an export works again. */
  get down(): boolean {
    return this.failing;
  }

  /** A start-up probe found no collector: say so now, once, rather than at the first failed export seconds later. */
  markUnreachable(reason: string): void {
    if (this.failing) return;
    this.failing = true;
    this.log(
      'warn',
      `${NOT_EXPORTED}: no collector answers at ${this.describe} (${reason}). Start one there (see docs/telemetry.md) or ${HOW_TO_TURN_OFF}`,
    );
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    let called = false;
    const finish = (result: ExportResult) => {
      if (called) return;
      called = true;
      this.finished += spans.length;
      if (result.code === ExportResultCode.SUCCESS) {
        // At the level of the line it ends, so whoever saw "not exported" also sees this.
        if (this.failing)
          this.log('warn', `telemetry: span export to ${this.describe} works again (${spanCount(this.dropped)} dropped)`, {
            dropped: this.dropped,
          });
        this.failing = false;
        this.dropped = 0;
      } else {
        if (!this.failing) {
          const reason = result.error?.message?.split('\n', 1)[0] ?? 'unknown error';
          this.log(
            'warn',
            `${NOT_EXPORTED}: span export to ${this.describe} failed (${reason}); spans are dropped until it works again. To stop this, ${HOW_TO_TURN_OFF}`,
          );
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
