// mesh view's HTTP side over loopback: the page's files, the graph, and what it answers to anything else.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ViewGraph } from '../../src/view/model.ts';
import { serveView } from '../../src/view/server.ts';

const GRAPH: ViewGraph = { at: 1, windowSeconds: 4, step: ['02-mesh'], nodes: [], edges: [], unreadable: [] };

describe('serveView', () => {
  let server: Server;
  let base: string;
  let graph: ViewGraph | { error: string } = { error: 'the first scrape has not finished yet' };

  before(async () => {
    server = await serveView(0, () => graph);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('serves the page, its script and its style with their content types', async () => {
    for (const [path, type, marker] of [
      ['/', 'text/html', '<svg id="graph"'],
      ['/view.js', 'text/javascript', "fetch('api/graph'"],
      ['/view.css', 'text/css', '.edge.mirror'],
    ] as const) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', new RegExp(`^${type}`));
      assert.ok((await response.text()).includes(marker), `${path} is the real file`);
    }
  });

  it('answers 503 with the reason before the first scrape, then the graph as JSON, never cached', async () => {
    const waiting = await fetch(`${base}/api/graph`);
    assert.equal(waiting.status, 503);
    assert.deepEqual(await waiting.json(), { error: 'the first scrape has not finished yet' });
    graph = GRAPH;
    const ready = await fetch(`${base}/api/graph`);
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await ready.json(), GRAPH);
  });

  it('answers 404 for other paths (no file outside the page is reachable) and 405 for other methods', async () => {
    assert.equal((await fetch(`${base}/../../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/page/index.html`)).status, 404);
    const post = await fetch(`${base}/api/graph`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('refuses a port that is taken with EADDRINUSE, for the CLI to name', async () => {
    const port = (server.address() as AddressInfo).port;
    await assert.rejects(
      serveView(port, () => GRAPH),
      { code: 'EADDRINUSE' },
    );
  });
});
