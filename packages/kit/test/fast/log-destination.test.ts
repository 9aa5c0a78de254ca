// The batched log destination: lines are written at once when quiet, and gathered while requests are in flight.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { logDestination } from '../../src/fast/log-destination.ts';

describe('the batched stdout log destination', () => {
  let dir: string;
  let path: string;
  let fd: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
    path = join(dir, 'out.log');
    fd = openSync(path, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = (count: number) => Array.from({ length: count }, (_, i) => `{"msg":"request","n":${i}}\n`);
  const written = () => readFileSync(path, 'utf8');

  it('writes a line at once while no request is in flight', () => {
    const logs = logDestination(fd);
    const [line] = lines(1);
    logs.stream.write(line!);
    assert.equal(written(), line);
  });

  it('gathers the lines logged while requests are in flight and writes them, in order, when the last one ends', () => {
    const logs = logDestination(fd);
    const batch = lines(20);
    logs.begin();
    logs.begin();
    for (const line of batch.slice(0, 10)) logs.stream.write(line);
    logs.end();
    assert.equal(written(), '', 'one request is still in flight');
    for (const line of batch.slice(10)) logs.stream.write(line);
    logs.end();
    assert.equal(written(), batch.join(''));
  });

  it('writes a batch as soon as 8 KiB are gathered, even with requests in flight', () => {
    const logs = logDestination(fd);
    const batch = lines(1000);
    logs.begin();
    for (const line of batch) logs.stream.write(line);
    const seen = written();
    assert.ok(seen.length >= 8 * 1024, `at least one full batch is written at once (saw ${seen.length} bytes)`);
    assert.ok(batch.join('').startsWith(seen), 'what is written is the first lines, whole and in order');
    logs.flush();
    assert.equal(written(), batch.join(''));
  });

  it('does not hold lines back for long behind a request that never ends (250 ms backstop)', async () => {
    const logs = logDestination(fd);
    const [line] = lines(1);
    logs.begin();
    logs.stream.write(line!);
    // Polled, with a described limit well above the backstop: this says "not for long", not how fast.
    const deadline = Date.now() + 2000;
    while (written() !== line) {
      assert.ok(Date.now() < deadline, 'the backstop wrote the gathered line within 2 s');
      await sleep(20);
    }
  });

  it('writes a line that comes within 20 ms of the last write at the end of the event-loop turn, with any that follow', async () => {
    const logs = logDestination(fd);
    const [first, second, third] = lines(3);
    logs.stream.write(first!);
    assert.equal(written(), first, 'the first line, after a quiet spell, at once');
    logs.stream.write(second!);
    logs.begin();
    logs.end();
    logs.stream.write(third!);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(written(), `${first}${second}${third}`);
  });

  it('never counts below zero: an end without a begin leaves lines written at once', () => {
    const logs = logDestination(fd);
    logs.end();
    const [line] = lines(1);
    logs.stream.write(line!);
    assert.equal(written(), line);
  });
});
