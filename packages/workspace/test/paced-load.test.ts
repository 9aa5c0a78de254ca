// The soaks' paced load against a real HTTP server on 127.0.0.1: its rate, its tally of what was not 200, and its stop.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { paceOptions, startPacedLoad, stopOnCtrlC } from '../src/paced-load.ts';

describe('startPacedLoad', () => {
  let server: Server;
  let origin = '';
  let served = 0;
  before(async () => {
    // Every third request answers 503.
    server = createServer((_request, response) => {
      served += 1;
      response.statusCode = served % 3 === 0 ? 503 : 200;
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends at the rate asked for the time asked, waits for every answer, and tallies the ones that were not 200', async () => {
    served = 0;
    const load = startPacedLoad([origin], 100, 500);
    await load.finished;
    assert.ok(load.sent() >= 45 && load.sent() <= 51, `about 50 requests in 0.5 s at 100/s, sent ${load.sent()}`);
    assert.equal(load.done(), load.sent());
    assert.equal(served, load.sent());
    assert.deepEqual(Object.fromEntries(load.errors), { 503: Math.floor(load.sent() / 3) });
    assert.equal(load.errorCount(), Math.floor(load.sent() / 3));
  });

  it('stop() ends the sending at once and the run finishes with the requests in flight', async () => {
    const load = startPacedLoad([origin], 50, 60_000);
    // Stopped once some went out: a minute's run must end with the few sent so far.
    while (load.sent() < 5) await new Promise((resolve) => setImmediate(resolve));
    load.stop();
    await load.finished;
    assert.ok(load.sent() >= 5 && load.sent() < 10, `stopped after 5 requests, sent ${load.sent()}`);
    assert.equal(load.done(), load.sent());
  });

  it('Ctrl-C stops the sending and says so once; its echo from pnpm within the second does not exit', async (t) => {
    const exit = t.mock.method(process, 'exit', () => undefined as never);
    const before = process.listeners('SIGINT');
    const said: string[] = [];
    const load = startPacedLoad([origin], 50, 60_000);
    const interrupted = stopOnCtrlC(load, (line) => said.push(line));
    try {
      assert.equal(interrupted(), false);
      while (load.sent() < 3) await new Promise((resolve) => setImmediate(resolve));
      process.emit('SIGINT');
      process.emit('SIGINT'); // pnpm's forwarded copy of the same Ctrl-C
      await load.finished;
      assert.equal(interrupted(), true);
      assert.ok(load.sent() < 10, `stopped at once, sent ${load.sent()}`);
      assert.equal(said.length, 1);
      assert.match(said[0]!, /Ctrl-C: finishing the requests in flight/);
      assert.equal(exit.mock.callCount(), 0, 'the echo did not end the process');
    } finally {
      for (const listener of process.listeners('SIGINT')) if (!before.includes(listener)) process.off('SIGINT', listener);
    }
  });

  it('a connection refused is tallied by its code, and the load goes on', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const load = startPacedLoad([`http://127.0.0.1:${port}`], 50, 200);
    await load.finished;
    assert.deepEqual(Object.fromEntries(load.errors), { ECONNREFUSED: load.sent() });
  });
});

describe('paceOptions', () => {
  const fail = (message: string): never => {
    throw new Error(message);
  };

  it('takes the defaults when nothing is given, and numbers when they are', () => {
    assert.deepEqual(paceOptions({}, { rate: 50, maxRate: 2000 }, fail), { minutes: 10, rate: 50 });
    assert.deepEqual(paceOptions({ minutes: '0.5', rate: '300' }, { rate: 50, maxRate: 2000 }, fail), { minutes: 0.5, rate: 300 });
  });

  it('refuses minutes that are not above 0 and a rate outside (0, max], naming the value given', () => {
    assert.throws(
      () => paceOptions({ minutes: '0' }, { rate: 50, maxRate: 2000 }, fail),
      /^Error: --minutes wants a number > 0 \(got 0\)$/,
    );
    assert.throws(() => paceOptions({ minutes: 'ten' }, { rate: 50, maxRate: 2000 }, fail), /--minutes wants a number > 0 \(got ten\)/);
    assert.throws(
      () => paceOptions({ rate: '2001' }, { rate: 50, maxRate: 2000 }, fail),
      /--rate wants requests per second in \(0, 2000\] \(got 2001\)/,
    );
    assert.throws(() => paceOptions({ rate: 'lots' }, { rate: 50, maxRate: 2000 }, fail), /--rate wants .+ \(got lots\)/);
  });
});
