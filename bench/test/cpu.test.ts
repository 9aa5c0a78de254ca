// CPU time from /proc/<pid>/stat, including a command name with spaces and parentheses.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuSeconds, cpusAllowed, cpuUsPerRequest, parseCpusAllowed, parseCpuTicks } from '../src/cpu.ts';

test('utime and stime are summed, counting fields after the command name', () => {
  const stat = '4242 (node (my app)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 40 0 0 20 0 7 0 1234 0 0';
  assert.equal(parseCpuTicks(stat), 290);
});

test('the CPU time of this process grows while it computes (within 10 s of wall time)', () => {
  const before = cpuSeconds([process.pid]);
  // Computes until the counter moves (one clock tick); the deadline only bounds a broken reading.
  const deadline = Date.now() + 10_000;
  while (cpuSeconds([process.pid]) === before && Date.now() < deadline) for (let i = 0; i < 1e5; i++) Math.sqrt(i);
  assert.ok(cpuSeconds([process.pid]) > before, 'utime + stime never grew');
});

test('the cores a process may run on are read from Cpus_allowed_list', () => {
  assert.equal(parseCpusAllowed('Name:\tnode\nCpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n'), '0');
  assert.equal(parseCpusAllowed('Cpus_allowed_list:\t0-1\n'), '0-1');
  assert.throws(() => parseCpusAllowed('Name:\tnode\n'), /no Cpus_allowed_list/);
  assert.match(cpusAllowed(process.pid), /^[\d,-]+$/);
});

test('CPU per request is the seconds of CPU over the stretch in µs divided by its requests', () => {
  // A chain that used 1.5 s of CPU (its three processes summed) for 5,000 requests: 300 µs each.
  assert.equal(cpuUsPerRequest(1.5, 5000), 300);
});

test('CPU per request over a stretch with no request is the whole CPU time, not a division by zero', () => {
  assert.equal(cpuUsPerRequest(0.002, 0), 2000);
});
