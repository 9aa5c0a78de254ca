// Closing a service: requests in flight on the public and shadow ports finish through the downstream pool, then it closes.
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { forwardRoutes } from '../src/chain-route.ts';
import { buildService } from '../src/service.ts';
import { chainOf, testConfig } from '../src/testing.ts';

let downstream: Server;
let downstreamUrl: string;

// A slow downstream on a real port: the kit's own undici Pool calls it, so closing that pool is observable.
before(async () => {
  downstream = createServer((_req, res) => {
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(chainOf({ service: 'preference' }))),
      200,
    );
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => downstream.close(() => resolve())));

const portOf = (server: Server) => (server.address() as AddressInfo).port;
// No keep-alive (agent: false): a kept-alive idle client socket would hold the close open until the drain cut.
const getText = (port: number, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
const openConnections = () => new Promise<number>((resolve, reject) => downstream.getConnections((e, n) => (e ? reject(e) : resolve(n))));

it('lets requests in flight on the public and shadow ports finish, then closes the downstream pool', async () => {
  // The shadow copy waits 400 ms (a fault scoped to its header) before it calls the downstream: after the public
  // request is done and the public port has closed, but the pool must still be open for it.
  const config = testConfig(
    { name: 'customer', edge: true, downstream: 'preference' },
    { PREFERENCE_URL: downstreamUrl, SHADOW_PORT: '65000', FAULT_DELAY_MS: '400', FAULT_MATCH: 'x-slow=1' },
  );
  const service = buildService(config, forwardRoutes);
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => service.shadow!.listen(0, '127.0.0.1', resolve));

  const publicAnswer = getText(portOf(service.app.server));
  const shadowAnswer = getText(portOf(service.shadow!), { 'x-slow': '1' });
  // The public call has reached the downstream (and the shadow copy is waiting out its delay) when the close begins.
  while ((await openConnections()) < 1) await new Promise((resolve) => setTimeout(resolve, 10));
  const closed = service.close();

  const answers = await Promise.all([publicAnswer, shadowAnswer]);
  assert.deepEqual(
    answers.map((answer) => answer.status),
    [200, 200],
  );
  assert.match(answers[1]!.body, /^customer v1 => preference v1/);
  await closed;
  assert.equal(service.shadow!.listening, false);
  // The pool's keep-alive sockets to the downstream are gone once close() resolves.
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await openConnections(), 0);
});
