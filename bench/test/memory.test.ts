// Reading resident and peak memory from /proc/<pid>/status.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStatus, readMemory } from '../src/memory.ts';

test('VmRSS, VmHWM and RssAnon are read in MB', () => {
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   51200 kB\nThreads:\t7\n';
  assert.deepEqual(parseStatus(status), { rssMb: 100, peakMb: 200, anonMb: 50 });
});

test('a status without VmRSS is an error, not a zero', () => {
  assert.throws(() => parseStatus('Name:\tkthreadd\n'), /no VmRSS/);
});

test('this process has a resident size no larger than its peak', () => {
  const memory = readMemory(process.pid);
  assert.ok(memory.rssMb > 0 && memory.rssMb <= memory.peakMb, JSON.stringify(memory));
});
