// The exporter wrapper: failures are reported once per outage, as JSON-ready log calls, and never reach the batch processor as errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Log } from '../src/log.ts';
import { QuietExporter } from '../src/quiet-exporter.ts';

function scripted(results: ExportResult[]): SpanExporter {
  return {
    export: (_spans, done) => done(results.shift() ?? { code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
}

const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);
const failed = (message: string): ExportResult => ({ code: ExportResultCode.FAILED, error: new Error(message) });

function recorder(): { lines: Array<{ level: string; msg: string }>; log: Log } {
  const lines: Array<{ level: string; msg: string }> = [];
  return { lines, log: (level, msg) => void lines.push({ level, msg }) };
}

test('an outage of three batches gives one warning naming the way to turn tracing off, then one line when export works again', () => {
  const { lines, log } = recorder();
  const exporter = new QuietExporter(
    scripted([failed('connect ECONNREFUSED'), failed('x'), failed('y'), { code: ExportResultCode.SUCCESS }]),
    'otlp http://c:4318/v1/traces',
    log,
  );
  const results: ExportResult[] = [];
  for (const n of [2, 3, 4, 1]) exporter.export(spans(n), (r) => results.push(r));
  assert.deepEqual(lines, [
    {
      level: 'warn',
      msg: 'telemetry: traces are not exported: span export to otlp http://c:4318/v1/traces failed (connect ECONNREFUSED); spans are dropped until it works again. To stop this, set OTEL_TRACES_EXPORTER=none to turn tracing off',
    },
    { level: 'warn', msg: 'telemetry: span export to otlp http://c:4318/v1/traces works again (9 spans dropped)' },
  ]);
  assert.ok(
    results.every((r) => r.code === ExportResultCode.SUCCESS),
    'the batch processor never sees a failure to log',
  );
  assert.equal(exporter.settled, 10, 'every span handed over counts as settled, sent or dropped');
  assert.equal(exporter.down, false);
});

test('a failed start-up probe says so once; the export failures after it add no second line', () => {
  const { lines, log } = recorder();
  const exporter = new QuietExporter(
    scripted([failed('connect ECONNREFUSED'), failed('again')]),
    'otlp http://localhost:4318/v1/traces',
    log,
  );
  exporter.markUnreachable('ECONNREFUSED');
  exporter.markUnreachable('ECONNREFUSED');
  exporter.export(spans(1), () => {});
  exporter.export(spans(1), () => {});
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 'warn');
  assert.equal(
    lines[0]!.msg,
    'telemetry: traces are not exported: no collector answers at otlp http://localhost:4318/v1/traces (ECONNREFUSED). Start one there (see docs/telemetry.md) or set OTEL_TRACES_EXPORTER=none to turn tracing off',
  );
  assert.equal(exporter.down, true);
});

test('an exporter that throws counts as a failed export, not a crash', () => {
  const { lines, log } = recorder();
  const throwing: SpanExporter = {
    export: () => {
      throw new Error('boom');
    },
    shutdown: async () => {},
  };
  const exporter = new QuietExporter(throwing, 'console', log);
  let result: ExportResult | undefined;
  exporter.export(spans(1), (r) => (result = r));
  assert.equal(result?.code, ExportResultCode.SUCCESS);
  assert.match(lines[0]!.msg, /failed \(boom\)/);
});
