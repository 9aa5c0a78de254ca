// Memory given back after a burst: the idle/growth decision, and a real process that reclaims (or, off, keeps) its RSS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IDLE_UTILISATION, idleClock, shouldReclaim } from '../src/memory-reclaim.ts';

const MB = 1024 * 1024;
const FIXTURE = fileURLToPath(new URL('./fixtures/burst-then-idle.ts', import.meta.url));

describe('memory reclaim: when', () => {
  it('counts a quiet stretch from the last busy reading', () => {
    const idleFor = idleClock(0);
    assert.equal(idleFor(0.001, 5000), 5000);
    assert.equal(idleFor(0, 10_000), 10_000);
    assert.equal(idleFor(0.5, 15_000), 0, 'a busy reading starts it again');
    assert.equal(idleFor(0, 20_000), 5000);
  });
  it('never while the process is busy, however long it idled before: the latest busy reading is 0 idle', () => {
    const idleFor = idleClock(0);
    assert.equal(idleFor(0, 60_000), 60_000);
    assert.equal(idleFor(IDLE_UTILISATION, 65_000), 0, 'exactly 1% busy counts as busy');
  });

  const baseline = 75 * MB;
  it('reclaims well above its baseline', () => {
    assert.equal(shouldReclaim(237 * MB, baseline), true);
  });
  it('not for a growth under 10% of the baseline, nor under 8 MB', () => {
    assert.equal(shouldReclaim(82 * MB, baseline), false, '+7 MB, 9%');
    assert.equal(shouldReclaim(83 * MB + 1, baseline), true, '+8 MB and 11%');
    assert.equal(shouldReclaim(45 * MB, 40 * MB), false, '+5 MB is 12% of a small baseline, but under 8 MB');
  });
});

interface Run {
  burstOver: number;
  reclaimed?: { before: number; after: number };
  /** The RSS readings once idle, MB. */
  idle: number[];
}

/** Runs the fixture until it has reclaimed, or for `idleReadings` readings after its burst, whichever comes first. */
function burstThenIdle(idleMs: number, idleReadings: number): Promise<Run> {
  const child = spawn(process.execPath, ['--conditions=development', FIXTURE, String(idleMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const run: Run = { burstOver: Number.NaN, idle: [] };
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    const done = () => {
      child.kill('SIGTERM');
      resolve(run);
    };
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { burstOver?: number; rss?: number; reclaimed?: Run['reclaimed'] };
      if (message.burstOver !== undefined) run.burstOver = message.burstOver;
      if (message.rss !== undefined) run.idle.push(message.rss);
      if (message.reclaimed) run.reclaimed = message.reclaimed;
      if (run.reclaimed || run.idle.length >= idleReadings) done();
    });
    child.once('exit', (code) =>
      run.reclaimed || run.idle.length >= idleReadings ? undefined : reject(new Error(`fixture exited (${code})`)),
    );
  });
}

describe('memory reclaim: a real process after a burst', () => {
  it('gives most of the burst back once idle for MEMORY_RECLAIM_IDLE_MS (1 s here)', async () => {
    // 40 readings of 250 ms: 10 s for a check every second to find the process idle.
    const run = await burstThenIdle(1000, 40);
    assert.ok(run.reclaimed, `no reclaim within 10 s of idling at ${run.burstOver} MB: ${run.idle.join(', ')}`);
    const { before, after } = run.reclaimed;
    assert.ok(before - after >= 40, `RSS ${before} -> ${after} MB: less than 40 MB given back`);
  });

  it('keeps it without (the control: V8 alone gives nothing back while the process idles)', async () => {
    const run = await burstThenIdle(0, 12);
    assert.equal(run.reclaimed, undefined);
    const last = run.idle.at(-1)!;
    assert.ok(run.burstOver - last < 40, `RSS ${run.burstOver} -> ${last} MB in 3 s idle without a reclaim`);
  });
});
