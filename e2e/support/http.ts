// Small HTTP helpers for e2e: one GET with a bounded wait, and a hand-held fake downstream that answers when released.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chain } from '@mesh-demo/kit';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

export async function getJson(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers: { ...headers, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Chain };
}

/** A real server on 127.0.0.1 that holds every request until `release()`, then answers as a recommendation would. */
export interface HeldDownstream {
  readonly url: string;
  readonly received: () => number;
  release(): void;
  close(): Promise<void>;
}

export async function heldDownstream(): Promise<HeldDownstream> {
  const waiting: Array<() => void> = [];
  let received = 0;
  let released = false;
  const server: Server = createServer((_request, response) => {
    received += 1;
    const answer = () => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ chain: [{ service: 'recommendation', version: 'v1', host: 'held', hits: received, shadow: false, status: 200 }] }),
      );
    };
    if (released) answer();
    else waiting.push(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    release() {
      released = true;
      for (const answer of waiting.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
