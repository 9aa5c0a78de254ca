// What holds a process's memory: V8's heap figures from Prometheus text, and a heap snapshot summed by kind.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHeapMetrics, summariseSnapshot } from '../src/heap.ts';

const MB = 1024 * 1024;

test("prom-client's default heap and process metrics are read in MB, each V8 space apart", () => {
  const text = [
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    `process_resident_memory_bytes ${150 * MB}`,
    `nodejs_heap_size_total_bytes ${94 * MB}`,
    `nodejs_heap_size_used_bytes ${48 * MB}`,
    `nodejs_external_memory_bytes ${7 * MB}`,
    `nodejs_heap_space_size_total_bytes{space="new"} ${64 * MB}`,
    `nodejs_heap_space_size_used_bytes{space="new"} ${20 * MB}`,
    `nodejs_heap_space_size_total_bytes{space="old"} ${22 * MB}`,
    `nodejs_heap_space_size_used_bytes{space="old"} ${21 * MB}`,
  ].join('\n');
  assert.deepEqual(parseHeapMetrics(text), {
    rssMb: 150,
    heapTotalMb: 94,
    heapUsedMb: 48,
    externalMb: 7,
    spaces: { new: { totalMb: 64, usedMb: 20 }, old: { totalMb: 22, usedMb: 21 } },
  });
});

test('metrics without the heap figures are an error, not zeros', () => {
  assert.throws(() => parseHeapMetrics('process_resident_memory_bytes 1\n'), /no nodejs_heap_size_used_bytes/);
});

test('a heap snapshot is summed by constructor for objects and by kind for strings, code and the rest, largest first', () => {
  const snapshot = {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['hidden', 'array', 'string', 'object', 'code'], 'string', 'number', 'number', 'number'] as [string[], ...unknown[]],
      },
    },
    // type, name, id, self_size, edge_count for each node.
    nodes: [3, 0, 1, MB, 0, 3, 0, 2, MB, 0, 2, 1, 3, 3 * MB, 0, 4, 2, 4, MB / 2, 0, 3, 3, 5, MB / 4, 0],
    strings: ['Socket', 'a string', '(code)', 'IncomingMessage'],
  };
  assert.deepEqual(summariseSnapshot(snapshot, 3), {
    liveMb: 5.75,
    objects: 5,
    largest: [
      { kind: '(string)', count: 1, mb: 3 },
      { kind: 'Socket', count: 2, mb: 2 },
      { kind: '(code)', count: 1, mb: 0.5 },
    ],
  });
});
