// A container's output kept in CRI log format (one record a line, long lines in parts), and its text read back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { criLog, criText, splitCriRecords } from '../../src/node/cri-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Runs `feed` against a fresh log of two streams, ends them, and returns the log's records split in their fields. */
async function logOf(feed: (stdout: PassThrough, stderr: PassThrough) => void, streams: 'both' | 'stdout' = 'both') {
  const file = join(dir, `${files++}.log`);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  criLog(file, { stdout, stderr: streams === 'both' ? stderr : null });
  const closed = [stdout, ...(streams === 'both' ? [stderr] : [])].map((s) => new Promise((resolve) => s.once('close', resolve)));
  feed(stdout, stderr);
  stdout.end();
  stderr.end();
  await Promise.all(closed);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'every record ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((record) => {
      const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z) (stdout|stderr) ([FP]) (.*)$/s.exec(record);
      assert.ok(match, `a CRI record: ${record.slice(0, 80)}`);
      return { time: match[1]!, stream: match[2]!, tag: match[3]!, text: match[4]! };
    });
}

describe('criLog', () => {
  it('writes one full (F) record per line, with the time and the stream it came on', async () => {
    const records = await logOf((stdout, stderr) => {
      stdout.write('listening on 8080\nready\n');
      stderr.write('warning: no tracer\n');
    });
    assert.deepEqual(
      records.map((r) => `${r.stream} ${r.tag} ${r.text}`),
      ['stdout F listening on 8080', 'stdout F ready', 'stderr F warning: no tracer'],
    );
    for (const r of records) assert.ok(Math.abs(Date.parse(r.time) - Date.now()) < 60_000, r.time);
  });

  it('joins a line written in pieces into one record, once its newline comes', async () => {
    const records = await logOf((stdout) => {
      stdout.write('GET /health');
      stdout.write('/ready 200');
      stdout.write(' 1ms\nnext\n');
    });
    assert.deepEqual(
      records.map((r) => r.text),
      ['GET /health/ready 200 1ms', 'next'],
    );
  });

  it('keeps a character split between two chunks whole', async () => {
    const bytes = Buffer.from('café ✓\n');
    const records = await logOf((stdout) => {
      stdout.write(bytes.subarray(0, 4));
      stdout.write(bytes.subarray(4, 9));
      stdout.write(bytes.subarray(9));
    });
    assert.deepEqual(
      records.map((r) => r.text),
      ['café ✓'],
    );
  });

  it('writes the last line without a newline as a full record when the stream closes', async () => {
    const records = await logOf((stdout) => stdout.write('done\nexiting without newline'), 'stdout');
    assert.deepEqual(
      records.map((r) => `${r.tag} ${r.text}`),
      ['F done', 'F exiting without newline'],
    );
  });

  it('cuts an over-long line into 16 KiB partial (P) records as it comes, and ends it with a full one', async () => {
    const long = 'a'.repeat(16 * 1024) + 'b'.repeat(16 * 1024) + 'c'.repeat(100);
    const records = await logOf((stdout) => {
      stdout.write(long.slice(0, 20_000));
      stdout.write(long.slice(20_000));
      stdout.write('\nshort\n');
    });
    assert.deepEqual(
      records.map((r) => `${r.tag} ${r.text.length} ${r.text[0]}`),
      ['P 16384 a', 'P 16384 b', 'F 100 c', 'F 5 s'],
    );
    assert.equal(
      records
        .slice(0, 3)
        .map((r) => r.text)
        .join(''),
      long,
    );
  });

  it('ends an over-long last line with its remainder as a full record at close', async () => {
    const records = await logOf((stdout) => stdout.write('x'.repeat(16 * 1024 + 7)), 'stdout');
    assert.deepEqual(
      records.map((r) => `${r.tag} ${r.text.length}`),
      ['P 16384', 'F 7'],
    );
  });
});

describe('criText', () => {
  const at = '2026-12-07T05:38:00.123Z';

  it('gives the text of each record, without time, stream and tag', () => {
    const log = [`${at} stdout F listening on 8080`, `${at} stderr F warning: no tracer`, ''].join('\n');
    assert.deepEqual(criText(log), ['listening on 8080', 'warning: no tracer']);
  });

  it('joins partial records with the full record that ends them', () => {
    const log = [`${at} stdout P {"msg":"a long `, `${at} stdout P request log `, `${at} stdout F line"}`, `${at} stdout F next`].join(
      '\n',
    );
    assert.deepEqual(criText(log), ['{"msg":"a long request log line"}', 'next']);
  });

  it('keeps empty lines and the spaces in a line, and skips what is not a record', () => {
    const log = [`${at} stdout F `, `${at} stdout F   indented  `, 'garbage', `${at} other F not a stream`, ''].join('\n');
    assert.deepEqual(criText(log), ['', '  indented  ']);
  });

  it('reads back what criLog wrote, an over-long line whole', async () => {
    const long = 'z'.repeat(40_000);
    const file = join(dir, 'round-trip.log');
    const stdout = new PassThrough();
    criLog(file, { stdout, stderr: null });
    const closed = new Promise((resolve) => stdout.once('close', resolve));
    stdout.end(`first\n${long}\nlast`);
    await closed;
    assert.deepEqual(criText(readFileSync(file, 'utf8')), ['first', long, 'last']);
  });
});

describe('splitCriRecords (mesh logs -f reading a log as it grows)', () => {
  const T = '2026-12-07T07:00:00.000000000Z';
  it('holds back a record with no newline yet', () => {
    assert.deepEqual(splitCriRecords(`${T} stdout F one\n${T} stdout F tw`), { complete: `${T} stdout F one`, rest: `${T} stdout F tw` });
  });

  it('holds back the P records of a long line until the F record that ends it is read, then gives the line whole', () => {
    const first = splitCriRecords(`${T} stdout F before\n${T} stdout P aaa\n${T} stdout P bbb\n`);
    assert.deepEqual(criText(first.complete), ['before']);
    const second = splitCriRecords(`${first.rest}${T} stdout F ccc\n`);
    assert.deepEqual(criText(second.complete), ['aaabbbccc']);
    assert.equal(second.rest, '');
  });
});
