// The exporter wrapper: failures are reported once per outage and never reach the batch processor as errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { QuietExporter } from '../src/quiet-exporter.ts';

function scripted(results: ExportResult[]): SpanExporter {
  return {
    export: (_spans, done) => done(results.shift() ?? { code: ExportResultCode.SUCCESS }),
    shutdown: async () => {},
  };
}

const spans = (n: number) => Array.from({ length: n }, () => ({}) as ReadableSpan);
const failed = (message: string): ExportResult => ({ code: ExportResultCode.FAILED, error: new Error(message) });

test('an outage of three batches gives one warning, then one line when export works again with the dropped count', () => {
  const lines: string[] = [];
  const exporter = new QuietExporter(scripted([failed('connect ECONNREFUSED'), failed('x'), failed('y'), { code: ExportResultCode.SUCCESS }]), 'otlp http://c:4318/v1/traces', (l) => lines.push(l));
  const results: ExportResult[] = [];
  for (const n of [2, 3, 4, 1]) exporter.export(spans(n), (r) => results.push(r));
  assert.deepEqual(lines, [
    'telemetry: span export to otlp http://c:4318/v1/traces failed (connect ECONNREFUSED); dropping spans until it works again',
    'telemetry: span export to otlp http://c:4318/v1/traces works again (9 spans were dropped)',
  ]);
  assert.ok(results.every((r) => r.code === ExportResultCode.SUCCESS), 'the batch processor never sees a failure to log');
});

test('an exporter that throws counts as a failed export, not a crash', () => {
  const lines: string[] = [];
  const throwing: SpanExporter = { export: () => { throw new Error('boom'); }, shutdown: async () => {} };
  const exporter = new QuietExporter(throwing, 'console', (l) => lines.push(l));
  let result: ExportResult | undefined;
  exporter.export(spans(1), (r) => (result = r));
  assert.equal(result?.code, ExportResultCode.SUCCESS);
  assert.match(lines[0]!, /failed \(boom\)/);
});
