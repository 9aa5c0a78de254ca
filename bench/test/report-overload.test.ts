// The overload section of RESULTS.md: each of the targets with its verdict, and nothing for older results.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../src/report.ts';
import { renderOverload } from '../src/report-overload.ts';
import { sampleOverload, sampleResults } from './fixtures.ts';

const render = (overload = sampleOverload()) => renderOverload({ ...sampleResults(), overload }).join('\n');
const row = (markdown: string, start: string) => {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${start}`));
  assert.ok(line, `no row starting "${start}" in:\n${markdown}`);
  return line;
};

test('shed p99 over 50 ms is missed by how much; once settled, under 50 ms, it is met', () => {
  const markdown = render();
  assert.match(
    row(markdown, 'Shed answers'),
    /\| ≤ 50 ms \| 70\.0 ms \(p50 2\.0, max 900\.0; 67430 shed\) \| ❌ over by 20 ms \(40% over\) \|/,
  );
  assert.match(row(markdown, '… the same from 2 s on'), /\| 40\.0 ms \(p50 1\.5, max 120\.0\) \| ✅ met \|/);
});

test('an admitted request that was not 200 misses its target and is named by status', () => {
  assert.match(row(render(), 'Admitted requests'), /\| all 200 \| 2560 × 200, 10 other: 10 × 504 \| ❌ 10 not 200 \|/);
});

test('no socket errors is met; any is counted by code', () => {
  assert.match(row(render(), 'Socket errors'), /\| 0 \| 0 \| ✅ met \|/);
  const o = sampleOverload();
  const failing = { ...o, load: { ...o.load, errors: { ECONNRESET: 3 } } };
  assert.match(row(render(failing), 'Socket errors'), /\| 3 × ECONNRESET \| ❌ 3 errors \|/);
});

test('RSS is judged on the service that grew most against its own idle, under load and 60 s after', () => {
  const markdown = render();
  assert.match(row(markdown, 'RSS under overload'), /\| 2\.00× \(customer: 74 → 148 MB\) \| ❌ over by 0\.50× \(33% over\) \|/);
  assert.match(row(markdown, 'RSS 60 s after'), /\| ≤ 1\.25× idle \| 1\.22× \(customer: 74 → 90 MB\) \| ✅ met \|/);
});

test('a quick run says its RSS was read sooner than the target asks', () => {
  assert.match(render({ ...sampleOverload(), afterSeconds: 10 }), /\| RSS 10 s after \(quick run; the target is at 60 s\)/);
});

test('the first request after the load must be 200', () => {
  assert.match(row(render(), 'First request after'), /\| 200 \| 200 in 3010 ms \| ✅ met \|/);
  const late = render({ ...sampleOverload(), firstAfter: { status: 'ECONNREFUSED', ms: 1 } });
  assert.match(row(late, 'First request after'), /❌ answered ECONNREFUSED/);
});

test('the section names the core the services and the load generator ran on', () => {
  assert.match(render(), /The three services ran on CPU 0, the load generator \(one process, an undici `Pool`\) on CPU 1\./);
  assert.match(render(), /\| customer \| 0 \| 74 \| 148 \(2\.00×\) \| 140 \| 90 \(1\.22×\) \|/);
});

test('without a snapshot, the heap section says RSS came back and shows the heap figures per moment', () => {
  const markdown = render();
  assert.match(row(markdown, 'end of load'), /\| 140 \| 94 \| 48 \| 64 \(16 used\) \| 10 \(9 used\) \| 7 \| 46 \|/);
  assert.match(markdown, /RSS was back within 25% of idle, so no heap snapshot was taken\./);
});

test('with a snapshot, its live size and largest kinds are shown, and its file named as not committed', () => {
  const o = sampleOverload();
  const snapshot = {
    file: 'bench/out/overload-heap/Heap.1.heapsnapshot',
    summary: { liveMb: 22.5, objects: 190_000, largest: [{ kind: '(string)', count: 28_000, mb: 7.7 }] },
    afterIt: o.heap.idle,
  };
  const markdown = render({ ...o, heap: { ...o.heap, snapshot } });
  assert.match(
    markdown,
    /heap snapshot \(`bench\/out\/overload-heap\/Heap\.1\.heapsnapshot`, not committed\): 22\.5 MB live in 190000 objects \(largest: \(string\) 7\.7 MB\)/,
  );
  assert.match(row(markdown, 'right after the heap snapshot'), /\| 74 \| 20 \| 13 \|/);
});

test('results from before the overload phase render no overload section; a skipped phase says why', () => {
  assert.doesNotMatch(renderMarkdown(sampleResults()), /## Overload/);
  assert.match(render({ skipped: 'needs two cores' } as never), /## Overload\n\nNot measured: needs two cores\./);
});

test('connection attempts dropped on a full listen queue during the load are counted beside the per-second p99', () => {
  assert.match(
    render({ ...sampleOverload(), listenOverflows: 1200 }),
    /ms: 900\.0, 40\.0\. Connection attempts the kernel dropped .*: 1200;/,
  );
});
