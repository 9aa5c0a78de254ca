// A stand-in leaf on 127.0.0.1 that answers like recommendation and keeps the headers it was sent, to see what a hop forwards.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Capture {
  readonly url: string;
  readonly requests: IncomingHttpHeaders[];
  /** Each request's headers as sent: names in their case and order, values as written (Node's rawHeaders). */
  readonly raw: string[][];
  close(): Promise<void>;
}

const LEAF = JSON.stringify({
  chain: [{ service: 'recommendation', version: 'v1', host: 'capture', hits: 1, shadow: false, status: 200 }],
});

export async function startCapture(): Promise<Capture> {
  const requests: IncomingHttpHeaders[] = [];
  const raw: string[][] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    raw.push(request.rawHeaders);
    response.writeHead(200, { 'content-type': 'application/json' }).end(LEAF);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    raw,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A collector that accepts anything POSTed (Jaeger's /api/traces, OTLP's /v1/traces) and counts the posts. */
export async function startSink(port: number): Promise<{ posts: number; close(): Promise<void> }> {
  const state = { posts: 0 };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      state.posts += 1;
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    get posts() {
      return state.posts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
