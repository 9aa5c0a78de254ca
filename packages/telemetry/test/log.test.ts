// Telemetry's own lines: JSON shaped like the services' pino lines, filtered by LOG_LEVEL like them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonLog } from '../src/log.ts';

function capture(env: Record<string, string>, service = 'customer') {
  const lines: string[] = [];
  return { lines, log: jsonLog(env, service, (line) => void lines.push(line)) };
}

test("a line is one JSON object with pino's level number, time, the service's base fields, extra fields and msg", () => {
  const { lines, log } = capture({ VERSION: 'v2', HOSTNAME: 'customer-v2-abc' });
  log('warn', 'telemetry: something', { unsent: 3 });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.endsWith('\n') && !lines[0]!.slice(0, -1).includes('\n'), 'exactly one line');
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(entry.level, 40);
  assert.equal(typeof entry.time, 'number');
  assert.deepEqual(
    { service: entry.service, version: entry.version, host: entry.host, unsent: entry.unsent, msg: entry.msg },
    { service: 'customer', version: 'v2', host: 'customer-v2-abc', unsent: 3, msg: 'telemetry: something' },
  );
});

test("with VERSION unset a line carries the kit's default version, as the app's lines and the spans do", () => {
  const { lines, log } = capture({ HOSTNAME: 'h' });
  log('info', 'telemetry: x');
  assert.equal((JSON.parse(lines[0]!) as { version?: unknown }).version, 'v1');
});

test('LOG_LEVEL filters as it does for the app: info by default, warn drops info, silent drops everything', () => {
  const byDefault = capture({});
  byDefault.log('debug', 'd');
  byDefault.log('info', 'i');
  assert.deepEqual(
    byDefault.lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['i'],
  );
  const warn = capture({ LOG_LEVEL: 'warn' });
  warn.log('info', 'i');
  warn.log('warn', 'w');
  warn.log('error', 'e');
  assert.deepEqual(
    warn.lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['w', 'e'],
  );
  const silent = capture({ LOG_LEVEL: 'silent' });
  silent.log('error', 'e');
  assert.deepEqual(silent.lines, []);
});

test('a message with newlines and quotes stays one valid JSON line', () => {
  const { lines, log } = capture({});
  log('error', 'telemetry: line one\nline "two"');
  assert.equal(lines[0]!.trimEnd().split('\n').length, 1);
  assert.equal((JSON.parse(lines[0]!) as { msg: string }).msg, 'telemetry: line one\nline "two"');
});
