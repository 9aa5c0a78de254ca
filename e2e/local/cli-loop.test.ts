// `./pnpmw loop` ended the way people end it, Ctrl-C: the summary, exit 0, and no red ELIFECYCLE line from pnpm.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LocalServices, startLocalServices } from '@mesh-demo/devtools';
import { exitOf, plainPnpm, type Running, start } from '../support/cli.ts';

describe('Ctrl-C on a loop', () => {
  let chain: LocalServices;
  const loops: Running[] = [];
  before(async () => {
    chain = await startLocalServices({ env: { OTEL_TRACES_EXPORTER: 'none' } });
  });
  after(async () => {
    await Promise.all(loops.map((loop) => loop.end()));
    await chain?.stopAll();
  });

  const [pnpm, pnpmArgs] = plainPnpm();
  for (const [label, command, args] of [
    ['./pnpmw loop', './pnpmw', ['loop']],
    ['plain pnpm loop', pnpm, [...pnpmArgs, 'loop']],
  ] as const) {
    it(`${label}: prints the summary of what it saw and exits 0, with no ELIFECYCLE`, async () => {
      // A long interval: Ctrl-C must cut the wait, not sit it out.
      const loop = start(command, [...args, '-i', '30', chain.url('customer')]);
      loops.push(loop);
      await loop.waitFor(/^#1 200 customer v1 => preference v1 => recommendation v1 from /m, 'the first answer');
      loop.interrupt();
      const code = await exitOf(loop, `${label} to exit after Ctrl-C`, 5000);
      assert.equal(code, 0, loop.output());
      assert.match(
        loop.output(),
        /\n1 request, 1 ok\n {2}customer {8}v1 1 \(100%\)\n {2}preference {6}v1 1 \(100%\)\n {2}recommendation {2}v1 1 \(100%\)\n$/,
      );
      assert.doesNotMatch(loop.output(), /ELIFECYCLE|Command failed/);
    });
  }
});
