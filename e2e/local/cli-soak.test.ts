// `./pnpmw soak` stopped by Ctrl-C as in a terminal: the requests in flight finish, then the summary and verdict, exit 0.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { exitOf, type Running, start } from '../support/cli.ts';

describe('./pnpmw soak and Ctrl-C', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.end();
    running = undefined;
  });

  it('prints the summary of what ran (no errors: the services are not hit by the Ctrl-C) and exits 0', async () => {
    running = start('./pnpmw', ['soak', '--minutes', '5', '--rate', '50']);
    // The first sample line, then a few seconds of load: the second sample comes at 10 s.
    await running.waitFor(/^ +10s {2}sent \d+ {2}errors 0 /m, 'the soak to run 10 s without an error', 120_000);
    running.interrupt();
    assert.equal(await exitOf(running, 'soak to exit after Ctrl-C'), 0, running.output());
    const out = running.output();
    assert.match(out, /^soak: Ctrl-C: finishing the requests in flight for the summary/m);
    assert.match(out, /^\d+ requests in 0\.\d of 5 min at 50\/s \(stopped by Ctrl-C\)$/m);
    for (const name of ['customer', 'partner', 'preference', 'recommendation']) {
      assert.match(out, new RegExp(`^${name} +RSS growth -?\\d+\\.\\d MB, open files growth -?\\d+$`, 'm'));
    }
    assert.match(out, /^\(too short to judge growth: run at least 2 minutes\)$/m);
    assert.match(out, /^soak passed$/m);
  });
});
