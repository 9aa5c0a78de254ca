// The kit's ambiguous-request check on a real socket: what it refuses reaches no handler, what it allows does, and
// without it the same requests would reach the handler (so the refusals are the check's, not Node's).
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { refusingAmbiguous } from '../src/ambiguous-request.ts';

interface Listening {
  readonly server: Server;
  readonly port: number;
  reached: number;
}

async function listen(wrap: (handler: RequestListener) => RequestListener): Promise<Listening> {
  const state = { reached: 0 } as Listening;
  const server = createServer(
    wrap((request, response) => {
      state.reached++;
      request.resume();
      request.on('end', () => response.end('ok'));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { server, port: (server.address() as { port: number }).port });
}

/** The status line's code of the first answer to raw bytes, read until the server closes or 1 s passes. */
function statusOf(port: number, raw: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    let text = '';
    const done = () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]) || undefined);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 1000);
  });
}

const REFUSED: Record<string, [string, number]> = {
  'two Host fields': ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
  'an absolute-form target that disagrees with Host': ['GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  'a final transfer coding other than chunked': ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc', 400],
  'a transfer coding we do not implement': ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n', 501],
  'content in a GET': ['GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', 400],
  'HTTP/2.0 on an HTTP/1 connection': ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
};

const ALLOWED: Record<string, string> = {
  'host:port': 'GET / HTTP/1.1\r\nHost: customer:8080\r\n\r\n',
  'an IPv6 literal': 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n',
  'an absolute-form target that agrees with Host, in another case': 'GET http://Customer:8080/ HTTP/1.1\r\nHost: customer:8080\r\n\r\n',
  'HTTP/1.0 without Host': 'GET / HTTP/1.0\r\n\r\n',
  'a chunked POST': 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'a GET with Content-Length: 0': 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n',
  'OPTIONS *': 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
};

describe('refusingAmbiguous', () => {
  let checked: Listening;
  let plain: Listening;
  before(async () => {
    checked = await listen(refusingAmbiguous);
    plain = await listen((handler) => handler);
  });
  after(() => {
    checked.server.close();
    plain.server.close();
  });

  for (const [name, [raw, status]] of Object.entries(REFUSED)) {
    test(`refuses ${name} with ${status} before the handler, which a plain Node server would have run`, async () => {
      const before = { checked: checked.reached, plain: plain.reached };
      assert.equal(await statusOf(checked.port, raw), status);
      assert.equal(checked.reached, before.checked, 'the handler ran');
      await statusOf(plain.port, raw);
      assert.equal(plain.reached, before.plain + 1, 'the control: Node alone lets this request through to the handler');
    });
  }

  for (const [name, raw] of Object.entries(ALLOWED)) {
    test(`lets ${name} through to the handler`, async () => {
      const before = checked.reached;
      assert.equal(await statusOf(checked.port, raw), 200);
      assert.equal(checked.reached, before + 1);
    });
  }
});
