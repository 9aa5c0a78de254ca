// Batched request logs on a real process: SIGTERM right after the last answer loses no line, the stop line included.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';

describe('request logs across shutdown', () => {
  let chain: LocalServices;
  before(async () => {
    chain = await startLocalServices({ only: ['recommendation'], env: { SHUTDOWN_DELAY_MS: '0' } });
  });
  after(() => chain?.stopAll());

  it('writes every request line and the stop line when SIGTERM follows the last answer at once', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `shutdown-log-${i}`);
    // One after another, so the last lines are still in the write buffer (well under its size) when the signal lands.
    for (const id of ids) {
      const response = await fetch(chain.url('recommendation'), { headers: { 'x-request-id': id } });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    const recommendation = chain.processes.get('recommendation')!;
    // 'close' comes after the process's stdout has ended, so every line it wrote has been read by then.
    const closed = once(recommendation.child, 'close');
    recommendation.child.kill('SIGTERM');
    assert.equal(await recommendation.exited, 0);
    await closed;

    const lines = chain.logs.get('recommendation')!.filter((line) => line.startsWith('{'));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const logged = entries.filter((e) => e.msg === 'request').map((e) => e.request_id);
    assert.deepEqual(logged, ids);
    assert.equal(entries.at(-1)?.msg, 'stopped');
  });
});
