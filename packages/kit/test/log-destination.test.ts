// The batched log destination: lines wait for the end of the event-loop turn, a full batch or a flush; none is lost or reordered.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { logDestination } from '../src/log-destination.ts';

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
  const turnEnds = () => new Promise((resolve) => setImmediate(resolve));

  it('holds the lines of the current turn back until flushed, then writes all of them in order', async () => {
    const logs = logDestination(fd);
    const written = lines(20);
    for (const line of written) logs.stream.write(line);
    assert.equal(readFileSync(path, 'utf8'), '', 'nothing is written before the turn ends, the batch is full or a flush');
    logs.flush();
    assert.equal(readFileSync(path, 'utf8'), written.join(''));
    await turnEnds();
    assert.equal(readFileSync(path, 'utf8'), written.join(''), 'the scheduled write finds nothing left to write');
  });

  it('writes the lines of one event-loop turn by itself as soon as that turn ends', async () => {
    const logs = logDestination(fd);
    const written = lines(3);
    for (const line of written) logs.stream.write(line);
    await turnEnds();
    assert.equal(readFileSync(path, 'utf8'), written.join(''));
    logs.stream.write(written[0]!);
    await turnEnds();
    assert.equal(readFileSync(path, 'utf8'), written.join('') + written[0], 'and again for a later turn');
  });

  it('writes a batch as soon as 8 KiB are buffered, within the same turn', async () => {
    const logs = logDestination(fd);
    const written = lines(1000);
    for (const line of written) logs.stream.write(line);
    const seen = readFileSync(path, 'utf8');
    assert.ok(seen.length >= 8 * 1024, `at least one full batch is written at once (saw ${seen.length} bytes)`);
    assert.ok(written.join('').startsWith(seen), 'what is written is the first lines, whole and in order');
    await turnEnds();
    assert.equal(readFileSync(path, 'utf8'), written.join(''));
  });
});
