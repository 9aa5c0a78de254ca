// mesh view's HTTP side: the page's static files and GET /api/graph, on 127.0.0.1 only.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { ViewGraph } from './model.ts';

const PAGE = new URL('./page/', import.meta.url);
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/view.js': { file: 'view.js', type: 'text/javascript; charset=utf-8' },
  '/view.css': { file: 'view.css', type: 'text/css; charset=utf-8' },
};

/** Serves the page and the graph; `graph()` is the scraper's latest. Resolves once listening. */
export function serveView(port: number, graph: () => ViewGraph | { error: string }): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('only GET\n');
      return;
    }
    if (path === '/api/graph') {
      const body = graph();
      res
        .writeHead('error' in body ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
      return;
    }
    const entry = FILES[path];
    if (!entry) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    try {
      res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache' }).end(await readFile(new URL(entry.file, PAGE)));
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('page file missing\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
