// `mesh view` against the real mesh: in a real browser (the shares, the mirror edge, a fault's errors), in a terminal, and its refusals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@mesh-demo/workspace';
import { until } from '../support/poll.ts';
import { ensureMesh } from './support/lifecycle.ts';
import { applyStep, CLI, cli, type Sent, send, untilEdge, versionAt } from './support/mesh.ts';
import { type EdgeRow, openView, type ViewSession } from './support/view-page.ts';

/** Traffic through the edge, about 60 requests a second until stopped: what the page must account for. */
function steadyTraffic(): { sent: (Sent & { at: number })[]; stop: () => Promise<void> } {
  const sent: (Sent & { at: number })[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const s of await send(6, { concurrency: 2 })) sent.push({ ...s, at: Date.now() });
      // Paced, so the proxies and the apps on two shared cores are not what the test measures.
      await sleep(100);
    }
  })();
  return {
    sent,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const edge = (rows: EdgeRow[], from: string, to: string, kind = 'request') =>
  rows.find((r) => r.from === from && r.to === to && r.kind === kind);

describe('mesh view in a browser', () => {
  let view: ViewSession;
  let traffic: ReturnType<typeof steadyTraffic>;

  before(async () => {
    await ensureMesh();
    await applyStep('02-mesh');
    await untilEdge(/^200 customer v1 => /);
    view = await openView();
    traffic = steadyTraffic();
  });

  after(async () => {
    await traffic?.stop();
    await view?.close();
  });

  it('02: one edge per hop, every call to v1, all of them mutual TLS', async () => {
    await applyStep('02-mesh');
    const since = Date.now();
    const rows = await view.edgesOf('02-mesh', since, 'the chain', (r) => !!edge(r, 'preference:v1', 'recommendation:v1'));
    assert.deepEqual(
      rows.filter((r) => r.kind === 'request').map((r) => `${r.from} -> ${r.to} ${r.share}`),
      ['customer:v1 -> preference:v1 1', 'ingress -> customer:v1 1', 'preference:v1 -> recommendation:v1 1'],
    );
    assert.ok(rows.every((r) => r.mtls && r.errorRate === 0));
    await view.screenshot('02-mesh');
  });

  it("03a: the page shows about half of preference's calls on each recommendation version", async () => {
    await applyStep('03a-blue-green-50-50');
    const since = Date.now();
    const rows = await view.edgesOf(
      '03a-blue-green-50-50',
      since,
      'both recommendation versions',
      (r) => !!edge(r, 'preference:v1', 'recommendation:v1') && !!edge(r, 'preference:v1', 'recommendation:v2'),
    );
    const shown = edge(rows, 'preference:v1', 'recommendation:v2')!.share;
    assert.ok(Math.abs(shown - 0.5) <= 0.14, `page shows v2 at ${shown}`);
    await view.screenshot('03a-blue-green-50-50');
  });

  it('03b: the page shows preference sending about 25% to recommendation v1 and 75% to v2, as the answers did', async () => {
    await applyStep('03b-canary-25-75');
    // From here on every proxy holds the step: the page must show a window that starts after this.
    const since = Date.now();
    const rows = await view.edgesOf(
      '03b-canary-25-75',
      since,
      'both recommendation versions',
      (r) => !!edge(r, 'preference:v1', 'recommendation:v1') && !!edge(r, 'preference:v1', 'recommendation:v2'),
    );
    const shown = edge(rows, 'preference:v1', 'recommendation:v2')!.share;
    const answered = traffic.sent.filter((s) => s.at >= since && s.chain);
    const observed = answered.filter((s) => versionAt(s, 'recommendation') === 'v2').length / answered.length;
    // Over ~4 s of calls the page's share and the answers' share each sit within 0.12 of 75% (about 4 standard
    // deviations of ~200 calls); the two windows differ a little, so they are held to the same band, not to each other exactly.
    assert.ok(Math.abs(shown - 0.75) <= 0.12, `page shows v2 at ${shown}`);
    assert.ok(Math.abs(observed - 0.75) <= 0.12, `answers show v2 at ${observed} of ${answered.length}`);
    assert.ok(Math.abs(shown + edge(rows, 'preference:v1', 'recommendation:v1')!.share - 1) < 1e-9, 'the two shares add up to 1');
    assert.ok(
      rows.every((r) => r.mtls),
      'every edge is marked mutual TLS (step 2 makes it STRICT)',
    );
    await view.screenshot('03b-canary-25-75');
  });

  it('04b: a mirror edge to customer v2 appears, carrying about half of what customer v1 gets', async () => {
    await applyStep('04b-mirror-customer-50');
    // From here on every proxy holds the step: the page must show a window that starts after this.
    const since = Date.now();
    const rows = await view.edgesOf(
      '04b-mirror-customer-50',
      since,
      'the mirror edge',
      (r) => !!edge(r, 'ingress', 'customer:v2', 'mirror'),
    );
    const mirror = edge(rows, 'ingress', 'customer:v2', 'mirror')!;
    const real = edge(rows, 'ingress', 'customer:v1')!;
    assert.ok(Math.abs(mirror.rps / real.rps - 0.5) <= 0.2, `mirror ${mirror.rps}/s against ${real.rps}/s to customer v1`);
    assert.equal(edge(rows, 'ingress', 'customer:v2'), undefined, 'no real call goes to customer v2');
    await view.screenshot('04b-mirror-customer-50');
  });

  it('fault abort: preference shows calls to recommendation aborted at about the 50% the step sets, and the edge errors upstream', async () => {
    await applyStep('resilience-fault-abort');
    // From here on every proxy holds the step: the page must show a window that starts after this.
    const since = Date.now();
    const rows = await view.edgesOf(
      'resilience-fault-abort',
      since,
      'aborted calls',
      (r) => !!edge(r, 'preference:v1', 'recommendation:*', 'aborted'),
    );
    const aborted = edge(rows, 'preference:v1', 'recommendation:*', 'aborted')!;
    assert.ok(Math.abs(aborted.share - 0.5) <= 0.15, `aborted share ${aborted.share}`);
    assert.equal(aborted.errorRate, 1);
    const answered = traffic.sent.filter((s) => s.at >= since);
    const failed = answered.filter((s) => s.status === 503).length / answered.length;
    assert.ok(Math.abs(failed - 0.5) <= 0.15, `answers failed at ${failed}`);
    const customer = edge(rows, 'customer:v1', 'preference:v1')!;
    assert.ok(Math.abs(customer.errorRate - 0.5) <= 0.15, `customer → preference errors at ${customer.errorRate}`);
    await view.screenshot('resilience-fault-abort');
  });
});

describe('mesh view in a terminal, and its refusals', () => {
  before(async () => {
    await ensureMesh();
    await applyStep('02-mesh');
    await untilEdge(/^200 customer v1 => /);
  });

  it('--tui redraws the edges of the running step in the terminal, and Ctrl-C ends it with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'view', '--tui'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c));
    child.stderr.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const traffic = steadyTraffic();
    try {
      // Each frame starts by clearing the screen; one of them must show the hop with its rate and its mTLS.
      await until(
        'a --tui frame with preference -> recommendation v1',
        () =>
          output.includes('\x1b[H\x1b[2J') && /preference:v1 +--> +recommendation:v1 +[\d.]+\/s .*mTLS/.test(output) ? true : undefined,
        20_000,
      );
    } finally {
      await traffic.stop();
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, output.slice(-500));
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });

  it('a bad --port or --window is one line and the usage, exit 2; a taken port is one line, exit 1', async () => {
    const badPort = await cli(['view', '--port', 'abc']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /^mesh: --port wants a port number, 1-65535 \(got abc\)\nusage: /);
    const badWindow = await cli(['view', '--window', '0.5']);
    assert.equal(badWindow.code, 2);
    assert.match(badWindow.stderr, /^mesh: --window wants whole seconds, 2-60 \(got 0\.5\)\n/);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as AddressInfo).port;
      const taken = await cli(['view', '--port', String(port)]);
      assert.equal(taken.code, 1);
      assert.equal(taken.stderr, `mesh: port ${port} is taken; pick another with --port\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
